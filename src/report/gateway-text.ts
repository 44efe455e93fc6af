/**
 * The report's gateway section: analysis's counter mismatches (analysis/gateway-counters.ts)
 * worded as the one line each that report.json and every renderer carry.
 */
import type { CounterMismatch, GatewayCounters, GatewayReport } from './model.js';

/** What the clients saw that the counter should equal, in their words. */
const CLIENT_SIDE: Record<CounterMismatch['cause'], string> = {
  overflow: 'overflow 503s',
  route_timeout: 'route-timeout 504s',
};

/** "policy: gateway counted 600 upstream_rq_pending_overflow, clients saw 900 overflow 503s" */
export function mismatchText(m: CounterMismatch): string {
  return `${m.phase}: gateway counted ${m.gateway} ${m.counter}, clients saw ${m.clients} ${CLIENT_SIDE[m.cause]}`;
}

/**
 * "gateway: upstream_rq_pending_overflow, upstream_rq_timeout are not in the gateway's /stats …" —
 * counters the gateway's stats matcher drops (analysis `unexposedCounters`): unknown, never 0.
 */
export function unexposedText(counters: string[]): string {
  const checks = [
    counters.includes('upstream_rq_pending_overflow') ? 'overflow 503s' : '',
    counters.includes('upstream_rq_timeout') ? 'route-timeout 504s' : '',
  ].filter(Boolean);
  return `gateway: ${counters.join(', ')} ${counters.length === 1 ? 'is' : 'are'} not in the gateway's /stats — not exposed by its Envoy stats matcher (Istio keeps only a few stats by default), so the gateway's count is unknown, not 0${checks.length > 0 ? `, and the clients' ${checks.join(' and ')} were not checked against it` : ''}; README "Pointing it at a real cluster" shows how to keep them`;
}

/** One phase's gateway counters as report.json carries them: each mismatch as a sentence. */
export function reportGateway(g: GatewayCounters): GatewayReport {
  return {
    phase: g.phase,
    deltas: g.deltas,
    mismatches: g.mismatches.map(mismatchText),
    ...(g.unexposed ? { unexposed: g.unexposed } : {}),
  };
}
