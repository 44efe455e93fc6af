/**
 * The same propagation check against the local mesh (design.md "The local mesh": its admin
 * API speaks Envoy's formats so the cluster code is tested against it): every demo policy is
 * recognised in the mesh's own `/config_dump`, Istio's defaults are not mistaken for it, and
 * the mesh behind its own Kubernetes API (src/targets/local-kube-api.ts) behaves as a gateway
 * replica that receives pushes from the API server (the mesh's push delay is the propagation time).
 */
import { byKind } from '../../src/policy/by-kind.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startMesh, type LocalMesh } from '../../src/mesh/index.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkConfigDump, expectedConfig } from '../../src/translate/config-dump.js';
import { createClusterTarget } from '../../src/cluster/target.js';
import { keyOf } from '../../src/ports.js';
import { startLocalKubeApi } from '../../src/targets/local-kube-api.js';
import { getYamlMasked, policies, type Env } from './helpers.js';

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
    const expected = expectedConfig(byKind(docs.map((d) => d.object)), 'default');
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

test('the local mesh behind its own Kubernetes API, as a gateway replica: verify waits for its 400 ms push, restore reverts it (read with kubectl)', async () => {
  const m = await startMesh({ pushDelayMs: 400 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshproof-local-mesh-'));
  const api = await startLocalKubeApi(m, { kubeconfigOut: path.join(dir, 'kubeconfig') });
  const env = { kubeconfig: api.kubeconfig } as Env;
  // the start's own push (the API's seeded objects) first: a later change due within its delay
  // would go out with it, as istiod's debounced push carries the newest state
  await api.settled();
  try {
    const before = await getYamlMasked(env, 'virtualservice', 'productpage');
    assert.match(before, /bookinfo\.example\.com/);
    const docs = await policies('route-timeout.yaml', 'connection-pool.yaml');
    const t = await createClusterTarget({
      kubeconfig: api.kubeconfig,
      target: m.gatewayUrl,
      runId: 'run-local',
      journalDir: path.join(dir, 'journal'),
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
    assert.match(await getYamlMasked(env, 'destinationrule', 'productpage'), /^<absent: .*NotFound/);
  } finally {
    await api.stop();
    await m.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
