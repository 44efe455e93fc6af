/**
 * checkConfigDump against the forms a real gateway's /config_dump takes (protobuf JSON: proto3
 * zero values of plain fields left out, wrappers printed, enums by name) for Istio 1.22 and 1.29,
 * both ways round: the check must not wait forever on a field rendered differently, and must
 * not declare propagation while a field the policy changed still has its old value.
 * Sources: route/route.go (TranslateRouteMatch, TranslateFault), cluster_traffic_policy.go
 * (applyConnectionPool, applyRetryBudget, applyOutlierDetection, applyLoadBalancer).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { byKind } from '../../src/policy/by-kind.js';
import { checkConfigDump, expectedConfig } from '../../src/translate/config-dump.js';
import { gatewayRoutesDump, ISTIO_DEFAULT_RETRY_POLICY } from './istio-dump.js';

const FQDN = 'productpage.default.svc.cluster.local';
const NAME = `outbound|9080||${FQDN}`;
const MAX = 4294967295;
const meta = { name: 'productpage', namespace: 'default' };

function expected(drSpec?: Record<string, unknown>, http?: Record<string, unknown>[]) {
  const docs: unknown[] = [];
  if (drSpec)
    docs.push({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: meta,
      spec: { host: 'productpage', ...drSpec },
    });
  if (http)
    docs.push({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: meta,
      spec: { hosts: ['bookinfo.example.com'], gateways: ['bookinfo-gateway'], http },
    });
  return expectedConfig(byKind(docs), 'default');
}

/** Istio's one threshold set (getDefaultCircuitBreakerThresholds), with a retry budget when given. */
function thresholds(rb?: Record<string, unknown>) {
  const t = {
    max_connections: MAX,
    max_pending_requests: MAX,
    max_requests: MAX,
    max_retries: MAX,
    track_remaining: true,
  };
  return { circuit_breakers: { thresholds: [{ ...t, ...(rb ? { retry_budget: rb } : {}) }] } };
}

/** A gateway's dump with one cluster and one virtual host; `cluster` / `routes` patch Istio's defaults. */
function dump(cluster: Record<string, unknown> = {}, routes: Record<string, unknown>[] = []) {
  return {
    configs: [
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
        dynamic_active_clusters: [
          {
            cluster: {
              '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
              name: NAME,
              type: 'EDS',
              eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' }, service_name: NAME },
              connect_timeout: '10s',
              lb_policy: 'LEAST_REQUEST',
              ...thresholds(),
              common_lb_config: {},
              ...cluster,
            },
          },
        ],
      },
      gatewayRoutesDump(routes),
    ],
  };
}

/** A route as istiod renders it: timeout "0s", max_grpc_timeout, the default retry policy. */
function route(match: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    match,
    route: {
      cluster: NAME,
      timeout: '0s',
      retry_policy: ISTIO_DEFAULT_RETRY_POLICY,
      max_grpc_timeout: '0s',
    },
    decorator: { operation: `${FQDN}:9080/api*` },
    ...extra,
  };
}
const DEST = [{ destination: { host: 'productpage', port: { number: 9080 } } }];

test('a matched route is found whether the dump writes case_sensitive: true (1.29 TranslateRouteMatch) or leaves it out', () => {
  const want = expected(undefined, [{ match: [{ uri: { prefix: '/api' } }], route: DEST }]);
  assert.equal(checkConfigDump(dump({}, [route({ prefix: '/api', case_sensitive: true })]), want).reasons, []);
  assert.equal(checkConfigDump(dump({}, [route({ prefix: '/api' })]), want).reasons, []);
  // ignoreUriCase is a real difference: false must be there
  const ci = expected(undefined, [{ match: [{ uri: { prefix: '/api' }, ignoreUriCase: true }], route: DEST }]);
  assert.is(checkConfigDump(dump({}, [route({ prefix: '/api', case_sensitive: true })]), ci).ok, false);
  assert.is(checkConfigDump(dump({}, [route({ prefix: '/api', case_sensitive: false })]), ci).ok, true);
});

test('header matches: sorted by name with present_match, :method last; a safe_regex with the old google_re2 engine; query parameters as a set', () => {
  const want = expected(undefined, [
    {
      match: [
        {
          uri: { regex: '/v[0-9]+/.*' },
          method: { exact: 'GET' },
          headers: { 'x-user': { prefix: 'j' }, 'x-canary': {} },
          queryParams: { a: { exact: '1' }, b: { exact: '2' } },
        },
      ],
      route: DEST,
    },
  ]);
  const real = route({
    safe_regex: { google_re2: {}, regex: '/v[0-9]+/.*' },
    case_sensitive: true,
    headers: [
      { name: 'x-canary', present_match: true },
      { name: 'x-user', string_match: { prefix: 'j' } },
      { name: ':method', string_match: { exact: 'GET' } },
    ],
    query_parameters: [
      { name: 'b', string_match: { exact: '2' } },
      { name: 'a', string_match: { exact: '1' } },
    ],
  });
  assert.equal(checkConfigDump(dump({}, [real]), want).reasons, []);
});

test('withoutHeaders: a dump without treat_missing_header_as_empty (Istio before TranslateRouteMatch set it, istio/istio#49537) is the same route', () => {
  const want = expected(undefined, [
    { match: [{ uri: { prefix: '/api' }, withoutHeaders: { 'x-user': { exact: 'bot' } } }], route: DEST },
  ]);
  const header = { name: 'x-user', string_match: { exact: 'bot' }, invert_match: true };
  const at = (h: Record<string, unknown>) => route({ prefix: '/api', case_sensitive: true, headers: [h] });
  assert.equal(checkConfigDump(dump({}, [at({ ...header, treat_missing_header_as_empty: true })]), want).reasons, []);
  assert.equal(checkConfigDump(dump({}, [at(header)]), want).reasons, []);
  // not inverted is another route
  assert.is(checkConfigDump(dump({}, [at({ name: 'x-user', string_match: { exact: 'bot' } })]), want).ok, false);
});

test('fault: the deprecated integer percent renders with the HUNDRED denominator left out; a 0 % numerator too', () => {
  const want = expected(undefined, [{ route: DEST, fault: { delay: { fixedDelay: '2s', percent: 50 } } }]);
  const fault = (percentage: Record<string, unknown>) => ({
    typed_per_filter_config: {
      'envoy.filters.http.fault': {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
        delay: { fixed_delay: '2s', percentage },
      },
    },
  });
  assert.equal(checkConfigDump(dump({}, [route({ prefix: '/' }, fault({ numerator: 50 }))]), want).reasons, []);
  assert.is(checkConfigDump(dump({}, [route({ prefix: '/' }, fault({ numerator: 25 }))]), want).ok, false);
  const zero = expected(undefined, [{ route: DEST, fault: { delay: { fixedDelay: '2s', percentage: { value: 0 } } } }]);
  assert.equal(
    checkConfigDump(dump({}, [route({ prefix: '/' }, fault({ denominator: 'MILLION' }))]), zero).reasons,
    [],
  );
});

test('retryBudget: istiod writes 0.2 (applyRetryBudget) and a 0 percent as `budget_percent: {}`; a dump without it has not propagated', () => {
  const want = expected({ trafficPolicy: { retryBudget: {} } });
  assert.equal(
    checkConfigDump(dump(thresholds({ budget_percent: { value: 0.2 }, min_retry_concurrency: 3 })), want).reasons,
    [],
  );
  assert.equal(checkConfigDump(dump(thresholds()), want).reasons, [`cluster ${NAME}: retry_budget is missing`]);
  // under a port entry (GetPortLevelTrafficPolicy rebuilds the policy from the entry): both forms
  const port = expected({
    trafficPolicy: { retryBudget: {}, portLevelSettings: [{ port: { number: 9080 }, tls: { mode: 'ISTIO_MUTUAL' } }] },
  });
  assert.equal(checkConfigDump(dump(thresholds()), port).reasons, []);
  assert.is(
    checkConfigDump(dump(thresholds({ budget_percent: { value: 20 }, min_retry_concurrency: 3 })), port).ok,
    false,
  );
  const zero = expected({ trafficPolicy: { retryBudget: { percent: 0, minRetryConcurrency: 1 } } });
  assert.equal(checkConfigDump(dump(thresholds({ budget_percent: {}, min_retry_concurrency: 1 })), zero).reasons, []);
});

test('cluster fields a DR changes alone are compared: lb_policy, connect_timeout, idle_timeout, keepalive, minHealthPercent', () => {
  const rr = expected({ trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' } } });
  // the old (default) cluster: LEAST_REQUEST
  assert.equal(checkConfigDump(dump(), rr).reasons, [
    `cluster ${NAME}: lb_policy is LEAST_REQUEST, policy says ROUND_ROBIN`,
  ]);
  // ROUND_ROBIN is enum 0: the new cluster prints no lb_policy at all
  assert.equal(checkConfigDump(dump({ lb_policy: undefined }), rr).reasons, []);
  // a headless service's ORIGINAL_DST cluster is CLUSTER_PROVIDED whatever the DR says
  assert.equal(checkConfigDump(dump({ type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED' }), rr).reasons, []);

  const pool = expected({
    trafficPolicy: {
      connectionPool: {
        tcp: { connectTimeout: '250ms', tcpKeepalive: { time: '30s' } },
        http: { idleTimeout: '5s', maxRequestsPerConnection: 1 },
      },
    },
  });
  assert.equal(checkConfigDump(dump(), pool).reasons, [
    `cluster ${NAME}: connect_timeout is 10s, policy says 0.250s`,
    `cluster ${NAME}: common_http_protocol_options is missing`,
    `cluster ${NAME}: upstream_connection_options is missing`,
  ]);
  const applied = dump({
    connect_timeout: '0.250s',
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
        common_http_protocol_options: { idle_timeout: '5s', max_requests_per_connection: 1 },
        explicit_http_config: { http_protocol_options: {} },
      },
    },
    // a mesh-level keepalive adds probes/interval: only the policy's leaves are compared
    upstream_connection_options: { tcp_keepalive: { keepalive_time: 30, keepalive_probes: 9 } },
  });
  assert.equal(checkConfigDump(applied, pool).reasons, []);
  // a mesh connectTimeout other than 10s is not the policy's business when the DR sets none
  assert.equal(
    checkConfigDump(dump({ connect_timeout: '5s' }), expected({ trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } }))
      .reasons,
    [],
  );

  const od = { consecutive5xxErrors: 1, minHealthPercent: 50 };
  const panic = expected({ trafficPolicy: { outlierDetection: od } });
  const block = { consecutive_5xx: 1, enforcing_consecutive_5xx: 100, enforcing_success_rate: 0 };
  assert.equal(
    checkConfigDump(
      dump({ outlier_detection: block, common_lb_config: { healthy_panic_threshold: { value: 50 } } }),
      panic,
    ).reasons,
    [],
  );
  assert.equal(
    checkConfigDump(dump({ outlier_detection: block, common_lb_config: { healthy_panic_threshold: {} } }), panic)
      .reasons,
    [`cluster ${NAME}: common_lb_config.healthy_panic_threshold is 0, policy says 50`],
  );
});

test('a VirtualService with routes behind a catch-all expects only what Istio emits (not a wait for routes it drops)', () => {
  const want = expected(undefined, [{ route: DEST }, { match: [{ uri: { prefix: '/api' } }], route: DEST }]);
  assert.equal(checkConfigDump(dump({}, [route({ prefix: '/' })]), want).reasons, []);
});

test('two routes with the same match (Istio emits both; Envoy takes the first) are compared in order, not both against the first', () => {
  const api = { uri: { prefix: '/api' } };
  const want = expected(undefined, [
    { match: [api], route: DEST, timeout: '1s' },
    { match: [api], route: DEST, timeout: '5s' },
  ]);
  const r = (timeout: string) => {
    const x = route({ prefix: '/api', case_sensitive: true });
    return { ...x, route: { ...x.route, timeout, max_grpc_timeout: timeout } };
  };
  assert.equal(checkConfigDump(dump({}, [r('1s'), r('5s')]), want).reasons, []);
  assert.equal(checkConfigDump(dump({}, [r('1s'), r('3s')]), want).reasons, [
    'route {"prefix":"/api","case_sensitive":true} of bookinfo.example.com: timeout is 3s, policy says 5s',
  ]);
  assert.equal(checkConfigDump(dump({}, [r('1s')]), want).reasons, [
    'route {"prefix":"/api","case_sensitive":true} of bookinfo.example.com: not in the config_dump',
  ]);
});

test('header lists: the deprecated `append: false` of an older control plane reads as append_action OVERWRITE_IF_EXISTS_OR_ADD', () => {
  const want = expected(undefined, [
    { route: DEST, headers: { request: { set: { 'x-a': '1' }, add: { 'x-b': '2' } } } },
  ]);
  const lists = (a: object, b: object) => ({
    request_headers_to_add: [
      { header: { key: 'x-a', value: '1' }, ...a },
      { header: { key: 'x-b', value: '2' }, ...b },
    ],
  });
  const modern = lists({ append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }, {});
  assert.equal(checkConfigDump(dump({}, [route({ prefix: '/' }, modern)]), want).reasons, []);
  const legacy = lists({ append: false }, { append: true });
  assert.equal(checkConfigDump(dump({}, [route({ prefix: '/' }, legacy)]), want).reasons, []);
  // a set that is still an add has not propagated
  const stale = lists({ append: true }, { append: true });
  assert.is(checkConfigDump(dump({}, [route({ prefix: '/' }, stale)]), want).ok, false);
});

test.run();
