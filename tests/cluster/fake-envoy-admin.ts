/**
 * A stand-in Envoy admin server for one gateway replica: `/config_dump` in Envoy's shape
 * (ClustersConfigDump + RoutesConfigDump) holding what istiod would push for the objects in
 * the fake API server, updated `pushDelayMs` after each change (an xDS push that reaches
 * this replica late); `/stats` as Envoy's admin renders it from a counter map the test sets,
 * through the stats matcher an Istio proxy is started with.
 */
import { byKind } from '../../src/policy/by-kind.js';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { translateCluster, translateVirtualHosts } from '../../src/translate/index.js';
import type { FakeApiServer } from './fake-apiserver.js';
import { statsFilter } from '../../src/mesh/admin.js';
import { re2FullMatch } from '../../src/util/re2.js';

export interface FakeEnvoyAdmin {
  url: string;
  /** counters and gauges by full stat name; names the stats matcher rejects are never shown */
  stats: Map<string, number>;
  /** config_dump reads served so far */
  reads: number;
  /** the proxy's stats matcher (a test may set it: a gateway restarted with another ProxyConfig) */
  statsInclusion: StatsPattern[] | 'all';
  /** the container restarts: every counter starts again from 0, `server.uptime` from 0 s */
  restart(): void;
  close(): Promise<void>;
}

/** One `envoy.type.matcher.v3.StringMatcher` of the bootstrap's `stats_matcher.inclusion_list`. */
export type StatsPattern = { prefix: string } | { suffix: string } | { regex: string };

/**
 * Istio's default inclusion list, from its bootstrap template
 * (istio/istio tools/packaging/common/envoy_bootstrap.json `stats_config.stats_matcher`:
 * `reporter=`, the inclusion prefixes, suffixes and regexps, `component`, `istio`) with
 * pkg/bootstrap/config.go's required ones: prefixes `requiredEnvoyStatsMatcherInclusionPrefixes`
 * (cluster_manager, listener_manager, server, cluster.xds-grpc, wasm), suffixes
 * `rbacEnvoyStatsMatcherInclusionSuffix`, regexps `requiredEnvoyStatsMatcherInclusionRegexes`.
 * No `cluster.outbound|…` stat passes it.
 */
export const ISTIO_DEFAULT_INCLUSION: StatsPattern[] = [
  ...[
    'reporter=',
    'cluster_manager',
    'listener_manager',
    'server',
    'cluster.xds-grpc',
    'wasm',
    'component',
    'istio',
  ].map((prefix) => ({ prefix })),
  ...['rbac.allowed', 'rbac.denied', 'shadow_allowed', 'shadow_denied'].map((suffix) => ({ suffix })),
  { regex: 'vhost\\..*\\.route\\..*' },
];

/**
 * The gateway after the README's `proxyStatsMatcher.inclusionRegexps` ("Pointing it at a real
 * cluster", Replicas): Istio appends them to its defaults (pkg/bootstrap/config.go `parseOption`).
 */
export const README_INCLUSION: StatsPattern[] = [
  ...ISTIO_DEFAULT_INCLUSION,
  ...[
    '.*upstream_rq_total.*',
    '.*upstream_rq_pending_overflow.*',
    '.*upstream_cx_overflow.*',
    '.*upstream_rq_retry.*',
    '.*upstream_rq_timeout.*',
    '.*outlier_detection.*',
  ].map((regex) => ({ regex })),
];

/**
 * Envoy's `StatsMatcherImpl` with an inclusion list: a name is kept when one pattern matches it
 * (a `safe_regex` must match the whole name, RE2 FullMatch: meshproof's RE2 translation).
 */
function included(name: string, patterns: StatsPattern[] | 'all'): boolean {
  if (patterns === 'all') return true;
  return patterns.some((p) =>
    'prefix' in p
      ? name.startsWith(p.prefix)
      : 'suffix' in p
        ? name.endsWith(p.suffix)
        : re2FullMatch(p.regex).test(name),
  );
}

/** Stats a live istio-proxy always has besides the test's: a text readout and two histograms. */
const TEXT_READOUTS: Record<string, string> = { 'cluster_manager.cds.version_text': '2026-11-30T12:00:00Z/42' };
const HISTOGRAMS: Record<string, string> = {
  'server.initialization_time_ms':
    'P0(nan,120) P25(nan,122.5) P50(nan,125) P75(nan,127.5) P90(nan,129) P95(nan,129.5) P99(nan,129.9) P99.5(nan,129.95) P99.9(nan,129.99) P100(nan,130)',
  'listener_manager.lds.update_duration': 'No recorded values',
};

export interface FakeEnvoyAdminOptions {
  /** the proxy's stats matcher; default: a stock Istio gateway's ({@link ISTIO_DEFAULT_INCLUSION}) */
  statsInclusion?: StatsPattern[] | 'all';
}

const SERVICE = { fqdn: 'productpage.default.svc.cluster.local', port: 9080 };

export async function startFakeEnvoyAdmin(
  api: FakeApiServer,
  pushDelayMs: number,
  options: FakeEnvoyAdminOptions = {},
): Promise<FakeEnvoyAdmin> {
  let dump = buildDump(api);
  // up for an hour when the test starts
  let startedAt = Date.now() - 3_600_000;
  const timers = new Set<NodeJS.Timeout>();
  const onChange = () => {
    const t = setTimeout(() => {
      timers.delete(t);
      dump = buildDump(api);
    }, pushDelayMs);
    timers.add(t);
  };
  api.events.on('change', onChange);
  const admin: FakeEnvoyAdmin = {
    url: '',
    stats: new Map(),
    reads: 0,
    statsInclusion: options.statsInclusion ?? ISTIO_DEFAULT_INCLUSION,
    restart() {
      for (const k of admin.stats.keys()) admin.stats.set(k, 0);
      admin.stats.delete('server.uptime');
      startedAt = Date.now();
    },
    close: () =>
      new Promise((resolve) => {
        api.events.off('change', onChange);
        for (const t of timers) clearTimeout(t);
        server.close(() => resolve());
      }),
  };
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith('/config_dump')) {
      admin.reads++;
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify(dump));
    }
    if (req.url?.startsWith('/stats')) {
      const uptime = Math.floor((Date.now() - startedAt) / 1000);
      const numbers = new Map([['server.uptime', uptime], ...admin.stats]);
      const { status, type, body } = renderStats(new URL(req.url, 'http://admin').searchParams, {
        numbers: [...numbers].filter(([k]) => included(k, admin.statsInclusion)),
        readouts: Object.entries(TEXT_READOUTS).filter(([k]) => included(k, admin.statsInclusion)),
        histograms: Object.entries(HISTOGRAMS).filter(([k]) => included(k, admin.statsInclusion)),
      });
      res.writeHead(status, { 'content-type': type });
      return void res.end(body);
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('invalid path');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  admin.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return admin;
}

function buildDump(api: FakeApiServer): unknown {
  const { drs } = byKind(api.list('destinationrules'));
  const { vss } = byKind(api.list('virtualservices'));
  const cluster = { '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', ...translateCluster(drs, SERVICE) };
  return {
    configs: [
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.BootstrapConfigDump',
        bootstrap: { node: { id: 'router~10.0.0.1~gw~istio-system.svc.cluster.local' } },
      },
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
        dynamic_active_clusters: [{ version_info: 'v1', cluster, last_updated: new Date().toISOString() }],
      },
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
        dynamic_route_configs: [
          {
            version_info: 'v1',
            route_config: {
              '@type': 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
              name: 'http.8080',
              virtual_hosts: translateVirtualHosts(vss, 'default'),
            },
          },
        ],
      },
    ],
  };
}

interface StatsSet {
  numbers: [string, number][];
  readouts: [string, string][];
  histograms: [string, string][];
}

/**
 * `GET /stats` as Envoy's admin answers it (source/server/admin/stats_params.cc
 * `StatsParams::parse`, stats_request.cc, stats_render.cc):
 * - `filter`: an RE2 pattern, kept by `RE2::PartialMatch` on the full name; one RE2 refuses →
 *   400 with the body `Invalid re2 regex` (the local admin's `statsFilter`, on meshproof's RE2
 *   translation: lookahead is refused, `(?P<n>…)` kept, as RE2 does);
 * - `usedonly`: only stats ever written (here: not 0);
 * - `format=json`: `{"stats":[{"name","value"}…]}` as `application/json` (Envoy appends a
 *   `{"histograms":…}` entry, left out here); `format=prometheus` (Envoy's own handler,
 *   prometheus_stats.cc) is not emulated: 501 here, loudly; any other format → 400 with Envoy's usage line;
 * - text (`text/plain; charset=UTF-8`, admin utils.cc `populateFallbackResponseHeaders`): text
 *   readouts `name: "value"`, then counters and gauges together, then histograms (`P0(…)` or
 *   `No recorded values`), each phase sorted by name (`StatsRequest`'s btree map).
 */
function renderStats(q: URLSearchParams, set: StatsSet): { status: number; type: string; body: string } {
  const text = 'text/plain; charset=UTF-8';
  const keep = statsFilter(q.get('filter'));
  if (keep === undefined) return { status: 400, type: text, body: 'Invalid re2 regex' };
  const usedOnly = q.has('usedonly');
  const byName = <T>(xs: [string, T][]) => xs.filter(([k]) => keep(k)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const numbers = byName(set.numbers).filter(([, v]) => !usedOnly || v !== 0);
  const readouts = byName(set.readouts).filter(([, v]) => !usedOnly || v !== '');
  const histograms = byName(set.histograms).filter(([, v]) => !usedOnly || v !== 'No recorded values');
  const format = q.get('format') ?? 'text';
  if (format === 'json') {
    const stats = [...readouts, ...numbers].map(([name, value]) => ({ name, value }));
    return { status: 200, type: 'application/json', body: JSON.stringify({ stats }) };
  }
  if (format === 'prometheus')
    return { status: 501, type: text, body: 'format=prometheus is not emulated by the fake' };
  if (format !== 'text')
    return { status: 400, type: text, body: 'usage: /stats?format=(html|active-html|json|prometheus|text)\n\n' };
  const body = [
    ...readouts.map(([k, v]) => `${k}: "${v}"\n`),
    ...numbers.map(([k, v]) => `${k}: ${v}\n`),
    ...histograms.map(([k, v]) => `${k}: ${v}\n`),
  ].join('');
  return { status: 200, type: text, body };
}
