/**
 * The gateway's admin API in Envoy's formats, on its own port: `/stats` (text `name: value`,
 * or `?format=json`, `?filter=regex`), `/config_dump` (ClustersConfigDump + RoutesConfigDump
 * with Envoy field names), `/clusters` (per-endpoint lines with `health_flags`), `/ready`.
 * The propagation check and counter scrape that run against a real gateway run against this.
 */
import http from 'node:http';
import type { MeshConfig } from './config.js';
import type { ClusterState } from './cluster.js';
import { renderStatsText, type StatsStore } from './stats.js';
import { re2PartialMatch } from '../util/re2.js';

/** Gauges Envoy keeps per cluster, read from the live state. */
function clusterGauges(out: Record<string, number>, cs: ClusterState): void {
  const p = `cluster.${cs.settings.name}.`;
  const s = cs.settings;
  out[`${p}upstream_cx_active`] = cs.resources.cx;
  out[`${p}upstream_rq_active`] = cs.resources.active;
  out[`${p}upstream_rq_pending_active`] = cs.resources.pending;
  if (cs.outlier) out[`${p}outlier_detection.ejections_active`] = cs.ejectedCount();
  out[`${p}membership_total`] = cs.hosts.length;
  out[`${p}membership_healthy`] = cs.healthy.length;
  const cb = `${p}circuit_breakers.default.`;
  out[`${cb}cx_open`] = cs.resources.cx >= s.maxConnections ? 1 : 0;
  out[`${cb}rq_pending_open`] = cs.resources.pending >= s.maxPending ? 1 : 0;
  out[`${cb}rq_open`] = cs.resources.active >= s.maxRequests ? 1 : 0;
  out[`${cb}rq_retry_open`] = cs.resources.retries >= cs.resources.retryLimit() ? 1 : 0;
  // the remaining_* gauges exist only with the threshold's track_remaining (Envoy upstream_impl.cc
  // `generateCircuitBreakersStats(scope, prefix, track_remaining, …)` [INF: not re-read; the
  // field's purpose and istio.io's 1.29 upgrade notes: "tracking is disabled by default"]), which
  // Istio ≥ 1.29 no longer sets by default (DISABLE_TRACK_REMAINING_CB_METRICS, src/translate/cluster.ts)
  if (!s.trackRemaining) return;
  out[`${cb}remaining_cx`] = Math.max(0, s.maxConnections - cs.resources.cx);
  out[`${cb}remaining_pending`] = Math.max(0, s.maxPending - cs.resources.pending);
  out[`${cb}remaining_rq`] = Math.max(0, s.maxRequests - cs.resources.active);
  out[`${cb}remaining_retries`] = Math.max(0, cs.resources.retryLimit() - cs.resources.retries);
}

/** Counters and gauges, as `/stats` shows them. */
export function allStats(store: StatsStore, cfg: MeshConfig): Record<string, number> {
  return { ...store.counters(), ...gauges(cfg) };
}

function gauges(cfg: MeshConfig): Record<string, number> {
  const out: Record<string, number> = {};
  for (const cs of cfg.clusters.values()) clusterGauges(out, cs);
  return out;
}

/** `/stats?type=` values Envoy accepts (admin/stats_params.cc `parse_type`, StatLabels). */
const STAT_TYPES = ['All', 'Counters', 'Gauges', 'Histograms', 'TextReadouts'];

/**
 * The numbers `/stats` shows for its query, as Envoy's StatsParams reads it: `type=` picks
 * counters or gauges (the mesh keeps no histograms or text readouts, so those types are empty);
 * `usedonly` keeps stats ever written — a counter above 0 exactly, a gauge by `!== 0` (Envoy's
 * `used()` flag also keeps a gauge set back to 0: not tracked here). Undefined: an unknown type.
 */
function statsFor(q: URLSearchParams, store: StatsStore, cfg: MeshConfig): Record<string, number> | undefined {
  const type = q.get('type') ?? 'All';
  if (!STAT_TYPES.includes(type)) return undefined;
  const counters = type === 'All' || type === 'Counters' ? store.counters() : {};
  const g = type === 'All' || type === 'Gauges' ? gauges(cfg) : {};
  const values = { ...counters, ...g };
  return q.has('usedonly') ? Object.fromEntries(Object.entries(values).filter(([, v]) => v !== 0)) : values;
}

export function configDump(cfg: MeshConfig, updatedAt: string): unknown {
  const version = String(cfg.version);
  return {
    configs: [
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
        version_info: version,
        dynamic_active_clusters: cfg.envoyClusters.map((c) => ({
          version_info: version,
          cluster: { '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', ...c },
          last_updated: updatedAt,
        })),
      },
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
        dynamic_route_configs: [
          {
            version_info: version,
            route_config: {
              '@type': 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
              name: 'http.8080',
              virtual_hosts: cfg.virtualHosts,
              validate_clusters: false,
            },
            last_updated: updatedAt,
          },
        ],
      },
    ],
  };
}

/** Envoy's `/clusters` text: cluster-level lines, then `cluster::ip:port::stat::value` per host. */
export function clustersText(cfg: MeshConfig): string {
  let out = '';
  for (const cs of cfg.clusters.values()) {
    const n = cs.settings.name;
    const s = cs.settings;
    out += `${n}::observability_name::${n}\n`;
    out += `${n}::default_priority::max_connections::${s.maxConnections}\n`;
    out += `${n}::default_priority::max_pending_requests::${s.maxPending}\n`;
    out += `${n}::default_priority::max_requests::${s.maxRequests}\n`;
    out += `${n}::default_priority::max_retries::${s.maxRetries}\n`;
    out += `${n}::added_via_api::true\n`;
    for (const h of cs.hosts) {
      const p = `${n}::${h.address}::`;
      out += `${p}cx_active::${h.cxActive}\n${p}rq_active::${h.rqActive}\n${p}rq_error::${h.rqError}\n`;
      out += `${p}rq_success::${h.rqSuccess}\n${p}rq_timeout::${h.rqTimeout}\n${p}rq_total::${h.rqTotal}\n`;
      out += `${p}hostname::${h.pod.name}\n${p}health_flags::${cs.isEjected(h) ? '/failed_outlier_check' : 'healthy'}\n`;
      out += `${p}weight::1\n${p}region::\n${p}zone::\n${p}sub_zone::\n${p}canary::false\n${p}priority::0\n`;
      out += `${p}success_rate::-1\n${p}local_origin_success_rate::-1\n`;
    }
  }
  return out;
}

export interface AdminDeps {
  config(): MeshConfig;
  stats: StatsStore;
  updatedAt(): string;
}

/**
 * `/stats?filter=`: which names to keep (all without a filter), or undefined for a pattern RE2
 * refuses, which Envoy answers with 400 `Invalid re2 regex` (source/server/admin/stats_params.cc
 * `StatsParams::parse`, RE2 with `set_log_errors(false)`; names kept by `RE2::PartialMatch`).
 */
export function statsFilter(filter: string | null): ((name: string) => boolean) | undefined {
  if (filter === null) return () => true;
  try {
    const re = re2PartialMatch(filter);
    return (name) => re.test(name);
  } catch {
    return undefined;
  }
}

export function createAdmin(deps: AdminDeps): http.Server {
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://admin');
    const cfg = deps.config();
    const text = (status: number, body: string, type = 'text/plain; charset=UTF-8') => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    switch (url.pathname) {
      case '/stats': {
        const keep = statsFilter(url.searchParams.get('filter'));
        if (keep === undefined) return text(400, 'Invalid re2 regex');
        // then the type, then the format, each refused with Envoy's body (stats_params.cc)
        const selected = statsFor(url.searchParams, deps.stats, cfg);
        if (!selected) return text(400, 'invalid &type= param');
        const values = Object.fromEntries(Object.entries(selected).filter(([k]) => keep(k)));
        const format = url.searchParams.get('format') ?? 'text';
        if (!['text', 'json', 'prometheus', 'html', 'active-html'].includes(format))
          return text(400, 'usage: /stats?format=(html|active-html|json|prometheus|text)\n\n');
        if (format !== 'text' && format !== 'json')
          return text(501, `/stats?format=${format} is not emulated by the local mesh (text and json are)\n`);
        if (format === 'json') {
          const stats = Object.keys(values)
            .sort()
            .map((name) => ({ name, value: values[name] }));
          return text(200, JSON.stringify({ stats }), 'application/json');
        }
        return text(200, renderStatsText(values));
      }
      case '/config_dump':
        return text(200, JSON.stringify(configDump(cfg, deps.updatedAt()), null, 2), 'application/json');
      case '/clusters':
        return text(200, clustersText(cfg));
      case '/ready':
        return text(200, 'LIVE\n');
      case '/server_info':
        return text(
          200,
          JSON.stringify({
            version: 'meshproof-local-mesh',
            state: 'LIVE',
            command_line_options: { concurrency: cfg.clusters.values().next().value?.workers ?? 1 },
          }),
          'application/json',
        );
      default:
        return text(404, 'invalid path. admin commands are: /clusters /config_dump /ready /server_info /stats\n');
    }
  });
}
