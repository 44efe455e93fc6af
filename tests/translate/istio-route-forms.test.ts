/**
 * The translation held against Istio's own code (pilot/pkg/networking/core/route/route.go,
 * gateway.go, cluster_traffic_policy.go): each test names the function it mirrors and failed on
 * the translation before the fidelity review (session 7, TRN).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { DestinationRule, VirtualService } from '../../src/policy/types.js';
import { compileRoute } from '../../src/mesh/route-config.js';
import { translateCluster, translateRoutes, translateVirtualHosts } from '../../src/translate/index.js';

const FQDN = 'productpage.default.svc.cluster.local';
const DEST = [{ destination: { host: 'productpage', port: { number: 9080 } } }];

function vs(http: Record<string, unknown>[], hosts = ['bookinfo.example.com']): VirtualService {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'productpage', namespace: 'default' },
    spec: { hosts, gateways: ['bookinfo-gateway'], http },
  } as VirtualService;
}
function dr(spec: Record<string, unknown>): DestinationRule {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: 'productpage', namespace: 'default' },
    spec: { host: 'productpage', ...spec },
  } as DestinationRule;
}

test('applyHTTPRouteDestination: with several destinations an unset weight is 0 and the destination is left out', () => {
  const [r] = translateRoutes(
    vs([
      {
        route: [
          { destination: { host: 'productpage', subset: 'v1', port: { number: 9080 } } },
          { destination: { host: 'productpage', subset: 'v2', port: { number: 9080 } }, weight: 100 },
        ],
      },
    ]),
    'default',
  );
  // `if dst.Weight == 0 { continue }`: Go's zero is the unset weight too
  assert.equal(r.route.weighted_clusters?.clusters, [{ name: `outbound|9080|v2|${FQDN}`, weight: 100 }]);
});

test('translateVirtualServiceHTTPRoutes: nothing after a catch-all match, nor after an http entry without match', () => {
  const afterPrefix = translateRoutes(
    vs([
      { match: [{ uri: { prefix: '/' } }, { uri: { prefix: '/never' } }], route: DEST },
      { match: [{ uri: { prefix: '/api' } }], route: DEST },
    ]),
    'default',
  );
  assert.equal(
    afterPrefix.map((r) => r.match),
    [{ prefix: '/', case_sensitive: true }],
  );
  const afterNoMatch = translateRoutes(
    vs([{ route: DEST }, { match: [{ uri: { prefix: '/api' } }], route: DEST }]),
    'default',
  );
  assert.is(afterNoMatch.length, 1);
  // a catch-all with a header match is not a catch-all (IsCatchAllRoute); a redirect catch-all ends the list
  const headered = translateRoutes(
    vs([
      { match: [{ uri: { prefix: '/' }, headers: { 'x-canary': { exact: '1' } } }], route: DEST },
      { redirect: { uri: '/elsewhere' } },
      { match: [{ uri: { prefix: '/api' } }], route: DEST },
    ]),
    'default',
  );
  assert.is(headered.length, 1);
});

test('translateRoute: a match for another port yields no route on the gateway; route name ".match" without a name', () => {
  const vhs = translateVirtualHosts(
    [
      vs([
        {
          match: [
            { uri: { prefix: '/a' }, port: 443 },
            { uri: { prefix: '/b' }, port: 80, name: 'b' },
          ],
          route: DEST,
        },
      ]),
    ],
    'default',
  );
  assert.equal(
    vhs[0].routes.map((r) => [r.match.prefix, r.name]),
    [['/b', '.b']],
  );
});

test('translateRoute sourceMatchHTTP: a match for the mesh gateway only yields no route on the gateway, and ends nothing', () => {
  const vhs = translateVirtualHosts(
    [
      vs([
        {
          match: [{ gateways: ['mesh'] }],
          route: [{ ...DEST[0], destination: { ...DEST[0].destination, subset: 'v1' } }],
        },
        { match: [{ uri: { prefix: '/api' }, gateways: ['mesh', 'bookinfo-gateway'] }], route: DEST },
        { route: DEST },
      ]),
    ],
    'default',
  );
  // Istio: translateRoute returns nil for the first match (no gateway of this proxy), so
  // IsCatchAllRoute never sees it: the /api route and the catch-all stay
  assert.equal(
    vhs[0].routes.map((r) => [r.match.prefix, r.route.cluster]),
    [
      ['/api', `outbound|9080||${FQDN}`],
      ['/', `outbound|9080||${FQDN}`],
    ],
  );
});

test('TranslateRouteMatch: headers sorted by name, presence and regex "*" as present_match, withoutHeaders inverted, then :method', () => {
  const [r] = translateRoutes(
    vs([
      {
        match: [
          {
            uri: { prefix: '/api' },
            ignoreUriCase: true,
            method: { exact: 'GET' },
            headers: { 'x-z': { exact: 'z' }, 'x-a': { regex: '*' }, 'x-m': {} },
            withoutHeaders: { 'x-b': { exact: 'no' }, 'x-c': { regex: '*' } },
            queryParams: { v: { exact: '2' } },
          },
        ],
        route: DEST,
      },
    ]),
    'default',
  );
  assert.equal(r.match, {
    prefix: '/api',
    case_sensitive: false,
    headers: [
      { name: 'x-a', present_match: true },
      { name: 'x-b', string_match: { exact: 'no' }, invert_match: true, treat_missing_header_as_empty: true },
      { name: 'x-c', present_match: true, invert_match: true },
      { name: 'x-m', present_match: true },
      { name: 'x-z', string_match: { exact: 'z' } },
      { name: ':method', string_match: { exact: 'GET' } },
    ],
    query_parameters: [{ name: 'v', string_match: { exact: '2' } }],
  });
});

test('TranslateFault: a delay always carries a percentage — the deprecated integer percent per HUNDRED, 0 when neither is set', () => {
  const fault = (delay: Record<string, unknown>) =>
    translateRoutes(vs([{ route: DEST, fault: { delay: { fixedDelay: '1s', ...delay } } }]), 'default')[0]
      .typed_per_filter_config?.['envoy.filters.http.fault'].delay;
  assert.equal(fault({ percent: 50 }), { fixed_delay: '1s', percentage: { numerator: 50, denominator: 'HUNDRED' } });
  assert.equal(fault({}), { fixed_delay: '1s', percentage: { numerator: 0, denominator: 'HUNDRED' } });
});

test('gateway.go SortVHostRoutes: catch-alls of several VirtualServices on one host go last, the rest keep their order', () => {
  const second = {
    ...vs([{ match: [{ uri: { prefix: '/api' } }], route: DEST }]),
    metadata: { name: 'b', namespace: 'default' },
  };
  const [vh] = translateVirtualHosts(
    [vs([{ match: [{ uri: { exact: '/x' } }], route: DEST }, { route: DEST }]), second as VirtualService],
    'default',
  );
  assert.equal(
    vh.routes.map((r) => r.match.path ?? r.match.prefix),
    ['/x', '/api', '/'],
  );
});

test('buildGatewayVirtualHostDomains: "*" alone, a wildcard host keeps the server port, others any port', () => {
  const vhs = translateVirtualHosts([vs([{ route: DEST }], ['*', '*.example.com', 'a.example.com'])], 'default');
  assert.equal(
    vhs.map((v) => [v.name, v.domains]),
    [
      ['*:80', ['*']],
      ['*.example.com:80', ['*.example.com', '*.example.com:80']],
      ['a.example.com:80', ['a.example.com', 'a.example.com:*']],
    ],
  );
});

test('applyRetryBudget: an explicit percent is kept as written (25 → 25, 0 → 0), minRetryConcurrency 0 → 3', () => {
  const svc = { fqdn: FQDN, port: 9080 };
  const budget = (rb: Record<string, unknown>) =>
    translateCluster([dr({ trafficPolicy: { retryBudget: rb } })], svc).circuit_breakers.thresholds[0].retry_budget;
  assert.equal(budget({ percent: 25, minRetryConcurrency: 0 }), {
    budget_percent: { value: 25 },
    min_retry_concurrency: 3,
  });
  assert.equal(budget({ percent: 0, minRetryConcurrency: 7 }), {
    budget_percent: { value: 0 },
    min_retry_concurrency: 7,
  });
  assert.equal(budget({}), { budget_percent: { value: 0.2 }, min_retry_concurrency: 3 });
});

test('the local mesh evaluates the new matcher forms as Envoy does (header_utility.cc matchHeaders): presence, inverted, :scheme', () => {
  const [r] = translateRoutes(
    vs([
      {
        match: [
          {
            scheme: { exact: 'http' },
            headers: { 'x-canary': {} },
            withoutHeaders: { 'x-debug': { regex: '*' }, 'x-user': { exact: 'bot' } },
          },
        ],
        route: DEST,
      },
    ]),
    'default',
  );
  const { matches } = compileRoute(r);
  const at = (headers: Record<string, string>) => matches('/', headers, 'GET', 'bookinfo.example.com');
  assert.is(at({ 'x-canary': '' }), true, 'present (even empty), x-debug absent, x-user absent reads as "" ≠ bot');
  assert.is(at({}), false, 'x-canary must be present');
  assert.is(at({ 'x-canary': '1', 'x-debug': '1' }), false, 'inverted presence: x-debug must be absent');
  assert.is(at({ 'x-canary': '1', 'x-user': 'bot' }), false, 'inverted exact');
  assert.is(at({ 'x-canary': '1', 'x-user': 'jason' }), true);
});

test.run();
