/**
 * checkConfigDump against config_dump text shaped like a real Istio 1.30 ingress gateway's
 * (protobuf JSON: "0.500s" durations, int64 as strings, extra fields Istio adds), so the
 * comparison is not only ever checked against our own translation.
 */
import { byKind } from '../../src/policy/by-kind.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkConfigDump, expectedConfig, sameValue } from '../../src/translate/config-dump.js';
import { policies } from '../cluster/helpers.js';
import { gatewayRoutesDump, ISTIO_DEFAULT_RETRY_POLICY } from './istio-dump.js';

const FQDN = 'productpage.default.svc.cluster.local';

/** Trimmed from `istioctl proxy-config all -o json` of a gateway, with the demo policies applied. */
function gatewayDump(
  o: {
    maxConnections?: number;
    pending?: number;
    timeout?: string;
    od?: Record<string, unknown>;
    retry?: object | null;
    fault?: object;
  } = {},
) {
  const route: Record<string, unknown> = {
    match: { prefix: '/' },
    route: {
      cluster: `outbound|9080||${FQDN}`,
      timeout: o.timeout ?? '0s',
      max_stream_duration: { max_stream_duration: '0s', grpc_timeout_header_max: '0s' },
      ...(o.retry === null
        ? {}
        : {
            retry_policy: o.retry ?? ISTIO_DEFAULT_RETRY_POLICY,
          }),
      max_grpc_timeout: o.timeout ?? '0s',
    },
    metadata: {
      filter_metadata: {
        istio: { config: '/apis/networking.istio.io/v1/namespaces/default/virtual-service/productpage' },
      },
    },
    decorator: { operation: `${FQDN}:9080/*` },
    ...(o.fault ? { typed_per_filter_config: { 'envoy.filters.http.fault': o.fault } } : {}),
  };
  return {
    configs: [
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
        version_info: '2026-11-21T22:00:00Z/42',
        dynamic_active_clusters: [
          {
            version_info: '2026-11-21T22:00:00Z/42',
            cluster: {
              '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
              name: `outbound|9080||${FQDN}`,
              type: 'EDS',
              eds_cluster_config: {
                eds_config: { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' },
                service_name: `outbound|9080||${FQDN}`,
              },
              connect_timeout: '10s',
              // defaultLBAlgorithm() (cluster_traffic_policy.go): LEAST_REQUEST for every DR without `simple`
              lb_policy: 'LEAST_REQUEST',
              circuit_breakers: {
                thresholds: [
                  {
                    max_connections: o.maxConnections ?? 4294967295,
                    max_pending_requests: o.pending ?? 4294967295,
                    max_requests: 4294967295,
                    max_retries: 4294967295,
                    track_remaining: true,
                  },
                ],
              },
              ...(o.od ? { outlier_detection: o.od } : {}),
              // applyOutlierDetection: minHealthPercent 0 → Percent{Value: 0}, printed as `{}`
              common_lb_config: o.od ? { healthy_panic_threshold: {} } : {},
            },
            last_updated: '2026-11-21T22:00:01.123Z',
          },
        ],
      },
      gatewayRoutesDump(
        [route],
        { include_request_attempt_count: true },
        { validate_clusters: false },
        { version_info: '2026-11-21T22:00:00Z/42' },
      ),
    ],
  };
}

async function expected(...files: string[]) {
  return expectedConfig(byKind((await policies(...files)).map((d) => d.object)), 'default');
}

test('§2.1 connectionPool: thresholds 1/1 match, Istio defaults (2^32−1) are reported as not yet pushed', async () => {
  const want = await expected('connection-pool.yaml');
  assert.equal(checkConfigDump(gatewayDump({ maxConnections: 1, pending: 1 }), want), { ok: true, reasons: [] });
  const stale = checkConfigDump(gatewayDump(), want);
  assert.is(stale.ok, false);
  assert.equal(stale.reasons, [
    `cluster outbound|9080||${FQDN}: max_connections is 4294967295, policy says 1`,
    `cluster outbound|9080||${FQDN}: max_pending_requests is 4294967295, policy says 1`,
  ]);
});

test('§4.1 route timeout 0.5s equals Envoy\'s "0.500s"; "0s" is the old config', async () => {
  const want = await expected('route-timeout.yaml');
  assert.is(checkConfigDump(gatewayDump({ timeout: '0.500s' }), want).ok, true);
  assert.equal(checkConfigDump(gatewayDump(), want).reasons, [
    'route {"prefix":"/"} of bookinfo.example.com: timeout is 0s, policy says 0.500s',
  ]);
});

test('§3.1 outlier detection: every field the policy sets must be in the cluster, a missing block is named', async () => {
  const docs = await policies('outlier-detection.yaml');
  const want = expectedConfig(byKind(docs.map((d) => d.object)), 'default');
  const od = want.services[0].cluster(9080, '').outlier_detection!;
  assert.ok(od.consecutive_5xx !== undefined, 'the demo policy sets consecutive5xxErrors');
  assert.is(checkConfigDump(gatewayDump({ od: { ...od, base_ejection_time: od.base_ejection_time } }), want).ok, true);
  assert.equal(checkConfigDump(gatewayDump(), want).reasons, [
    `cluster outbound|9080||${FQDN}: outlier_detection is missing`,
    // without it Envoy's panic threshold is 50 %; Istio writes minHealthPercent (0) with the block
    `cluster outbound|9080||${FQDN}: common_lb_config.healthy_panic_threshold is unset, policy says 0`,
  ]);
  const wrong = checkConfigDump(gatewayDump({ od: { ...od, consecutive_5xx: (od.consecutive_5xx ?? 0) + 1 } }), want);
  assert.equal(wrong.reasons, [
    `cluster outbound|9080||${FQDN}: outlier_detection.consecutive_5xx: is ${(od.consecutive_5xx ?? 0) + 1}, policy says ${od.consecutive_5xx}`,
  ]);
});

test("§4.1/§5.1 retries and fault: the policy's retry policy and fault filter must both be on the route", async () => {
  const retries = await expected('retries.yaml');
  const wantRetry = retries.virtualHosts[0].routes[0].route.retry_policy!;
  assert.is(
    checkConfigDump(gatewayDump({ retry: { ...wantRetry, host_selection_retry_max_attempts: '5' } }), retries).ok,
    true,
  );
  assert.is(checkConfigDump(gatewayDump(), retries).ok, false, "Istio's default retry policy is not the policy");
  const fault = await expected('fault-injection.yaml');
  const wantFault = fault.virtualHosts[0].routes[0].typed_per_filter_config!['envoy.filters.http.fault'];
  assert.is(checkConfigDump(gatewayDump({ fault: wantFault }), fault).ok, true);
  assert.equal(
    checkConfigDump(gatewayDump(), fault).reasons.filter((r) => r.includes('fault')),
    ['route {"prefix":"/"} of bookinfo.example.com: fault is missing'],
  );
});

test('an empty or foreign config_dump names what is missing instead of passing', async () => {
  const want = await expected('connection-pool.yaml', 'route-timeout.yaml');
  assert.equal(checkConfigDump({ configs: [] }, want).reasons, [
    `no Envoy cluster for ${FQDN} in the config_dump`,
    'no route for host bookinfo.example.com in the config_dump',
  ]);
});

test('protobuf JSON values compare by meaning', () => {
  assert.ok(sameValue('0.5s', '0.500s'));
  assert.ok(sameValue('5', 5));
  assert.not.ok(sameValue('1s', '10s'));
  assert.not.ok(sameValue(undefined, 0));
  assert.ok(sameValue([{ a: '2s' }], [{ a: '2.000s' }]));
});

/** The dump's one route, patched: a weighted split as Istio writes it (weights as numbers, headers per ClusterWeight). */
function withRoute(dump: ReturnType<typeof gatewayDump>, patch: (route: Record<string, any>) => void) {
  const find = (v: any): any =>
    v && typeof v === 'object'
      ? Array.isArray(v.routes)
        ? v.routes[0]
        : Object.values(v).map(find).find(Boolean)
      : undefined;
  patch(find(dump));
  return dump;
}
const split = (w1: number, w2: number, attributed: boolean) => (route: Record<string, any>) => {
  delete route.route.cluster;
  const cw = (subset: string, weight: number) => ({
    name: `outbound|9080|${subset}|${FQDN}`,
    weight,
    // OVERWRITE_IF_EXISTS_OR_ADD = 2 is written; the zero APPEND_IF_EXISTS_OR_ADD would be omitted
    ...(attributed
      ? {
          response_headers_to_add: [
            { header: { key: 'x-meshproof-subset', value: subset }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
          ],
        }
      : {}),
  });
  route.route.weighted_clusters = { clusters: [cw('v1', w1), cw('v2', w2)] };
};

test('issue 16: a traffic shift is propagated only when the weights, and the attribution headers meshproof adds, are in the route', async () => {
  const { attribute } = await import('../../src/experiment/attribution.js');
  // the VirtualService only: this trimmed dump has no subset clusters for the DestinationRule
  const docs = attribute(
    (await policies('traffic-shift.yaml')).filter((d) => d.kind === 'VirtualService'),
    undefined,
    'default',
  ).docs;
  const want = expectedConfig(byKind(docs.map((d) => d.object)), 'default');
  assert.is(checkConfigDump(withRoute(gatewayDump(), split(90, 10, true)), want).ok, true);
  const old = checkConfigDump(withRoute(gatewayDump(), split(100, 0, false)), want).reasons;
  assert.ok(
    old.includes('route {"prefix":"/"} of bookinfo.example.com: weights are [100,0], policy says [90,10]'),
    old.join('\n'),
  );
  const noHeader = checkConfigDump(withRoute(gatewayDump(), split(90, 10, false)), want).reasons;
  assert.ok(
    noHeader.some((r) => r.includes('weighted cluster 0: response_headers_to_add is missing')),
    noHeader.join('\n'),
  );
});

test('§4.1 expectedConfig: a route to a consistent-hash destination expects no previous_hosts predicate (route.go ConvertPolicy(policy, consistentHash))', () => {
  const meta = { name: 'productpage', namespace: 'default' };
  const want = expectedConfig(
    byKind([
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'DestinationRule',
        metadata: meta,
        spec: {
          host: 'productpage',
          trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: 'x-user' } } },
        },
      },
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: meta,
        spec: {
          hosts: ['bookinfo.example.com'],
          gateways: ['bookinfo-gateway'],
          http: [{ route: [{ destination: { host: 'productpage', port: { number: 9080 } } }] }],
        },
      },
    ]),
    'default',
  );
  const retry = want.virtualHosts[0].routes[0].route.retry_policy;
  assert.is(retry?.retry_host_predicate, undefined);
  assert.is(retry?.host_selection_retry_max_attempts, '5');
  assert.is(retry?.num_retries, 2);
});

test.run();
