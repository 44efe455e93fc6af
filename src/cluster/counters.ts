/**
 * Gateway counters: Envoy's `/stats` of every gateway replica, summed, so
 * the report can put the gateway's own count of overflows, ejections, retries and timeouts
 * next to what the clients saw. Circuit breakers act per replica (istio-envoy-semantics.md §0),
 * so the limits a policy sets are multiplied by the replica count to get the gateway's.
 */
import type { CounterSource } from '../ports.js';
import type { EnvoyCluster } from '../translate/index.js';

/** The per-cluster counters compared with client-side causes (§1, §2.2, §3.2, §4). */
export const GATEWAY_COUNTERS = [
  'upstream_rq_total',
  'upstream_rq_pending_overflow',
  'upstream_cx_overflow',
  'upstream_rq_retry',
  'upstream_rq_retry_overflow',
  'upstream_rq_timeout',
  'outlier_detection.ejections_enforced_total',
  'outlier_detection.ejections_active',
] as const;

/** Envoy's text `/stats`: `name: value` per line; histogram lines (`P0(…)`) are skipped. */
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
    const m = /^cluster\.(outbound\|[^|]*\|[^|]*\|([^.]+(?:\.[^.]+)*?))\.(upstream_\w+|outlier_detection\.\w+)$/.exec(name);
    if (!m || !(GATEWAY_COUNTERS as readonly string[]).includes(m[3])) continue;
    if (fqdns && !fqdns.includes(m[2])) continue;
    out[name] = v;
  }
  return out;
}

/** Sums the selected counters over every replica; reads them all at once, bracketing a phase. */
export function gatewayCounterSource(replicas: string[], readStats: (replica: string) => Promise<string>, fqdns?: string[]): CounterSource {
  return {
    async read() {
      const texts = await Promise.all(replicas.map(readStats));
      const sum: Record<string, number> = {};
      for (const t of texts) for (const [k, v] of Object.entries(selectGatewayStats(parseEnvoyStats(t), fqdns))) sum[k] = (sum[k] ?? 0) + v;
      return sum;
    },
  };
}

/**
 * "productpage…: max_connections 1 per replica × 3 replicas = 3 at the gateway" — only for the
 * limits a policy actually lowered below Istio's 2^32−1 default (§2.1).
 */
export function effectiveLimits(cluster: EnvoyCluster, replicas: number): string[] {
  const t = cluster.circuit_breakers.thresholds[0];
  const out: string[] = [];
  for (const f of ['max_connections', 'max_pending_requests', 'max_requests', 'max_retries'] as const) {
    if (t[f] >= 4294967295) continue;
    out.push(`${cluster.name}: ${f} ${t[f]} per replica × ${replicas} replica${replicas === 1 ? '' : 's'} = ${t[f] * replicas} at the gateway`);
  }
  return out;
}

/**
 * Mismatches the gateway's counters reveal beyond overflow (src/experiment/counters.ts checks
 * that one): every route timeout is one 504 "upstream request timeout" at the client (§1,
 * §4.1; `upstream_rq_timeout` does not count per-try timeouts, Envoy keeps those in
 * `upstream_rq_per_try_timeout`). `slack` absorbs requests in flight at a phase boundary.
 */
export function timeoutMismatch(phase: string, deltas: Record<string, number>, causes: Partial<Record<string, number>>, slack = 2): string | undefined {
  const names = Object.keys(deltas).filter((k) => k.endsWith('.upstream_rq_timeout'));
  if (names.length === 0) return undefined;
  const gateway = names.reduce((s, k) => s + deltas[k], 0);
  const clients = causes.route_timeout ?? 0;
  if (Math.abs(gateway - clients) <= Math.max(slack, Math.ceil(0.01 * clients))) return undefined;
  return `${phase}: gateway counted ${gateway} upstream_rq_timeout, clients saw ${clients} route-timeout 504s`;
}
