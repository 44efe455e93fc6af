/**
 * The same propagation check against the local mesh (design.md "The local mesh": its admin
 * API speaks Envoy's formats so the cluster code is tested against it): every demo policy is
 * recognised in the mesh's own `/config_dump`, Istio's defaults are not mistaken for it, and
 * the mesh's admin port behind the fake API server's pod proxy behaves as a gateway replica
 * that receives pushes from the API server (the mesh's push delay is the propagation time).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startMesh, type LocalMesh } from '../../src/mesh/index.js';
import { objectKey } from '../../src/ports.js';
import { checkConfigDump, expectedConfig } from '../../src/translate/config-dump.js';
import { createClusterTarget } from '../../src/cluster/target.js';
import { keyOf } from '../../src/ports.js';
import { setup, getYamlMasked, policies, type Env } from './helpers.js';

const DEMO = [
  'connection-pool.yaml',
  'outlier-detection.yaml',
  'route-timeout.yaml',
  'fault-injection.yaml',
  'retries.yaml',
];

async function configDump(m: LocalMesh): Promise<unknown> {
  return (await fetch(`${m.adminUrl}/config_dump`)).json();
}

for (const file of DEMO) {
  test(`${file}: the local mesh's /config_dump carries it after apply, and not before`, async () => {
    const docs = await policies(file);
    const expected = expectedConfig(
      docs.map((d) => d.object),
      'default',
    );
    const m = await startMesh();
    try {
      const before = checkConfigDump(await configDump(m), expected);
      assert.is(before.ok, false, 'Istio defaults must not pass for the policy');
      assert.ok(before.reasons.length > 0);
      await m.applyPolicies(docs);
      const after = checkConfigDump(await configDump(m), expected);
      assert.equal(after.reasons, []);
    } finally {
      await m.stop();
    }
  });
}

/** Feeds the mesh what the fake API server stores, like istiod watching the cluster. */
function bridge(env: Env, m: LocalMesh): () => void {
  const sync = () => {
    const objects = [...env.fake.list('destinationrules'), ...env.fake.list('virtualservices')];
    const keep = new Set(objects.map((o) => JSON.stringify(objectKey(o, 'default'))));
    const gone = m
      .listObjects()
      .map((o) => objectKey(o, 'default'))
      .filter((k) => !keep.has(JSON.stringify(k)));
    void m.applyPolicies(objects).then(() => (gone.length ? m.deleteObjects(gone) : undefined));
  };
  env.fake.events.on('change', sync);
  return () => env.fake.events.off('change', sync);
}

test('the local mesh as a gateway replica behind the pod proxy: verify waits for its 400 ms push, restore reverts it', async () => {
  const env = await setup();
  const m = await startMesh({ pushDelayMs: 400 });
  // the API server starts with what the mesh already has; only later changes are pushed
  for (const o of m.listObjects()) env.fake.seed(o);
  const unbridge = bridge(env, m);
  try {
    env.fake.pods.push({
      name: 'istio-ingressgateway-local',
      namespace: 'istio-system',
      labels: { istio: 'ingressgateway' },
      adminUrl: m.adminUrl,
    });
    const before = await getYamlMasked(env, 'virtualservice', 'productpage');
    const docs = await policies('route-timeout.yaml', 'connection-pool.yaml');
    const t = await createClusterTarget({
      kubeconfig: env.kubeconfig,
      target: m.gatewayUrl,
      runId: 'run-local',
      journalDir: env.journalDir,
      policies: docs,
      log: () => {},
    });
    const snapshot = await t.applier.snapshot(docs.map((d) => keyOf(d, 'default')));
    await t.applier.apply(docs);
    const result = await t.applier.verify(docs, { timeoutMs: 5_000 });
    assert.ok(result.ok, JSON.stringify(result.replicas));
    assert.ok(result.elapsedMs >= 400 && result.elapsedMs < 400 + 250 + 400, `elapsed ${result.elapsedMs}`);
    await t.applier.restore(snapshot);
    assert.is(await getYamlMasked(env, 'virtualservice', 'productpage'), before);
    assert.is(env.fake.get('destinationrules', 'default', 'productpage'), undefined);
  } finally {
    unbridge();
    await m.stop();
    await env.cleanup();
  }
});

test.run();
