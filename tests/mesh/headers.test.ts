/**
 * §6.3 header manipulation: Istio's `headers.request/response` `set`/`add`/`remove` at route and
 * destination level, translated as route.go does (src/translate/headers.ts) and evaluated in
 * Envoy's order (header-mutation.ts): per level remove-before-add; the weighted cluster's
 * level before the route's (most_specific_header_mutations_wins false).
 */
import { byKind } from '../../src/policy/by-kind.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startMesh } from '../../src/mesh/index.js';
import { translateRoutes } from '../../src/translate/index.js';
import { closedLoop, dr, routes, send, SUBSETS, to, twoVersions } from './helpers.js';

/** the VS as translation takes it (split by kind, as the applier's objects are) */
const typedVs = (http: Record<string, unknown>[]) => byKind([routes(http)]).vss[0];

test('§6.3 translation as route.go: set before add, each sorted by key; :authority/host dropped; single destination appended to the route, weighted on its ClusterWeight', () => {
  const [single] = translateRoutes(
    typedVs([
      {
        headers: {
          request: { set: { 'x-b': '1', 'x-a': '2', host: 'h' }, add: { 'x-c': '3' }, remove: [':path', 'x-gone'] },
        },
        route: [to('v1', undefined, { response: { set: { 'x-d': '4' } } })],
      },
    ]),
    'default',
  );
  assert.equal(
    single.request_headers_to_add?.map((o) => [o.header.key, o.append_action]),
    [
      ['x-a', 'OVERWRITE_IF_EXISTS_OR_ADD'],
      ['x-b', 'OVERWRITE_IF_EXISTS_OR_ADD'],
      ['x-c', undefined],
    ],
  );
  assert.equal(single.request_headers_to_remove, ['x-gone']);
  assert.equal(
    single.response_headers_to_add?.map((o) => o.header.key),
    ['x-d'],
  );
  const [weighted] = translateRoutes(
    typedVs([
      { route: [to('v1', 90, { response: { set: { s: 'v1' } } }), to('v2', 10, { response: { set: { s: 'v2' } } })] },
    ]),
    'default',
    () => 9080,
  );
  assert.is(weighted.response_headers_to_add, undefined);
  assert.equal(
    weighted.route.weighted_clusters?.clusters.map((c) => [
      c.name,
      c.weight,
      c.response_headers_to_add?.[0].header.value,
    ]),
    [
      ['outbound|9080|v1|productpage.default.svc.cluster.local', 90, 'v1'],
      ['outbound|9080|v2|productpage.default.svc.cluster.local', 10, 'v2'],
    ],
  );
});

test('§6.3 weighted destinations: each response carries its own subset header; 400 requests at 50/50 → every v2 pod answer says v2, every v1 says v1', async () => {
  const m = await startMesh({
    app: twoVersions([
      SUBSETS,
      routes([
        {
          route: [
            to('v1', 50, { response: { set: { 'x-subset': 'v1' } } }),
            to('v2', 50, { response: { set: { 'x-subset': 'v2' } } }),
          ],
        },
      ]),
    ]),
    seed: 5,
  });
  try {
    const rs = await closedLoop(m.gatewayUrl, 4, { total: 400 });
    assert.is(rs.length, 400);
    const mismatched = rs.filter(
      (r) => r.headers['x-meshproof-pod'] !== `productpage-${r.headers['x-subset']}-0`,
    ).length;
    assert.is(mismatched, 0);
    const v2 = rs.filter((r) => r.headers['x-subset'] === 'v2').length;
    assert.ok(Math.abs(v2 - 200) < 3 * Math.sqrt(400 * 0.25), `v2 got ${v2}`);
  } finally {
    await m.stop();
  }
});

test('§6.3 precedence: route-level set beats destination-level set (weighted cluster first, route last); route-level remove removes what the destination added; remove-before-add within a level', async () => {
  const m = await startMesh({
    app: twoVersions([
      SUBSETS,
      routes([
        {
          headers: {
            response: {
              set: { 'x-who': 'route' },
              remove: ['x-dest-only', 'x-meshproof-pod'],
              add: { 'x-meshproof-pod': 'added' },
            },
          },
          route: [
            to('v1', 50, { response: { set: { 'x-who': 'dest', 'x-dest-only': 'yes' } } }),
            to('v2', 50, { response: { set: { 'x-who': 'dest', 'x-dest-only': 'yes' } } }),
          ],
        },
      ]),
    ]),
  });
  try {
    const r = await send(m.gatewayUrl);
    assert.is(r.status, 200);
    assert.is(r.headers['x-who'], 'route');
    assert.is(r.headers['x-dest-only'], undefined);
    // the pod's own x-meshproof-pod was removed first, then the add put one value back
    assert.is(r.headers['x-meshproof-pod'], 'added');
  } finally {
    await m.stop();
  }
});

test('§6.3 single destination: its set is appended after the route-level list, so it wins; add appends a second value; request headers reach the pod', async () => {
  const m = await startMesh({
    app: twoVersions([
      SUBSETS,
      routes([
        {
          headers: {
            request: { set: { 'x-req': 'route' }, remove: ['x-drop'] },
            response: { set: { 'x-who': 'route' }, add: { 'x-meshproof-pod': 'extra' } },
          },
          route: [
            to('v2', undefined, { request: { set: { 'x-req': 'dest' } }, response: { set: { 'x-who': 'dest' } } }),
          ],
        },
      ]),
    ]),
  });
  try {
    const r = await send(m.gatewayUrl, { headers: { 'x-drop': 'me', 'x-req': 'client' } });
    assert.is(r.headers['x-who'], 'dest');
    assert.is(r.headers['x-meshproof-pod'], 'productpage-v2-0, extra');
    const seen = (await m.pods.find((p) => p.name === 'productpage-v2-0')?.lastRequests())?.at(-1)?.headers;
    assert.is(seen?.['x-req'], 'dest');
    assert.is(seen?.['x-drop'], undefined);
  } finally {
    await m.stop();
  }
});

test('§6.3 local replies on a resolved route carry its response headers: 503 no healthy upstream from an empty subset says which destination', async () => {
  const dr3 = dr(
    {},
    {
      subsets: [
        { name: 'v1', labels: { version: 'v1' } },
        { name: 'v3', labels: { version: 'v3' } },
      ],
    },
  );
  const m = await startMesh({
    app: twoVersions([dr3, routes([{ route: [to('v3', undefined, { response: { set: { 'x-subset': 'v3' } } })] }])]),
  });
  try {
    const r = await send(m.gatewayUrl);
    assert.is(r.status, 503);
    assert.is(r.body, 'no healthy upstream');
    assert.is(r.headers['x-subset'], 'v3');
  } finally {
    await m.stop();
  }
});

test("§6.3 + §1: a fault abort carries the route entry's response headers, but `server` stays istio-envoy (the HCM overwrites it after the filters: conn_manager_impl.cc ActiveStream::encodeHeaders)", async () => {
  const m = await startMesh({
    app: twoVersions([
      SUBSETS,
      routes([
        {
          headers: { response: { set: { server: 'app', 'x-local': 'yes' } } },
          fault: { abort: { httpStatus: 418, percentage: { value: 100 } } },
          route: [to('v1')],
        },
      ]),
    ]),
  });
  try {
    const r = await send(m.gatewayUrl);
    assert.is(r.status, 418);
    assert.is(r.headers['x-local'], 'yes');
    assert.is(r.headers.server, 'istio-envoy');
  } finally {
    await m.stop();
  }
});

test.run();
