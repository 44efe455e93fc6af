import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fileURLToPath } from 'node:url';
import { startMesh, type LocalMesh } from '../../src/mesh/index.js';
import { LocalApplier, LOCAL_REPLICA } from '../../src/targets/local-applier.js';
import { keyOf } from '../../src/ports.js';
import { loadPolicies } from '../../src/policy/index.js';

const policy = (name: string) => fileURLToPath(new URL(`../../policies/${name}`, import.meta.url));

async function withMesh(f: (mesh: LocalMesh, applier: LocalApplier) => Promise<void>): Promise<void> {
  const mesh = await startMesh({ seed: 7 });
  try {
    await f(mesh, new LocalApplier(mesh));
  } finally {
    await mesh.stop();
  }
}

test('apply then restore leaves the object store exactly as before: pre-existing VirtualService and absent DestinationRule', async () => {
  await withMesh(async (mesh, applier) => {
    const docs = await loadPolicies([policy('fault-injection.yaml'), policy('connection-pool.yaml')]);
    const before = mesh.listObjects();
    assert.is(before.length, 1, 'the demo world has its VirtualService and no DestinationRule');
    const snapshot = await applier.snapshot(docs.map((d) => keyOf(d, 'default')));
    assert.equal(
      snapshot.entries.map((e) => [e.key.kind, e.object === null]),
      [
        ['VirtualService', false],
        ['DestinationRule', true],
      ],
    );
    await applier.apply(docs);
    const during = mesh.listObjects();
    assert.is(during.length, 2);
    assert.ok(JSON.stringify(during).includes('fault'), 'the VirtualService was replaced by the fault-injection one');
    await applier.restore(snapshot);
    assert.equal(mesh.listObjects(), before);
  });
});

test('a policy is merged into the DestinationRule that exists, as server-side apply merges: maxConnections 100 kept, outlierDetection added, and verify checks the merged object (issue 13 item 6)', async () => {
  await withMesh(async (mesh, applier) => {
    const existing = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'productpage', namespace: 'default', labels: { owner: 'team-shop' } },
      spec: { host: 'productpage', trafficPolicy: { connectionPool: { tcp: { maxConnections: 100 } } } },
    };
    await mesh.applyPolicies([existing]);
    const docs = await loadPolicies([policy('outlier-detection.yaml')]);
    const snapshot = await applier.snapshot(docs.map((d) => keyOf(d, 'default')));
    await applier.apply(docs);
    const merged = mesh.getObject({ kind: 'DestinationRule', namespace: 'default', name: 'productpage' }) as {
      metadata: { labels: object };
      spec: { trafficPolicy: Record<string, unknown> };
    };
    assert.equal(merged.spec.trafficPolicy, {
      connectionPool: { tcp: { maxConnections: 100 } },
      outlierDetection: { consecutive5xxErrors: 3, interval: '1s', baseEjectionTime: '30s', maxEjectionPercent: 67 },
    });
    assert.equal(merged.metadata.labels, { owner: 'team-shop' });
    const result = await applier.verify(docs, { timeoutMs: 2000 });
    assert.ok(result.ok, JSON.stringify(result.replicas));
    assert.equal(result.effective, [
      {
        kind: 'DestinationRule',
        namespace: 'default',
        name: 'productpage',
        spec: merged.spec,
        kept: ['spec.trafficPolicy.connectionPool'],
      },
    ]);
    await applier.restore(snapshot);
    assert.equal(
      mesh.getObject({ kind: 'DestinationRule', namespace: 'default', name: 'productpage' }),
      existing,
      'restore puts the existing object back whole',
    );
  });
});

test('lists are atomic (CRD lists without x-kubernetes-list-type): an applied http route list replaces the existing one whole', async () => {
  const { applyMerge } = await import('../../src/policy/apply-merge.js');
  const live = {
    spec: { hosts: ['a', 'b'], gateways: ['gw'], http: [{ route: [{ destination: { host: 'x' } }], timeout: '5s' }] },
  };
  const config = { spec: { hosts: ['a'], http: [{ route: [{ destination: { host: 'x' } }] }] } };
  assert.equal(applyMerge(live, config), {
    spec: { hosts: ['a'], gateways: ['gw'], http: [{ route: [{ destination: { host: 'x' } }] }] },
  });
  assert.equal(applyMerge(null, config), config);
});

test('verify reads /config_dump and confirms the policy on the one local replica (§2.1: max_connections 1)', async () => {
  await withMesh(async (_mesh, applier) => {
    const docs = await loadPolicies([policy('connection-pool.yaml')]);
    await applier.apply(docs);
    const result = await applier.verify(docs, { timeoutMs: 2000 });
    assert.is(result.ok, true);
    assert.equal(result.replicas, [{ name: LOCAL_REPLICA, ok: true }]);
    assert.ok(result.elapsedMs < 500, `propagation took ${result.elapsedMs} ms`);
  });
});

test('verify of a policy that was never applied times out and says what the config_dump lacks', async () => {
  await withMesh(async (_mesh, applier) => {
    const docs = await loadPolicies([policy('connection-pool.yaml')]);
    const t0 = Date.now();
    const result = await applier.verify(docs, { timeoutMs: 150 });
    assert.is(result.ok, false);
    assert.ok(Date.now() - t0 < 1000, 'bounded by the timeout');
    assert.is(result.replicas[0].name, LOCAL_REPLICA);
    assert.match(result.replicas[0].reason ?? '', /max_connections/);
  });
});

test.run();
