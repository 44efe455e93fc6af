/**
 * Watch on the local Kubernetes API, as kube-apiserver's watch cache serves it
 * (src/kube-api/watch.ts: cacher.go Watch, watch_cache.go getAllEventsSinceLocked).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startKubeApi, type KubeApi } from '../../src/kube-api/index.js';
import { HISTORY_CAPACITY } from '../../src/kube-api/watch.js';
import { call, watch } from './helpers.js';

const DRS = '/apis/networking.istio.io/v1/namespaces/default/destinationrules';
const dr = (name: string, maxConnections = 1) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: { name },
  spec: { host: name, trafficPolicy: { connectionPool: { tcp: { maxConnections } } } },
});

let api: KubeApi;
test.before.each(async () => {
  api = await startKubeApi();
});
test.after.each(async () => {
  await api.stop();
});

test('resourceVersion unset: one synthetic ADDED per existing object, then MODIFIED and DELETED as they happen, each with its resourceVersion', async () => {
  await call(api.url, 'POST', DRS, dr('a'));
  await call(api.url, 'POST', DRS, dr('b'));
  const w = await watch(api.url, `${DRS}?watch=1`);
  try {
    assert.is(w.status, 200);
    await w.until(2);
    assert.equal(
      w.events.map((e) => `${e.type} ${e.object.metadata.name}`),
      ['ADDED a', 'ADDED b'],
    );
    const patched = await call(
      api.url,
      'PATCH',
      `${DRS}/a`,
      { spec: { trafficPolicy: { connectionPool: { tcp: { maxConnections: 5 } } } } },
      'application/merge-patch+json',
    );
    const deleted = await call(api.url, 'DELETE', `${DRS}/b`);
    assert.is(deleted.status, 200);
    await w.until(4);
    const [mod, del] = w.events.slice(2);
    assert.is(mod.type, 'MODIFIED');
    assert.is(mod.object.spec.trafficPolicy.connectionPool.tcp.maxConnections, 5);
    assert.is(mod.object.metadata.resourceVersion, patched.json.metadata.resourceVersion);
    assert.is(del.type, 'DELETED');
    assert.is(del.object.metadata.name, 'b');
    // the deletion is a write of its own: its resourceVersion is newer than the patch's
    assert.ok(Number(del.object.metadata.resourceVersion) > Number(mod.object.metadata.resourceVersion));
    assert.is(api.store.resourceVersion(), del.object.metadata.resourceVersion);
  } finally {
    w.close();
  }
});

test('resourceVersion=N replays exactly the changes after N (what kubectl get -w asks after its list)', async () => {
  await call(api.url, 'POST', DRS, dr('a'));
  const list = await call(api.url, 'GET', DRS);
  const rv = list.json.metadata.resourceVersion;
  await call(api.url, 'POST', DRS, dr('b'));
  await call(api.url, 'DELETE', `${DRS}/a`);
  const w = await watch(api.url, `${DRS}?watch=true&resourceVersion=${rv}`);
  try {
    await w.until(2);
    assert.equal(
      w.events.map((e) => `${e.type} ${e.object.metadata.name}`),
      ['ADDED b', 'DELETED a'],
    );
  } finally {
    w.close();
  }
});

test(`a resourceVersion older than the history (${HISTORY_CAPACITY} events): 200 with one ERROR event, Status 410 Expired "too old resource version: N (oldest-1)", then the end`, async () => {
  await call(api.url, 'POST', DRS, dr('a'));
  const first = api.store.resourceVersion();
  for (let i = 0; i < HISTORY_CAPACITY + 5; i++)
    await call(
      api.url,
      'PATCH',
      `${DRS}/a`,
      { spec: { trafficPolicy: { connectionPool: { tcp: { maxConnections: i + 2 } } } } },
      'application/merge-patch+json',
    );
  const last = Number(api.store.resourceVersion());
  const oldestKept = last - HISTORY_CAPACITY + 1;
  const w = await watch(api.url, `${DRS}?watch=1&resourceVersion=${first}`);
  await w.ended;
  assert.is(w.status, 200);
  assert.equal(w.events, [
    {
      type: 'ERROR',
      object: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `too old resource version: ${first} (${oldestKept - 1})`,
        reason: 'Expired',
        code: 410,
      },
    },
  ]);
  // from exactly oldest-1 the history still reaches: every kept event, no error
  const ok = await watch(api.url, `${DRS}?watch=1&resourceVersion=${oldestKept - 1}`);
  try {
    await ok.until(HISTORY_CAPACITY);
    assert.is(ok.events.length, HISTORY_CAPACITY);
    assert.ok(ok.events.every((e) => e.type === 'MODIFIED'));
  } finally {
    ok.close();
  }
});

test('sendInitialEvents with bookmarks: the initial ADDED events end with a BOOKMARK annotated k8s.io/initial-events-end', async () => {
  await call(api.url, 'POST', DRS, dr('a'));
  const w = await watch(api.url, `${DRS}?watch=1&allowWatchBookmarks=true&sendInitialEvents=true`);
  try {
    await w.until(2);
    assert.is(w.events[0].type, 'ADDED');
    assert.equal(w.events[1], {
      type: 'BOOKMARK',
      object: {
        kind: 'DestinationRule',
        apiVersion: 'networking.istio.io/v1',
        metadata: {
          resourceVersion: api.store.resourceVersion(),
          annotations: { 'k8s.io/initial-events-end': 'true' },
        },
      },
    });
  } finally {
    w.close();
  }
});

test('timeoutSeconds ends the stream; fieldSelector metadata.name filters; a watch in another namespace sees nothing', async () => {
  const w = await watch(api.url, `${DRS}?watch=1&timeoutSeconds=1&fieldSelector=metadata.name%3Db`);
  const other = await watch(
    api.url,
    '/apis/networking.istio.io/v1/namespaces/shop/destinationrules?watch=1&timeoutSeconds=1',
  );
  await call(api.url, 'POST', DRS, dr('a'));
  await call(api.url, 'POST', DRS, dr('b'));
  const t0 = Date.now();
  await Promise.all([w.ended, other.ended]);
  assert.ok(Date.now() - t0 < 3000, 'ended by the timeout');
  assert.equal(
    w.events.map((e) => `${e.type} ${e.object.metadata.name}`),
    ['ADDED b'],
  );
  assert.equal(other.events, []);
});

test('stop() ends open watches', async () => {
  const w = await watch(api.url, `${DRS}?watch=1`);
  await api.stop();
  await w.ended;
  assert.equal(w.events, []);
});

test("labelSelector on a watch (cacher convertToWatchEvent): starting to match is ADDED, stopping DELETED with the previous object at the event's resourceVersion, a non-match nothing; a bad selector is 400", async () => {
  const labelled = (team: string) => ({ ...dr('a'), metadata: { name: 'a', labels: { team } } });
  await call(api.url, 'POST', DRS, labelled('x'));
  await call(api.url, 'POST', DRS, { ...dr('b'), metadata: { name: 'b', labels: { team: 'y' } } });
  const w = await watch(api.url, `${DRS}?watch=1&labelSelector=${encodeURIComponent('team in (x)')}`);
  try {
    await w.until(1);
    const merge = (team: string) =>
      call(api.url, 'PATCH', `${DRS}/a`, { metadata: { labels: { team } } }, 'application/merge-patch+json');
    const away = await merge('z'); // stops matching
    await call(api.url, 'PATCH', `${DRS}/b`, { spec: { host: 'bb' } }, 'application/merge-patch+json'); // never matches
    await merge('x'); // matches again
    await call(api.url, 'PATCH', `${DRS}/a`, { spec: { host: 'aa' } }, 'application/merge-patch+json'); // still matches
    await call(api.url, 'DELETE', `${DRS}/a`);
    await w.until(5);
    assert.equal(
      w.events.map((e) => `${e.type} ${e.object.metadata.name} ${e.object.metadata.labels.team}`),
      ['ADDED a x', 'DELETED a x', 'ADDED a x', 'MODIFIED a x', 'DELETED a x'],
    );
    // the DELETED of an object that stopped matching carries its old content at the new resourceVersion
    assert.is(w.events[1].object.metadata.resourceVersion, away.json.metadata.resourceVersion);
  } finally {
    w.close();
  }
  const bad = await call(api.url, 'GET', `${DRS}?watch=1&labelSelector=team%20in`);
  assert.is(bad.status, 400);
  assert.is(bad.json.message, "unable to parse requirement: found '' expected: '('");
});

test.run();
