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

/** Gauges Envoy keeps per cluster, read from the live state. */
function clusterGauges(out: Record<string, number>, cs: ClusterState): void {
  const p = `cluster.${cs.settings.name}.`;
  const s = cs.settings;
  out[`${p}upstream_cx_active`] = cs.resources.cx;
  out[`${p}upstream_rq_active`] = cs.resources.active;
  out[`${p}upstream_rq_pending_active`] = cs.resources.pending;
  out[`${p}outlier_detection.ejections_active`] = cs.ejectedCount();
  out[`${p}membership_total`] = cs.hosts.length;
  out[`${p}membership_healthy`] = cs.healthy.length;
  const cb = `${p}circuit_breakers.default.`;
  out[`${cb}cx_open`] = cs.resources.cx >= s.maxConnections ? 1 : 0;
  out[`${cb}rq_pending_open`] = cs.resources.pending >= s.maxPending ? 1 : 0;
  out[`${cb}rq_open`] = cs.resources.active >= s.maxRequests ? 1 : 0;
  out[`${cb}rq_retry_open`] = cs.resources.retries >= cs.resources.retryLimit() ? 1 : 0;
  out[`${cb}remaining_cx`] = Math.max(0, s.maxConnections - cs.resources.cx);
  out[`${cb}remaining_pending`] = Math.max(0, s.maxPending - cs.resources.pending);
  out[`${cb}remaining_rq`] = Math.max(0, s.maxRequests - cs.resources.active);
  out[`${cb}remaining_retries`] = Math.max(0, cs.resources.retryLimit() - cs.resources.retries);
}

/** Counters and gauges, as `/stats` shows them. */
export function allStats(store: StatsStore, cfg: MeshConfig): Record<string, number> {
  const out = store.counters();
  for (const cs of cfg.clusters.values()) clusterGauges(out, cs);
  return out;
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
        let values = allStats(deps.stats, cfg);
        const filter = url.searchParams.get('filter');
        if (filter) {
          let re: RegExp;
          try {
            re = new RegExp(filter);
          } catch {
            // a bad pattern is the caller's error, never an uncaught throw in the mesh: Envoy
            // answers 400 with exactly this body (source/server/admin/stats_params.cc
            // `StatsParams::parse`, RE2 with `set_log_errors(false)`). JS RegExp stands in for
            // RE2 and keeps names by a partial match, as `RE2::PartialMatch` does.
            return text(400, 'Invalid re2 regex');
          }
          values = Object.fromEntries(Object.entries(values).filter(([k]) => re.test(k)));
        }
        if (url.searchParams.get('format') === 'json') {
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
