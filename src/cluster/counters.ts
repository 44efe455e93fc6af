/**
 * Gateway counters read from a cluster: Envoy's `/stats` of every gateway replica, summed
 * (what is read and compared: src/analysis/gateway-counters.ts), so the report can put the gateway's own count of overflows, ejections, retries and timeouts
 * next to what the clients saw. Circuit breakers act per replica (istio-envoy-semantics.md §0),
 * so the limits a policy sets are multiplied by the replica count to get the gateway's.
 */
import type { CounterSource } from '../ports.js';
import type { EnvoyCluster } from '../translate/index.js';
import { parseEnvoyStats, selectGatewayStats, sumCounters } from '../analysis/gateway-counters.js';

/** Sums the selected counters over every replica; reads them all at once, bracketing a phase. */
export function gatewayCounterSource(
  replicas: string[],
  readStats: (replica: string) => Promise<string>,
  fqdns?: string[],
): CounterSource {
  return {
    async read() {
      const texts = await Promise.all(replicas.map(readStats));
      return sumCounters(texts.map((t) => selectGatewayStats(parseEnvoyStats(t), fqdns)));
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
    out.push(
      `${cluster.name}: ${f} ${t[f]} per replica × ${replicas} replica${replicas === 1 ? '' : 's'} = ${t[f] * replicas} at the gateway`,
    );
  }
  return out;
}
