/**
 * Gateway counters next to client-side causes (report `gateway`): the deltas
 * of Envoy's `/stats` over each measured phase, summed over repetitions and replicas, and a
 * sentence wherever the gateway and the clients disagree.
 */
import type { PhaseResult } from '../load/model.js';
import type { GatewayCounters, PhaseName } from '../report/model.js';
import { timeoutMismatch } from '../cluster/counters.js';

/**
 * Boundary slack: a request in flight when a phase starts or ends can be counted by the
 * gateway but not the client (or the reverse). Beyond this, the difference means something.
 */
const MISMATCH_SLACK = (n: number) => Math.max(2, Math.ceil(0.01 * n));

export function gatewayCounters(phase: PhaseName, deltas: Record<string, number>[], result: PhaseResult): GatewayCounters {
  const sum: Record<string, number> = {};
  for (const d of deltas) for (const [k, v] of Object.entries(d)) sum[k] = (sum[k] ?? 0) + v;
  const mismatches: string[] = [];
  // §1: every pending-queue overflow is one 503 with x-envoy-overloaded, classified `overflow`
  const gatewayOverflow = bySuffix(sum, 'upstream_rq_pending_overflow');
  const clientOverflow = result.causes.overflow ?? 0;
  if (gatewayOverflow !== undefined && Math.abs(gatewayOverflow - clientOverflow) > MISMATCH_SLACK(clientOverflow)) {
    mismatches.push(`${phase}: gateway counted ${gatewayOverflow} upstream_rq_pending_overflow, clients saw ${clientOverflow} overflow 503s`);
  }
  // §4.1: every route timeout is one 504 at the client (the cluster module owns this check)
  const timeouts = timeoutMismatch(phase, sum, result.causes, MISMATCH_SLACK(0));
  if (timeouts) mismatches.push(timeouts);
  return { phase, deltas: sum, mismatches };
}

/** Sum of every counter whose Envoy stat name ends in `.suffix` (one per cluster/replica). */
function bySuffix(stats: Record<string, number>, suffix: string): number | undefined {
  let total: number | undefined;
  for (const [k, v] of Object.entries(stats)) if (k === suffix || k.endsWith(`.${suffix}`)) total = (total ?? 0) + v;
  return total;
}
