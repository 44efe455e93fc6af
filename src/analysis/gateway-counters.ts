/**
 * Gateway counters as evidence, in one pure module: which Envoy `/stats` counters meshproof
 * reads, how one replica's text is parsed and selected, how readings are summed and
 * differenced, and where the gateway and the clients disagree — with one slack rule. Reading
 * the replicas is the targets' business (src/cluster/counters.ts, src/targets/local-target.ts).
 */
import type { PhaseResult } from '../load/model.js';
import type { CounterMismatch, GatewayCounters, PhaseName } from './model.js';

/**
 * The cluster traffic counters Envoy creates, at 0, with the cluster itself (lazy creation,
 * envoyproxy/envoy#23575, is the opt-in bootstrap `deferred_stat_options.enable_deferred_creation_stats`,
 * which Istio's bootstrap template tools/packaging/common/envoy_bootstrap.json does not set):
 * one missing from a gateway's `/stats` was rejected by the stats matcher (Envoy hands a rejected name a null counter that `/stats` never lists:
 * source/common/stats/thread_local_store.cc `counterFromStatNameWithTags`), not "0". The
 * `outlier_detection.*` counters are left out: Envoy creates them only for a cluster that has
 * outlier detection configured (outlier_detection_impl.cc `DetectorImplFactory::createForCluster`
 * returns no detector without `outlier_detection`), so their absence says nothing about the matcher.
 */
export const EAGER_COUNTERS = [
  'upstream_rq_total',
  'upstream_rq_pending_overflow',
  'upstream_cx_overflow',
  'upstream_rq_retry',
  'upstream_rq_retry_overflow',
  'upstream_rq_timeout',
] as const;

/** The per-cluster counters read (§1, §2.2, §3.2, §4); overflows and timeouts are compared with client-side causes. */
export const GATEWAY_COUNTERS = [
  ...EAGER_COUNTERS,
  'outlier_detection.ejections_enforced_total',
  'outlier_detection.ejections_active',
] as const;

/**
 * Envoy's text `/stats` (source/server/admin/stats_render.cc `StatsTextRender::generate`):
 * counters and gauges `name: value`; text readouts `name: "value"`; histograms
 * `name: P0(…,…) P25(…)` or `name: No recorded values` — only the numeric lines are kept.
 * Names never hold `:` (Envoy replaces it with `_`, cluster_stats.rst), so `: ` splits safely.
 */
export function parseEnvoyStats(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(\S+): (\d+)$/.exec(line.trim());
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

/** Only `cluster.outbound|…|<fqdn>.<counter>` for the counters above (and the given services). */
export function selectGatewayStats(stats: Record<string, number>, fqdns?: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, v] of Object.entries(stats)) {
    const m = /^cluster\.(outbound\|[^|]*\|[^|]*\|([^.]+(?:\.[^.]+)*?))\.(upstream_\w+|outlier_detection\.\w+)$/.exec(
      name,
    );
    if (!m || !(GATEWAY_COUNTERS as readonly string[]).includes(m[3])) continue;
    if (fqdns && !fqdns.includes(m[2])) continue;
    out[name] = v;
  }
  return out;
}

/** Sums readings counter by counter (replicas of one reading, or repetitions of one phase). */
export function sumCounters(readings: Record<string, number>[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const r of readings) for (const [k, v] of Object.entries(r)) sum[k] = (sum[k] ?? 0) + v;
  return sum;
}

/**
 * The {@link EAGER_COUNTERS} missing from every reading of a phase: the gateway's stats matcher
 * does not keep them (Istio's default keeps only `cluster_manager`, `listener_manager`,
 * `server`, `cluster.xds-grpc`, …: pkg/bootstrap/config.go
 * `requiredEnvoyStatsMatcherInclusionPrefixes`), so the gateway's count is unknown — not 0.
 */
export function unexposedCounters(readings: Record<string, number>[]): string[] {
  if (readings.length === 0) return [];
  return EAGER_COUNTERS.filter((c) => readings.every((r) => bySuffix(r, c) === undefined));
}

/** after − before, counter by counter (a counter new since `before` counts from 0). */
export function counterDeltas(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) out[k] = v - (before[k] ?? 0);
  return out;
}

/**
 * The one slack rule: a request in flight when a phase starts or ends can be counted by the
 * gateway but not the client (or the reverse). Beyond max(2, 1 % of the clients' count), the
 * difference means something.
 */
export function withinSlack(gateway: number, clients: number): boolean {
  return Math.abs(gateway - clients) <= Math.max(2, Math.ceil(0.01 * clients));
}

/** §1: every pending-queue overflow is one 503 with x-envoy-overloaded, classified `overflow`. */
export function overflowMismatch(
  phase: string,
  deltas: Record<string, number>,
  causes: Partial<Record<string, number>>,
): CounterMismatch | undefined {
  return mismatch(phase, deltas, causes, 'upstream_rq_pending_overflow', 'overflow');
}

/**
 * §1, §4.1: every route timeout is one 504 "upstream request timeout" at the client
 * (`upstream_rq_timeout` does not count per-try timeouts, Envoy keeps those in
 * `upstream_rq_per_try_timeout`).
 */
export function timeoutMismatch(
  phase: string,
  deltas: Record<string, number>,
  causes: Partial<Record<string, number>>,
): CounterMismatch | undefined {
  return mismatch(phase, deltas, causes, 'upstream_rq_timeout', 'route_timeout');
}

/** The counter against its cause; undefined when the counter is not kept or agrees within the slack. */
function mismatch(
  phase: string,
  deltas: Record<string, number>,
  causes: Partial<Record<string, number>>,
  counter: CounterMismatch['counter'],
  cause: CounterMismatch['cause'],
): CounterMismatch | undefined {
  const gateway = bySuffix(deltas, counter);
  if (gateway === undefined) return undefined;
  const clients = causes[cause] ?? 0;
  if (withinSlack(gateway, clients)) return undefined;
  return { phase, counter, cause, gateway, clients };
}

/** One phase's gateway section of the report: its deltas summed over repetitions, and every mismatch. */
export function gatewayCounters(
  phase: PhaseName,
  deltas: Record<string, number>[],
  result: PhaseResult,
): GatewayCounters {
  const sum = sumCounters(deltas);
  const mismatches = [overflowMismatch(phase, sum, result.causes), timeoutMismatch(phase, sum, result.causes)].filter(
    (m): m is CounterMismatch => m !== undefined,
  );
  const unexposed = unexposedCounters(deltas);
  return { phase, deltas: sum, mismatches, ...(unexposed.length > 0 ? { unexposed } : {}) };
}

/** Sum of every counter whose Envoy stat name ends in `.suffix` (one per cluster/replica); undefined when none is kept. */
function bySuffix(stats: Record<string, number>, suffix: string): number | undefined {
  let total: number | undefined;
  for (const [k, v] of Object.entries(stats)) if (k === suffix || k.endsWith(`.${suffix}`)) total = (total ?? 0) + v;
  return total;
}
