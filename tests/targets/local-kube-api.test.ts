/**
 * The local mesh behind the local Kubernetes API (issue 19), reached only through the
 * kubeconfig it writes: the cluster code's own discovery (`--target auto`), permission check,
 * gateway replica listing and admin reads (pod proxy refused for a loopback pod IP, then
 * port-forward) work against it; and a policy `kubectl apply`-ed while the built-in engine
 * loads the gateway switches 200s to overflow 503s within one push, `kubectl delete` back.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import fs from 'node:fs';
import { startMesh, DEFAULT_APP, type LocalMesh } from '../../src/mesh/index.js';
import { startLocalKubeApi, type LocalKubeApi } from '../../src/targets/local-kube-api.js';
import { loadConnection } from '../../src/cluster/kubeconfig.js';
import { discoverGatewayUrl } from '../../src/cluster/discovery.js';
import { AdminReader, listGatewayPods } from '../../src/cluster/gateway-pods.js';
import { checkPermissions, requiredAccess, selfSubjectAccessReviewer } from '../../src/cluster/permissions.js';
import { BuiltinEngine } from '../../src/load/builtin/engine.js';
import type { AppModel } from '../../src/mesh/app-model.js';
import { kubectl } from '../cluster/helpers.js';

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const POLICY = path.join(REPO, 'policies', 'connection-pool.yaml');

/** One pod answering in a fixed 40 ms: at 100 requests/s, ~4 in flight — far over maxConnections 1 + 1 pending. */
const ONE_SLOW_POD: AppModel = {
  ...DEFAULT_APP,
  pods: [{ ...DEFAULT_APP.pods[0], behaviour: { mode: 'serve', latency: { kind: 'fixed', ms: 40 } } }],
};

let mesh: LocalMesh;
let api: LocalKubeApi;
test.before.each(async () => {
  mesh = await startMesh({ app: ONE_SLOW_POD, workers: 1, seed: 7 });
  api = await startLocalKubeApi(mesh);
});
test.after.each(async () => {
  await api.stop();
  await mesh.stop();
});

test('the cluster code through the written kubeconfig: --target auto finds the gateway URL, permissions all allowed, the gateway replica listed and its /stats read by port-forward after the pod proxy refuses 127.0.0.1', async () => {
  assert.ok(fs.existsSync(api.kubeconfig));
  const conn = await loadConnection({ kubeconfig: api.kubeconfig });
  assert.is(conn.context, 'meshproof-local');
  assert.is(conn.namespace, 'default');
  const decided = await discoverGatewayUrl(conn);
  assert.is(decided.value, mesh.gatewayUrl);
  assert.match(decided.because, 'Service istio-system/istio-ingressgateway has load-balancer address 127.0.0.1');
  const rules = requiredAccess({
    keys: [{ kind: 'DestinationRule', namespace: 'default', name: 'productpage' }],
    gatewayNamespace: 'istio-system',
    discoverTarget: true,
  });
  assert.is(await checkPermissions(rules, selfSubjectAccessReviewer(conn), conn.server), undefined);
  const pods = await listGatewayPods(conn);
  assert.equal(pods, [{ name: 'istio-ingressgateway-0', namespace: 'istio-system' }]);
  const reader = new AdminReader(conn);
  const stats = (await reader.read(pods[0], 'stats?format=json')) as { stats: { name: string; value: number }[] };
  assert.ok(stats.stats.some((s) => s.name.endsWith('upstream_rq_pending_overflow')));
  assert.is(reader.routeOf(pods[0].name), 'port-forward');
  const file = api.kubeconfig;
  await api.stop();
  assert.not.ok(fs.existsSync(file), 'the default kubeconfig is removed on stop');
});

test('kubectl apply -f policies/connection-pool.yaml while the built-in engine loads the gateway: 503 overflow from the next second on, none after kubectl delete (timeline per second and the gateway /stats delta)', async () => {
  const overflow = () =>
    mesh.stats()['cluster.outbound|9080||productpage.default.svc.cluster.local.upstream_rq_pending_overflow'] ?? 0;
  const engine = new BuiltinEngine();
  const t0 = performance.now();
  const sinceStart = () => (performance.now() - t0) / 1000;
  const marks: Record<string, number> = {};
  const counts: Record<string, number> = {};
  const load = engine.run(
    { executor: 'constant-arrival-rate', rate: 100, timeUnit: '1s', duration: '9s', preAllocatedVUs: 20, maxVUs: 20 },
    { method: 'GET', baseUrl: mesh.gatewayUrl, path: '/productpage', host: 'bookinfo.example.com' },
  );
  const at = (s: number) => new Promise((r) => setTimeout(r, Math.max(0, s - sinceStart()) * 1000));
  await at(3);
  counts.beforeApply = overflow();
  marks.applyStart = sinceStart();
  const applied = await kubectl(api, 'apply', '-f', POLICY);
  marks.applyDone = sinceStart();
  assert.is(applied.code, 0, applied.stderr);
  await at(6);
  counts.beforeDelete = overflow();
  marks.deleteStart = sinceStart();
  const deleted = await kubectl(api, 'delete', '-f', POLICY);
  marks.deleteDone = sinceStart();
  assert.is(deleted.code, 0, deleted.stderr);
  counts.afterDelete = overflow();
  const r = await load;
  counts.end = overflow();

  assert.is(counts.beforeApply, 0, 'no circuit breaker before the apply (Istio defaults)');
  assert.ok(counts.beforeDelete > 50, `overflow after the apply: ${counts.beforeDelete}`);
  assert.is(counts.end - counts.afterDelete, 0, 'no overflow once the delete is pushed');
  // per second of the timeline: the seconds wholly before the apply, between apply and delete,
  // and after the delete (the phase started a few ms after t0, so margins of one second)
  const window = (from: number, to: number) => r.timeline.filter((p) => p.t >= from && p.t + 1 <= to);
  const share503 = (ps: typeof r.timeline) => {
    const all = ps.reduce((n, p) => n + p.requests, 0);
    return all === 0 ? Number.NaN : ps.reduce((n, p) => n + (p.statuses['503'] ?? 0), 0) / all;
  };
  const before = window(0, Math.floor(marks.applyStart));
  const during = window(Math.ceil(marks.applyDone), Math.floor(marks.deleteStart));
  const after = window(Math.ceil(marks.deleteDone), 9);
  assert.ok(
    before.length >= 2 && during.length >= 1 && after.length >= 1,
    JSON.stringify({ marks, seconds: r.timeline.length }),
  );
  assert.is(share503(before), 0, `before: ${JSON.stringify(before.map((p) => p.statuses))}`);
  assert.ok(share503(during) >= 0.5, `during: ${JSON.stringify(during.map((p) => p.statuses))}`);
  assert.is(share503(after), 0, `after: ${JSON.stringify(after.map((p) => p.statuses))}`);
});

test.run();
