/**
 * §6 step 1 and 3: VirtualService matching (first match wins, exact/prefix paths, headers,
 * virtual host by authority) and weighted subsets by DestinationRule labels.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startMesh } from '../../src/mesh/index.js';
import { closedLoop, routes, send, SUBSETS, to, twoVersions } from './helpers.js';

test('weights 80/20 over subsets v1/v2: v2 share within 3σ over 1000 requests, each subset served only by its labelled pods', async () => {
  const m = await startMesh({
    app: twoVersions([SUBSETS, routes([{ route: [to('v1', 80), to('v2', 20)] }])]),
    seed: 3,
  });
  try {
    const rs = await closedLoop(m.gatewayUrl, 8, { total: 1000 });
    const v2 = rs.filter((r) => r.headers['x-meshproof-pod'] === 'productpage-v2-0').length;
    assert.ok(Math.abs(v2 - 200) < 3 * Math.sqrt(1000 * 0.2 * 0.8), `v2 got ${v2}`);
    const s = m.stats();
    assert.is(s['cluster.outbound|9080|v1|productpage.default.svc.cluster.local.upstream_rq_total'], 1000 - v2);
    assert.is(s['cluster.outbound|9080|v2|productpage.default.svc.cluster.local.upstream_rq_total'], v2);
  } finally {
    await m.stop();
  }
});

test('first match wins: header match, exact path, then prefix; an unmatched path gets 404 NR', async () => {
  const m = await startMesh({
    app: twoVersions([
      SUBSETS,
      routes([
        { match: [{ headers: { 'end-user': { exact: 'jason' } } }], route: [to('v2')] },
        { match: [{ uri: { exact: '/productpage' } }], route: [to('v1')] },
        { match: [{ uri: { prefix: '/api/' } }], route: [to('v2')] },
      ]),
    ]),
  });
  try {
    const pod = async (path: string, headers?: Record<string, string>) =>
      (await send(m.gatewayUrl, { path, headers })).headers['x-meshproof-pod'];
    assert.is(await pod('/productpage', { 'end-user': 'jason' }), 'productpage-v2-0');
    assert.is(await pod('/productpage'), 'productpage-v1-0');
    assert.is(await pod('/productpage?x=1'), 'productpage-v1-0', 'the query string is not part of the path match');
    assert.is(await pod('/api/v1/products'), 'productpage-v2-0');
    assert.is((await send(m.gatewayUrl, { path: '/static/x' })).status, 404);
  } finally {
    await m.stop();
  }
});

test('virtual hosts: Host with a port matches, wildcard *.example.com matches, a mesh-only VirtualService does not bind the gateway', async () => {
  const meshOnly = {
    ...routes([{ route: [to('v2')] }], ['mesh.example.org']),
    metadata: { name: 'mesh-only', namespace: 'default' },
  };
  (meshOnly.spec as { gateways?: string[] }).gateways = undefined;
  const m = await startMesh({
    app: twoVersions([SUBSETS, routes([{ route: [to('v1')] }], ['*.example.com']), meshOnly]),
  });
  try {
    assert.is((await send(m.gatewayUrl, { host: 'bookinfo.example.com:8080' })).status, 200);
    assert.is((await send(m.gatewayUrl, { host: 'shop.example.com' })).status, 200);
    assert.is((await send(m.gatewayUrl, { host: 'mesh.example.org' })).status, 404);
  } finally {
    await m.stop();
  }
});

test('§6 step 1 regexes are RE2, matched whole (RE2::FullMatch): (?i), a named group in a header regex, a POSIX class; ignoreUriCase leaves a regex alone', async () => {
  const m = await startMesh({
    app: twoVersions([
      SUBSETS,
      routes([
        { match: [{ uri: { regex: '(?i)/API/.*' } }], route: [to('v2')] },
        {
          match: [
            { headers: { 'x-version': { regex: '(?P<major>v[0-9]+)\\.[0-9]+' } } },
            { uri: { regex: '/item/[[:digit:]]+' } },
          ],
          route: [to('v2')],
        },
        // route_components.proto RouteMatch.case_sensitive: "Ignored for safe_regex matching"
        { match: [{ uri: { regex: '/shop/.*' }, ignoreUriCase: true }], route: [to('v2')] },
        { route: [to('v1')] },
      ]),
    ]),
  });
  try {
    const pod = async (path: string, headers?: Record<string, string>) =>
      (await send(m.gatewayUrl, { path, headers })).headers['x-meshproof-pod'];
    assert.is(await pod('/api/v1'), 'productpage-v2-0', '(?i) folds the whole pattern');
    assert.is(await pod('/Api/x'), 'productpage-v2-0');
    assert.is(await pod('/xapi/'), 'productpage-v1-0', 'the match is anchored at both ends');
    assert.is(await pod('/p', { 'x-version': 'v12.3' }), 'productpage-v2-0', '(?P<major>…) is a capture group');
    assert.is(await pod('/p', { 'x-version': 'v12.3-rc' }), 'productpage-v1-0', 'the whole value must match');
    assert.is(await pod('/item/42'), 'productpage-v2-0', '[[:digit:]] is a POSIX class');
    assert.is(await pod('/item/4a'), 'productpage-v1-0');
    assert.is(await pod('/shop/a'), 'productpage-v2-0');
    assert.is(await pod('/SHOP/a'), 'productpage-v1-0', 'case_sensitive: false does not fold a regex');
  } finally {
    await m.stop();
  }
});

test.run();
