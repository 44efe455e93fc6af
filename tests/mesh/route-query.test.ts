/**
 * §6 step 1, the local gateway's route match on a VirtualService's `queryParams`: Istio writes
 * them as `query_parameters` (route.go TranslateRouteMatch / translateQueryParamMatch) and Envoy
 * matches them on the :path's query (router/config_impl.cc matchRoute →
 * QueryParamsMulti::parseQueryString, config_utility.cc QueryParameterMatcher::matches: the
 * first value of the name, not percent-decoded; presence; a missing parameter never matches).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { VirtualService } from '../../src/policy/types.js';
import { RouteTable } from '../../src/mesh/route-config.js';
import { translateVirtualHosts } from '../../src/translate/index.js';

const HOST = 'bookinfo.example.com';
const to = (subset: string) => [{ destination: { host: 'productpage', subset, port: { number: 9080 } } }];

function table(http: Record<string, unknown>[]): RouteTable {
  const vs = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'productpage', namespace: 'default' },
    spec: { hosts: [HOST], gateways: ['bookinfo-gateway'], http },
  } as VirtualService;
  return new RouteTable(translateVirtualHosts([vs], 'default'));
}

/** the subset the request at `url` is routed to ("-" when no route) */
function routed(t: RouteTable, url: string): string {
  const r = t.find(HOST, url, {}, 'GET');
  return r ? r.clusters[0].split('|')[2] : '-';
}

test('queryParams exact / prefix / regex: only a request whose parameter matches takes the route', () => {
  const t = table([
    { match: [{ queryParams: { version: { exact: 'v2' } } }], route: to('v2') },
    { match: [{ queryParams: { user: { prefix: 'test-' } } }], route: to('v3') },
    { match: [{ queryParams: { id: { regex: '[0-9]+' } } }], route: to('v4') },
    { route: to('v1') },
  ]);
  assert.is(routed(t, '/productpage'), 'v1', 'no query: the catch-all');
  assert.is(routed(t, '/productpage?version=v2'), 'v2');
  assert.is(routed(t, '/productpage?a=1&version=v2&b'), 'v2', 'anywhere in the query');
  assert.is(routed(t, '/productpage?version=v3'), 'v1', 'another value');
  assert.is(routed(t, '/productpage?version=v2x'), 'v1', 'exact, not prefix');
  assert.is(routed(t, '/productpage?xversion=v2'), 'v1', 'another name');
  assert.is(routed(t, '/productpage?user=test-9'), 'v3');
  assert.is(routed(t, '/productpage?id=42'), 'v4');
  assert.is(routed(t, '/productpage?id=42a'), 'v1', 'RE2 full match');
});

test('queryParams: the first value of a repeated name counts; values are not percent-decoded; presence', () => {
  const t = table([
    { match: [{ queryParams: { version: { exact: 'v2' } } }], route: to('v2') },
    { match: [{ queryParams: { debug: {} } }], route: to('v3') },
    { route: to('v1') },
  ]);
  assert.is(routed(t, '/?version=v1&version=v2'), 'v1', 'first value only');
  assert.is(routed(t, '/?version=v2&version=v1'), 'v2');
  assert.is(routed(t, '/?version=%76%32'), 'v1', 'parseQueryString does not decode');
  assert.is(routed(t, '/?debug'), 'v3', 'a bare key is present (value "")');
  assert.is(routed(t, '/?debug='), 'v3');
  assert.is(routed(t, '/?nodebug=1'), 'v1');
});

test.run();
