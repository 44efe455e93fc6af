/**
 * Gateway counters read from a cluster: Envoy's `/stats` of every gateway replica, summed
 * (what is read and compared: src/analysis/gateway-counters.ts), so the report can put the gateway's own count of overflows, ejections, retries and timeouts
 * next to what the clients saw. Circuit breakers act per replica (istio-envoy-semantics.md §0),
 * so the limits a policy sets are multiplied by the replica count to get the gateway's.
 */
import type { CounterSource } from '../ports.js';
import type { EnvoyCluster } from '../translate/index.js';
import { parseEnvoyStats, selectGatewayStats, sumCounters } from '../analysis/gateway-counters.js';

/**
 * How far a replica's start time (reading time − `server.uptime`) may move between two readings
 * without it having restarted: Envoy sets the `server.uptime` gauge only when it flushes stats
 * (source/server/server.cc, at each flush: `uptime_.set(time(nullptr) - original_start_time_)`, whole seconds),
 * every `stats_flush_interval` — 5 s by default and in Istio — so the gauge lags by up to ~6 s.
 */
const START_SLACK_MS = 15_000;

interface ReplicaReading {
  at: number;
  stats: Record<string, number>;
}

/**
 * Sums the selected counters over every replica; reads them all at once, bracketing a phase.
 * A replica that restarted since the last reading (its Envoy counters start again from 0, so a
 * delta across the restart would be short or negative) fails the read that closes a delta,
 * naming the replica: the orchestrator then drops that phase's gateway deltas with a note rather
 * than report them. A restart seen by the reading that opens a delta (between two phases) spoils
 * nothing — both ends of the coming delta are the new Envoy's — and is only noted.
 */
export function gatewayCounterSource(
  replicas: string[],
  readStats: (replica: string) => Promise<string>,
  fqdns?: string[],
  now: () => number = Date.now,
): CounterSource {
  const last = new Map<string, ReplicaReading>();
  return {
    async read(opts = {}) {
      const texts = await Promise.all(replicas.map(readStats));
      const at = now();
      const stats = texts.map(parseEnvoyStats);
      const restarted: string[] = [];
      replicas.forEach((replica, i) => {
        const reading = { at, stats: stats[i] };
        const sign = restartSign(last.get(replica), reading, fqdns);
        if (sign) restarted.push(`${replica} (${sign})`);
        last.set(replica, reading);
      });
      const who = `gateway replica${restarted.length > 1 ? 's' : ''} ${restarted.join(', ')} restarted since the last /stats reading`;
      if (restarted.length > 0 && opts.opensDelta)
        opts.note?.(
          `${who}: the coming phase's deltas count from the new Envoy, whose connection pools and outlier ejections started afresh`,
        );
      else if (restarted.length > 0)
        throw new Error(`${who}: Envoy's counters started again from 0, so no delta across the restart is right`);
      return sumCounters(stats.map((s) => selectGatewayStats(s, fqdns)));
    },
  };
}

/** Why `cur` must come from a restarted Envoy; undefined when nothing says so. */
function restartSign(prev: ReplicaReading | undefined, cur: ReplicaReading, fqdns?: string[]): string | undefined {
  if (!prev) return undefined;
  const [up0, up1] = [prev.stats['server.uptime'], cur.stats['server.uptime']];
  if (up0 !== undefined && up1 !== undefined) {
    if (up1 < up0) return `server.uptime ${up0} s → ${up1} s`;
    const moved = cur.at - up1 * 1000 - (prev.at - up0 * 1000);
    if (moved > START_SLACK_MS) return `started ${Math.round(moved / 1000)} s later than at the last reading`;
  }
  // counters only grow in one Envoy process; gauges (ejections_active) may fall
  const before = selectGatewayStats(prev.stats, fqdns);
  for (const [name, v] of Object.entries(selectGatewayStats(cur.stats, fqdns))) {
    if (name.endsWith('.outlier_detection.ejections_active')) continue;
    if (before[name] !== undefined && v < before[name]) return `${name} ${before[name]} → ${v}`;
  }
  return undefined;
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
