import { test } from 'uvu';
import type { DestinationRule, VirtualService } from '../../src/policy/types.js';
import * as assert from 'uvu/assert';
import {
  clusterName,
  fractionToMillion,
  translateCluster,
  translateRoutes,
  translateVirtualHosts,
} from '../../src/translate/index.js';

const FQDN = 'productpage.default.svc.cluster.local';
const SVC = { fqdn: FQDN, port: 9080 };
const MAX = 4294967295;

function dr(spec: Record<string, unknown>, name = 'productpage'): DestinationRule {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name, namespace: 'default' },
    spec: { host: 'productpage', ...spec },
  } as DestinationRule;
}
function vs(http: Record<string, unknown>[]): VirtualService {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'productpage', namespace: 'default' },
    spec: { hosts: ['bookinfo.example.com'], gateways: ['bookinfo-gateway'], http },
  } as VirtualService;
}
const DEST = [{ destination: { host: 'productpage', port: { number: 9080 } } }];

test('§2.1 no DestinationRule: Istio still emits one threshold set of 2^32−1 and connect_timeout 10s', () => {
  const c = translateCluster([], SVC);
  assert.is(c.name, 'outbound|9080||productpage.default.svc.cluster.local');
  assert.is(c.connect_timeout, '10s');
  assert.equal(c.circuit_breakers.thresholds[0], {
    max_connections: MAX,
    max_pending_requests: MAX,
    max_requests: MAX,
    max_retries: MAX,
  });
  // Istio ≥ 1.29: TrackRemaining only with DISABLE_TRACK_REMAINING_CB_METRICS=false (1.29 upgrade notes)
  assert.is('track_remaining' in c.circuit_breakers.thresholds[0], false);
  assert.is(c.outlier_detection, undefined);
});

test('§2.1 connection pool fields map to thresholds, 0 means unset, maxRequestsPerConnection to common options', () => {
  const c = translateCluster(
    [
      dr({
        trafficPolicy: {
          connectionPool: {
            tcp: { maxConnections: 1, connectTimeout: '500ms' },
            http: {
              http1MaxPendingRequests: 1,
              http2MaxRequests: 0,
              maxRequestsPerConnection: 1,
              maxRetries: 3,
              idleTimeout: '30s',
            },
          },
        },
      }),
    ],
    SVC,
  );
  const t = c.circuit_breakers.thresholds[0];
  assert.equal([t.max_connections, t.max_pending_requests, t.max_requests, t.max_retries], [1, 1, MAX, 3]);
  assert.is(c.connect_timeout, '0.500s');
  const opts = c.typed_extension_protocol_options?.['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'];
  assert.equal(opts?.common_http_protocol_options, { idle_timeout: '30s', max_requests_per_connection: 1 });
});

test('§3.1 outlier detection: enforcing 100 when > 0, success rate off, panic threshold = minHealthPercent, 0% percent unset', () => {
  const c = translateCluster(
    [
      dr({
        trafficPolicy: {
          outlierDetection: {
            consecutive5xxErrors: 1,
            consecutiveGatewayErrors: 0,
            interval: '1s',
            baseEjectionTime: '3m',
            maxEjectionPercent: 0,
          },
        },
      }),
    ],
    SVC,
  );
  assert.equal(c.outlier_detection, {
    enforcing_success_rate: 0,
    consecutive_5xx: 1,
    enforcing_consecutive_5xx: 100,
    consecutive_gateway_failure: 0,
    enforcing_consecutive_gateway_failure: 0,
    interval: '1s',
    base_ejection_time: '180s',
  });
  assert.equal(c.common_lb_config, { healthy_panic_threshold: {} });
  const p = translateCluster([dr({ trafficPolicy: { outlierDetection: { minHealthPercent: 50 } } })], SVC);
  assert.equal(p.common_lb_config, { healthy_panic_threshold: { value: 50 } });
});

test('§0 precedence: a port entry replaces the whole policy; subset components replace top-level ones wholesale', () => {
  const top = { connectionPool: { tcp: { maxConnections: 5 } }, outlierDetection: { consecutive5xxErrors: 7 } };
  const port = translateCluster(
    [
      dr({
        trafficPolicy: {
          ...top,
          portLevelSettings: [{ port: { number: 9080 }, connectionPool: { http: { http1MaxPendingRequests: 2 } } }],
        },
      }),
    ],
    SVC,
  );
  assert.is(port.circuit_breakers.thresholds[0].max_connections, MAX, 'port entry does not inherit maxConnections');
  assert.is(port.circuit_breakers.thresholds[0].max_pending_requests, 2);
  assert.is(port.outlier_detection, undefined, 'omitted parts fall back to defaults, not top-level');
  const d = dr({
    trafficPolicy: top,
    subsets: [
      { name: 'v1', labels: { version: 'v1' }, trafficPolicy: { connectionPool: { http: { http2MaxRequests: 9 } } } },
    ],
  });
  const sub = translateCluster([d], SVC, { name: 'v1', labels: { version: 'v1' } });
  assert.is(sub.name, 'outbound|9080|v1|productpage.default.svc.cluster.local');
  assert.is(
    sub.circuit_breakers.thresholds[0].max_connections,
    MAX,
    'subset connectionPool replaces top-level connectionPool',
  );
  assert.is(sub.circuit_breakers.thresholds[0].max_requests, 9);
  assert.is(sub.outlier_detection?.consecutive_5xx, 7, 'outlier detection inherited from top level');
});

test('§3.4 lb_policy: unset/UNSPECIFIED → LEAST_REQUEST (Istio ≥ 1.14 default), LEAST_CONN → LEAST_REQUEST, ROUND_ROBIN omitted (enum 0), RANDOM, consistentHash → RING_HASH / MAGLEV', () => {
  const lb = (loadBalancer?: Record<string, unknown>) =>
    translateCluster(loadBalancer ? [dr({ trafficPolicy: { loadBalancer } })] : [], SVC).lb_policy;
  assert.is(lb(), 'LEAST_REQUEST');
  assert.is(lb({ simple: 'UNSPECIFIED' }), 'LEAST_REQUEST');
  assert.is(lb({ simple: 'LEAST_CONN' }), 'LEAST_REQUEST');
  assert.is(lb({ simple: 'LEAST_REQUEST' }), 'LEAST_REQUEST');
  assert.is(lb({ simple: 'ROUND_ROBIN' }), undefined);
  assert.is(lb({ simple: 'RANDOM' }), 'RANDOM');
  assert.is(lb({ simple: 'PASSTHROUGH' }), 'CLUSTER_PROVIDED');
  assert.is(lb({ consistentHash: { httpHeaderName: 'x-user' } }), 'RING_HASH');
  assert.is(lb({ consistentHash: { useSourceIp: true, maglev: { tableSize: 65537 } } }), 'MAGLEV');
});

test("§0/§3.4 loadBalancer precedence: port entry replaces the policy (unset there → the default), a subset's loadBalancer replaces the top-level one", () => {
  const spec = {
    trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' } },
    subsets: [
      { name: 'v1', labels: { version: 'v1' }, trafficPolicy: { loadBalancer: { simple: 'RANDOM' } } },
      { name: 'v2', labels: { version: 'v2' }, trafficPolicy: { connectionPool: { tcp: { maxConnections: 1 } } } },
    ],
  };
  assert.is(translateCluster([dr(spec)], SVC).lb_policy, undefined, 'top level ROUND_ROBIN');
  assert.is(translateCluster([dr(spec)], SVC, { name: 'v1' }).lb_policy, 'RANDOM');
  assert.is(
    translateCluster([dr(spec)], SVC, { name: 'v2' }).lb_policy,
    undefined,
    'v2 keeps the top-level ROUND_ROBIN',
  );
  const ported = {
    trafficPolicy: {
      loadBalancer: { simple: 'ROUND_ROBIN' },
      portLevelSettings: [{ port: { number: 9080 }, connectionPool: { tcp: { maxConnections: 1 } } }],
    },
  };
  assert.is(
    translateCluster([dr(ported)], SVC).lb_policy,
    'LEAST_REQUEST',
    "the port entry has no loadBalancer: Istio's default, not the top level",
  );
  const portLb = {
    trafficPolicy: { portLevelSettings: [{ port: { number: 9080 }, loadBalancer: { simple: 'RANDOM' } }] },
  };
  assert.is(translateCluster([dr(portLb)], SVC).lb_policy, 'RANDOM');
  assert.is(
    translateCluster([dr(portLb)], { fqdn: FQDN, port: 9443 }).lb_policy,
    'LEAST_REQUEST',
    'other ports keep the default',
  );
});

test("§2.1 retryBudget becomes thresholds[0].retry_budget with applyRetryBudget's defaults 0.2 (%) / 3, kept under a port entry", () => {
  const c = translateCluster(
    [
      dr({
        trafficPolicy: {
          retryBudget: {},
          portLevelSettings: [{ port: { number: 9080 }, connectionPool: { tcp: { maxConnections: 2 } } }],
        },
      }),
    ],
    SVC,
  );
  // cluster_traffic_policy.go applyRetryBudget: `Percent{Value: 0.2}` ("default to 20%" says its comment)
  assert.equal(c.circuit_breakers.thresholds[0].retry_budget, {
    budget_percent: { value: 0.2 },
    min_retry_concurrency: 3,
  });
  assert.is(c.circuit_breakers.thresholds[0].max_connections, 2);
});

test('§4.1 default route: timeout 0s and the default retry policy (2 retries, no 503)', () => {
  const [r] = translateRoutes(vs([{ route: DEST }]), 'default');
  assert.equal(r.match, { prefix: '/' });
  assert.is(r.route.cluster, clusterName(FQDN, 9080));
  assert.is(r.route.timeout, '0s');
  assert.is(
    r.route.retry_policy?.retry_on,
    'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
  );
  assert.is(r.route.retry_policy?.num_retries, 2);
  assert.is(r.route.retry_policy?.retriable_status_codes, undefined);
  assert.is(r.route.retry_policy?.host_selection_retry_max_attempts, '5');
});

test('§4.1 retries: numeric retryOn tokens become retriable_status_codes; attempts 0 removes the policy', () => {
  const [r] = translateRoutes(
    vs([
      {
        route: DEST,
        timeout: '2.5s',
        retries: { attempts: 3, perTryTimeout: '1s', retryOn: 'gateway-error,503', backoff: '50ms' },
      },
    ]),
    'default',
  );
  assert.is(r.route.timeout, '2.500s');
  assert.equal(r.route.retry_policy?.retry_on, 'gateway-error,retriable-status-codes');
  assert.equal(r.route.retry_policy?.retriable_status_codes, [503]);
  assert.is(r.route.retry_policy?.per_try_timeout, '1s');
  assert.equal(r.route.retry_policy?.retry_back_off, { base_interval: '0.050s' });
  const [none] = translateRoutes(vs([{ route: DEST, retries: { attempts: 0 } }]), 'default');
  assert.is(none.route.retry_policy, undefined);
  const [noOn] = translateRoutes(vs([{ route: DEST, retries: { attempts: 4 } }]), 'default');
  assert.is(
    noOn.route.retry_policy?.retry_on,
    'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
  );
});

test('§5.1 fault: percentage ×10 000 per MILLION, missing percentage never fires', () => {
  const [r] = translateRoutes(
    vs([
      { route: DEST, fault: { delay: { fixedDelay: '1s', percentage: { value: 12.5 } }, abort: { httpStatus: 503 } } },
    ]),
    'default',
  );
  const f = r.typed_per_filter_config?.['envoy.filters.http.fault'];
  assert.equal(f?.delay, { fixed_delay: '1s', percentage: { numerator: 125000, denominator: 'MILLION' } });
  assert.equal(f?.abort, { http_status: 503 });
  assert.is(fractionToMillion(f?.abort?.percentage), 0);
  assert.is(fractionToMillion(f?.delay?.percentage), 125000);
});

test('matches: one Envoy route per match entry, headers and exact paths, weighted subsets', () => {
  const routes = translateRoutes(
    vs([
      {
        match: [{ uri: { exact: '/a' } }, { headers: { 'End-User': { exact: 'jason' } } }],
        route: [
          { destination: { host: 'productpage', subset: 'v1' }, weight: 80 },
          { destination: { host: 'productpage', subset: 'v2' }, weight: 20 },
        ],
      },
    ]),
    'default',
    () => 9080,
  );
  assert.is(routes.length, 2);
  // TranslateRouteMatch writes case_sensitive (a BoolValue, !ignoreUriCase) for every route with a match
  assert.equal(routes[0].match, { path: '/a', case_sensitive: true });
  assert.equal(routes[1].match, {
    prefix: '/',
    case_sensitive: true,
    headers: [{ name: 'end-user', string_match: { exact: 'jason' } }],
  });
  assert.equal(routes[0].route.weighted_clusters?.clusters, [
    { name: 'outbound|9080|v1|productpage.default.svc.cluster.local', weight: 80 },
    { name: 'outbound|9080|v2|productpage.default.svc.cluster.local', weight: 20 },
  ]);
});

test('virtual hosts: only gateway-bound VSs, domains host and host:*', () => {
  const meshOnly = { ...vs([{ route: DEST }]), spec: { hosts: ['x'], http: [{ route: DEST }] } };
  const vhs = translateVirtualHosts([vs([{ route: DEST }]), meshOnly], 'default');
  assert.is(vhs.length, 1);
  assert.equal(vhs[0].domains, ['bookinfo.example.com', 'bookinfo.example.com:*']);
  assert.is(vhs[0].name, 'bookinfo.example.com:80');
});

test('§4.1 retry.go ConvertPolicy: retryIgnorePreviousHosts false drops the predicate, keeps host_selection_retry_max_attempts 5', () => {
  const [r] = translateRoutes(
    vs([{ route: DEST, retries: { attempts: 2, retryIgnorePreviousHosts: false } }]),
    'default',
  );
  assert.is(r.route.retry_policy?.retry_host_predicate, undefined);
  assert.is(r.route.retry_policy?.host_selection_retry_max_attempts, '5');
});

test('§4.1 retry.go ConvertPolicy: an empty retryOn keeps the default string; "+503" is Atoi 503, a status code', () => {
  const [empty] = translateRoutes(vs([{ route: DEST, retries: { attempts: 2, retryOn: '' } }]), 'default');
  assert.is(
    empty.route.retry_policy?.retry_on,
    'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
  );
  const [signed] = translateRoutes(vs([{ route: DEST, retries: { attempts: 2, retryOn: '5xx,+503' } }]), 'default');
  assert.is(signed.route.retry_policy?.retry_on, '5xx,retriable-status-codes');
  assert.equal(signed.route.retry_policy?.retriable_status_codes, [503]);
});

test('§4.1 route.go: a consistent-hash single destination gets no previous_hosts (still 5 host re-picks); a weighted route keeps it; retryIgnorePreviousHosts true restores it', () => {
  const hashed = () => true;
  const [plain] = translateRoutes(vs([{ route: DEST }]), 'default', undefined, hashed);
  assert.is(plain.route.retry_policy?.retry_host_predicate, undefined);
  assert.is(plain.route.retry_policy?.host_selection_retry_max_attempts, '5');
  const [asked] = translateRoutes(
    vs([{ route: DEST, retries: { attempts: 3, retryIgnorePreviousHosts: true } }]),
    'default',
    undefined,
    hashed,
  );
  assert.is(asked.route.retry_policy?.retry_host_predicate?.[0].name, 'envoy.retry_host_predicates.previous_hosts');
  const two = [
    { destination: { host: 'productpage', subset: 'v1', port: { number: 9080 } }, weight: 50 },
    { destination: { host: 'productpage', subset: 'v2', port: { number: 9080 } }, weight: 50 },
  ];
  const [weighted] = translateRoutes(vs([{ route: two }]), 'default', undefined, hashed);
  assert.is(weighted.route.retry_policy?.retry_host_predicate?.length, 1);
});

test('route.go: two destinations, one of weight 0 → weighted_clusters of one (len(in.Route) > 1), its headers on the ClusterWeight', () => {
  const [r] = translateRoutes(
    vs([
      {
        route: [
          {
            destination: { host: 'productpage', subset: 'v1', port: { number: 9080 } },
            weight: 100,
            headers: { request: { set: { 'x-v': '1' } } },
          },
          { destination: { host: 'productpage', subset: 'v2', port: { number: 9080 } }, weight: 0 },
        ],
      },
    ]),
    'default',
  );
  assert.is(r.route.cluster, undefined);
  const clusters = r.route.weighted_clusters?.clusters ?? [];
  assert.equal(
    clusters.map((c) => [c.name, c.weight]),
    [[clusterName(FQDN, 9080, 'v1'), 100]],
  );
  assert.is(clusters[0].request_headers_to_add?.[0].header.key, 'x-v');
  assert.is(r.request_headers_to_add, undefined);
});

test('§3.1 applyOutlierDetection: split mode also writes enforcing_local_origin_success_rate 0; the local-origin threshold only when > 0', () => {
  const c = translateCluster(
    [
      dr({
        trafficPolicy: {
          outlierDetection: { splitExternalLocalOriginErrors: true, consecutiveLocalOriginFailures: 3 },
        },
      }),
    ],
    SVC,
  );
  assert.equal(c.outlier_detection, {
    enforcing_success_rate: 0,
    split_external_local_origin_errors: true,
    consecutive_local_origin_failure: 3,
    enforcing_consecutive_local_origin_failure: 100,
    enforcing_local_origin_success_rate: 0,
  });
  const unsplit = translateCluster([dr({ trafficPolicy: { outlierDetection: { consecutive5xxErrors: 2 } } })], SVC);
  assert.is(unsplit.outlier_detection?.enforcing_local_origin_success_rate, undefined);
});

test.run();
