/**
 * The object store and xDS-like pushes: atomic swap after the push delay, in-flight requests
 * finish under their config, removing a policy restores Istio's defaults, no request lost;
 * §6 step 1 (404 NR) and step 3 (503 NC).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startMesh } from '../../src/mesh/index.js';
import { appWith, closedLoop, dr, fixed, send, vs, type Reply, stall, within } from './helpers.js';

const VS_KEY = { kind: 'VirtualService', namespace: 'default', name: 'productpage' } as const;
const DR_KEY = { kind: 'DestinationRule', namespace: 'default', name: 'productpage' } as const;

test.before.each(stall.reset);

test('push: applying and removing a policy mid-run changes behaviour within the push delay (50ms) and loses no request', async () => {
  const m = await startMesh({ app: appWith([fixed(10), fixed(10), fixed(10)]), pushDelayMs: 50 });
  try {
    const original = m.getObject(VS_KEY) as Record<string, unknown>;
    const marks: Record<string, number> = {};
    const run = closedLoop(m.gatewayUrl, 4, { forMs: 900 });
    await new Promise((r) => setTimeout(r, 250));
    marks.applyCalled = performance.now();
    const v0 = m.configVersion();
    await m.applyPolicies([vs({ fault: { abort: { httpStatus: 503, percentage: { value: 100 } } } })]);
    marks.applied = performance.now();
    assert.is(m.configVersion(), v0 + 1);
    await new Promise((r) => setTimeout(r, 250));
    marks.restoreCalled = performance.now();
    await m.applyPolicies([original]);
    marks.restored = performance.now();
    const rs = await run;
    assert.ok(
      rs.every((r) => r.status === 200 || r.status === 503),
      'every request got an answer',
    );
    const startedIn = (r: Reply, a: number, b: number) => r.sentAt >= a && r.sentAt < b;
    const before = rs.filter((r) => r.sentAt + r.ms < marks.applyCalled);
    const during = rs.filter((r) => startedIn(r, marks.applied, marks.restoreCalled));
    const after = rs.filter((r) => r.sentAt >= marks.restored);
    assert.ok(
      before.length > 10 && during.length > 10 && after.length > 10,
      `${before.length}/${during.length}/${after.length}`,
    );
    assert.ok(before.every((r) => r.status === 200));
    assert.ok(during.every((r) => r.body === 'fault filter abort'));
    assert.ok(after.every((r) => r.status === 200));
    assert.ok(within(marks.applied - marks.applyCalled, 45, 150), 'push delay honoured');
  } finally {
    await m.stop();
  }
});

test('push: an in-flight request finishes under the config it started with', async () => {
  const m = await startMesh({ app: appWith([fixed(300)]) });
  try {
    const inflight = send(m.gatewayUrl);
    await new Promise((r) => setTimeout(r, 50));
    await m.applyPolicies([vs({ timeout: '100ms' })]);
    const fresh = await send(m.gatewayUrl);
    const old = await inflight;
    assert.is(old.status, 200, 'started before the timeout existed');
    assert.is(fresh.status, 504);
    assert.ok(within(fresh.ms, 95, 200), `took ${fresh.ms}`);
  } finally {
    await m.stop();
  }
});

test('push: deleting a DestinationRule restores Istio defaults (no overflow); an unchanged cluster keeps its state', async () => {
  const m = await startMesh({ app: appWith([fixed(100)]) });
  try {
    await m.applyPolicies([
      dr({ connectionPool: { tcp: { maxConnections: 1 }, http: { http1MaxPendingRequests: 1 } } }),
    ]);
    const limited = await Promise.all([0, 1, 2, 3].map(() => send(m.gatewayUrl)));
    // cold pool (§2.2 E3): #1 holds the pending slot while connecting, or runs if its connect won the
    // race with #2; either way 2 or 3 of the 4 are shed, every one as overflow
    const shed = limited.filter((r) => r.status === 503);
    assert.ok(shed.length === 2 || shed.length === 3, limited.map((r) => r.status).join());
    assert.ok(shed.every((r) => r.headers['x-envoy-overloaded'] === 'true'));
    assert.is(
      m.stats()['cluster.outbound|9080||productpage.default.svc.cluster.local.upstream_rq_pending_overflow'],
      shed.length,
    );
    await m.deleteObjects([DR_KEY]);
    assert.is(m.getObject(DR_KEY), null);
    const free = await Promise.all([0, 1, 2, 3].map(() => send(m.gatewayUrl)));
    assert.equal(
      free.map((r) => r.status),
      [200, 200, 200, 200],
    );
    const cx = m.stats()['cluster.outbound|9080||productpage.default.svc.cluster.local.upstream_cx_total'];
    await m.applyPolicies([vs({})]); // VS change only: the cluster is untouched
    await send(m.gatewayUrl);
    assert.is(
      m.stats()['cluster.outbound|9080||productpage.default.svc.cluster.local.upstream_cx_total'],
      cx,
      'pooled connection reused',
    );
  } finally {
    await m.stop();
  }
});

test('§6 step 1: no VirtualService for the Host → 404 with an empty body (NR); deleting the VS does the same', async () => {
  const m = await startMesh({ app: appWith([fixed(1)]) });
  try {
    const other = await send(m.gatewayUrl, { host: 'other.example.com' });
    assert.is(other.status, 404);
    assert.is(other.body, '');
    assert.is(other.headers['content-type'], undefined);
    assert.is(other.headers.server, 'istio-envoy');
    await m.deleteObjects([VS_KEY]);
    assert.is((await send(m.gatewayUrl)).status, 404);
  } finally {
    await m.stop();
  }
});

test('§6 step 3: a route to a subset no DestinationRule defines → 503 with an empty body (NC); defining it routes by labels', async () => {
  const m = await startMesh({ app: appWith([fixed(1), fixed(1)]) });
  try {
    const toV2 = vs({});
    (toV2.spec as { http: { route: unknown[] }[] }).http[0].route = [
      { destination: { host: 'productpage', subset: 'v1' } },
    ];
    await m.applyPolicies([toV2]);
    const nc = await send(m.gatewayUrl);
    assert.is(nc.status, 503);
    assert.is(nc.body, '');
    await m.applyPolicies([
      dr({ connectionPool: { tcp: { maxConnections: 10 } } }, { subsets: [{ name: 'v1', labels: { version: 'v1' } }] }),
    ]);
    assert.is((await send(m.gatewayUrl)).status, 200);
    assert.ok(m.stats()['cluster.outbound|9080|v1|productpage.default.svc.cluster.local.upstream_rq_total'] === 1);
  } finally {
    await m.stop();
  }
});

test('applyPolicies rejects an object without kind or name and changes nothing', async () => {
  const m = await startMesh({ app: appWith([fixed(1)]) });
  try {
    const v = m.configVersion();
    let err = '';
    await m.applyPolicies([dr({}), { kind: 'VirtualService', metadata: {} }]).catch((e: Error) => (err = e.message));
    assert.match(err, /metadata\.name/);
    assert.is(m.configVersion(), v);
    assert.is(m.getObject(DR_KEY), null);
  } finally {
    await m.stop();
  }
});

test('stop() during a push delay resolves the pending applyPolicies and leaves nothing running', async () => {
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const before = timers();
  const m = await startMesh({ app: appWith([fixed(1)]), pushDelayMs: 5_000 });
  const v0 = m.configVersion();
  const pending = m.applyPolicies([vs({ timeout: '1s' })]);
  assert.ok(timers() > before, 'the push waits on a timer');
  const t0 = performance.now();
  await m.stop();
  await pending;
  assert.ok(performance.now() - t0 < 1000, 'did not wait for the push delay');
  // the delayed push is cancelled, not merely not awaited: its timer is gone and it never lands
  assert.is(timers(), before, 'no timer of the mesh left');
  assert.is(m.configVersion(), v0, 'the push never happened');
});

test('replaceObjects (what the local Kubernetes API hands over): the store becomes exactly the given set in its order, one push; an object left out is gone, its defaults back', async () => {
  const m = await startMesh({ app: appWith([fixed(1)]) });
  try {
    const v0 = m.configVersion();
    await m.replaceObjects([vs({}), dr({ connectionPool: { tcp: { maxConnections: 1 } } })]);
    assert.is(m.configVersion(), v0 + 1, 'one push for the whole set');
    assert.equal(
      m.listObjects().map((o) => o.kind),
      ['VirtualService', 'DestinationRule'],
    );
    await m.replaceObjects([vs({})]);
    assert.is(m.getObject(DR_KEY), null, 'the DestinationRule left out is deleted');
    assert.is(m.configVersion(), v0 + 2);
    // a malformed object refuses the whole set before anything changes
    const refused = await m.replaceObjects([vs({}, 'other'), { kind: 'DestinationRule', metadata: {} }]).then(
      () => undefined,
      (e: Error) => e.message,
    );
    assert.is(refused, 'metadata.name: expected a name for DestinationRule');
    assert.equal(
      m.listObjects().map((o) => (o.metadata as { name: string }).name),
      ['productpage'],
    );
  } finally {
    await m.stop();
  }
});

test.run();
