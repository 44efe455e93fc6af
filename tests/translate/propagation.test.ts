/**
 * Propagation through the API server's pod proxy: two gateway replicas whose xDS pushes land
 * 100 ms and 700 ms after the apply; the check must wait for the slower one, and with a
 * timeout shorter than its delay must name it as the replica that lags.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createClusterTarget } from '../../src/cluster/target.js';
import { keyOf } from '../../src/ports.js';
import YAML from 'yaml';
import { setup, policies, PRE_EXISTING_VS, type Env } from '../cluster/helpers.js';
import { README_INCLUSION, startFakeEnvoyAdmin, type FakeEnvoyAdmin } from '../cluster/fake-envoy-admin.js';

let env: Env;
let admins: FakeEnvoyAdmin[] = [];
const DELAYS = { 'istio-ingressgateway-a': 100, 'istio-ingressgateway-b': 700 };

test.before.each(async () => {
  env = await setup();
  env.fake.seed(YAML.parse(PRE_EXISTING_VS));
  admins = [];
  for (const [name, delay] of Object.entries(DELAYS)) {
    const admin = await startFakeEnvoyAdmin(env.fake, delay);
    admins.push(admin);
    env.fake.pods.push({
      name,
      namespace: 'istio-system',
      labels: { istio: 'ingressgateway', app: 'istio-ingressgateway' },
      adminUrl: admin.url,
    });
  }
  env.fake.services.push({
    name: 'istio-ingressgateway',
    namespace: 'istio-system',
    labels: { istio: 'ingressgateway' },
    type: 'LoadBalancer',
    ports: [{ name: 'http2', port: 80, nodePort: 31380 }],
    loadBalancer: [{ ip: '127.0.0.1' }],
  });
});
test.after.each(async () => {
  for (const a of admins) await a.close();
  await env.cleanup();
});

async function applyWith(file: string, timeoutMs: number) {
  const docs = await policies(file);
  const target = await createClusterTarget({
    kubeconfig: env.kubeconfig,
    runId: 'run-prop',
    journalDir: env.journalDir,
    policies: docs,
    log: () => {},
  });
  const snapshot = await target.applier.snapshot(docs.map((d) => keyOf(d, 'default')));
  await target.applier.apply(docs);
  const result = await target.applier.verify(docs, { timeoutMs });
  await target.applier.restore(snapshot);
  return { target, result };
}

test('§2.1 circuit breaker: verify waits for the slowest replica (700 ms push) and reports that time', async () => {
  const { target, result } = await applyWith('connection-pool.yaml', 5_000);
  assert.equal(target.replicas, ['istio-ingressgateway-a', 'istio-ingressgateway-b']);
  assert.ok(result.ok, JSON.stringify(result.replicas));
  assert.ok(result.elapsedMs >= 700 && result.elapsedMs < 700 + 250 + 400, `elapsed ${result.elapsedMs} ms`);
  assert.equal(
    result.replicas.map((r) => r.ok),
    [true, true],
  );
  // both replicas were read through the pod proxy, the slow one more than once
  assert.ok(admins[0].reads >= 1 && admins[1].reads >= 3, `${admins[0].reads} ${admins[1].reads}`);
  assert.ok(
    env.fake.requests.some(
      (r) => r.path === '/api/v1/namespaces/istio-system/pods/istio-ingressgateway-b:15000/proxy/config_dump',
    ),
  );
});

test('§4.1 route timeout: a replica still without the policy at the timeout is named with the reason', async () => {
  const { result } = await applyWith('route-timeout.yaml', 300);
  assert.is(result.ok, false);
  assert.equal(result.replicas[0], { name: 'istio-ingressgateway-a', ok: true });
  assert.is(result.replicas[1].name, 'istio-ingressgateway-b');
  assert.is(result.replicas[1].ok, false);
  assert.match(result.replicas[1].reason!, 'timeout is 0s, policy says 0.500s', result.replicas[1].reason);
  assert.ok(result.elapsedMs >= 300 && result.elapsedMs < 300 + 400, `elapsed ${result.elapsedMs}`);
});

test('stock Istio (admin bound to 127.0.0.1): the refused pod proxy falls back to a port-forward, per replica', async () => {
  for (const p of env.fake.pods) p.adminLocalhostOnly = true;
  // the per-cluster counters exist only where the gateway's stats matcher keeps them
  for (const a of admins) a.statsInclusion = README_INCLUSION;
  admins[0].stats.set('cluster.outbound|9080||productpage.default.svc.cluster.local.upstream_rq_pending_overflow', 4);
  admins[1].stats.set('cluster.outbound|9080||productpage.default.svc.cluster.local.upstream_rq_pending_overflow', 5);
  const { target, result } = await applyWith('connection-pool.yaml', 5_000);
  assert.ok(result.ok, JSON.stringify(result.replicas));
  assert.ok(result.elapsedMs >= 700, `elapsed ${result.elapsedMs}`);
  const forwards = env.fake.requests.filter((r) => r.path.endsWith('/portforward'));
  assert.ok(forwards.length >= 2 && forwards.every((r) => r.query.get('ports') === '15000'));
  // the refusal is remembered: each replica tried the pod proxy exactly once
  assert.is(env.fake.requests.filter((r) => r.path.endsWith(':15000/proxy/config_dump')).length, 2);
  assert.equal(await target.counters.read(), {
    'cluster.outbound|9080||productpage.default.svc.cluster.local.upstream_rq_pending_overflow': 9,
  });
});

const OTHERS_DR = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: productpage
  namespace: default
spec:
  host: productpage
  trafficPolicy:
    connectionPool:
      tcp:
        maxConnections: 100
`;

test('an existing DR with maxConnections 100 owned by another manager + a policy DR with only outlierDetection: the check passes against the merged object the server returned (issue 13 item 6)', async () => {
  env.fake.seed(YAML.parse(OTHERS_DR)); // manager kubectl-create owns maxConnections
  const { result } = await applyWith('outlier-detection.yaml', 5_000);
  assert.ok(result.ok, JSON.stringify(result.replicas));
  assert.equal(
    result.replicas.map((r) => r.ok),
    [true, true],
  );
  assert.is(result.effective?.length, 1);
  const e = result.effective![0];
  assert.equal(
    [e.kind, e.namespace, e.name, e.kept],
    ['DestinationRule', 'default', 'productpage', ['spec.trafficPolicy.connectionPool']],
  );
  assert.equal((e.spec as { trafficPolicy: object }).trafficPolicy, {
    connectionPool: { tcp: { maxConnections: 100 } },
    outlierDetection: { consecutive5xxErrors: 3, interval: '1s', baseEjectionTime: '30s', maxEjectionPercent: 67 },
  });
});

test('the dry-run plan shows the effective merged policy and what it keeps from the existing object', async () => {
  env.fake.seed(YAML.parse(OTHERS_DR));
  const docs = await policies('outlier-detection.yaml');
  const target = await createClusterTarget({
    kubeconfig: env.kubeconfig,
    runId: 'run-plan',
    journalDir: env.journalDir,
    policies: docs,
    dryRun: true,
    log: () => {},
  });
  await target.applier.snapshot(docs.map((d) => keyOf(d, 'default')));
  await target.applier.apply(docs);
  const plan = target.applier.plan.join('\n');
  assert.match(
    plan,
    'effective DestinationRule default/productpage spec (merged as server-side apply merges): {"host":"productpage","trafficPolicy":{"connectionPool":{"tcp":{"maxConnections":100}},"outlierDetection":{"consecutive5xxErrors":3,"interval":"1s","baseEjectionTime":"30s","maxEjectionPercent":67}}}',
  );
  assert.match(plan, 'kept from the existing object (not set by the policy): spec.trafficPolicy.connectionPool');
});

test('createClusterTarget says how it decided: LB address, Host from the VirtualService, replicas and per-replica limits', async () => {
  const docs = await policies('route-timeout.yaml', 'connection-pool.yaml');
  const t = await createClusterTarget({
    kubeconfig: env.kubeconfig,
    runId: 'run-describe',
    journalDir: env.journalDir,
    policies: docs,
    target: 'auto',
  });
  assert.is(t.url, 'http://127.0.0.1:80');
  assert.is(t.host, 'bookinfo.example.com');
  assert.match(
    t.describe,
    'target: Service istio-system/istio-ingressgateway has load-balancer address 127.0.0.1; port http2 → http://127.0.0.1:80',
  );
  assert.match(t.describe, 'host: Host bookinfo.example.com from VirtualService productpage');
  assert.match(t.describe, 'gateway replicas: 2 (istio-ingressgateway-a, istio-ingressgateway-b)');
  assert.match(t.describe, 'max_connections 1 per replica × 2 replicas = 2 at the gateway');
  assert.match(t.describe, 'max_pending_requests 1 per replica × 2 replicas = 2 at the gateway');
});

test.run();
