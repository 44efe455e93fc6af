/**
 * `--target auto`, gateway counters and connection, against the fake API server: NodePort
 * fallback on a node address, no gateway Service, forbidden pod list (exit 3 with the
 * sentence), `/stats` summed over replicas through the pod proxy, kubeconfig selection.
 */
import { byKind } from '../../src/policy/by-kind.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { discoverGatewayUrl, decideHost } from '../../src/cluster/discovery.js';
import { createClusterTarget } from '../../src/cluster/target.js';
import { loadConnection } from '../../src/cluster/kubeconfig.js';
import { effectiveLimits } from '../../src/cluster/counters.js';
import { parseEnvoyStats, selectGatewayStats, timeoutMismatch } from '../../src/analysis/gateway-counters.js';
import { mismatchText } from '../../src/report/gateway-text.js';
import { translateCluster } from '../../src/translate/index.js';
import { ExitCode } from '../../src/errors.js';
import { setup, policies, writeKubeconfig, type Env } from './helpers.js';
import { README_INCLUSION, startFakeEnvoyAdmin, type FakeEnvoyAdmin } from './fake-envoy-admin.js';

let env: Env;
let admins: FakeEnvoyAdmin[] = [];
test.before.each(async () => {
  env = await setup();
  admins = [];
});
test.after.each(async () => {
  for (const a of admins) await a.close();
  await env.cleanup();
});

/** The error createClusterTarget rejects with for this --target (undefined if it resolves). */
function targetError(target: string): Promise<any> {
  return createClusterTarget({ kubeconfig: env.kubeconfig, target, runId: 'r', journalDir: env.journalDir }).then(
    () => undefined,
    (e) => e,
  );
}

const GW_LABELS = { istio: 'ingressgateway' };
const OVERFLOW = 'cluster.outbound|9080||productpage.default.svc.cluster.local.upstream_rq_pending_overflow';

test('--target auto without a load-balancer address uses the NodePort on a node ExternalIP, and says so', async () => {
  env.fake.services.push({
    name: 'istio-ingressgateway',
    namespace: 'istio-system',
    labels: GW_LABELS,
    type: 'NodePort',
    ports: [
      { name: 'status-port', port: 15021, nodePort: 30021 },
      { name: 'http2', port: 80, nodePort: 31380 },
    ],
  });
  env.fake.nodes.push({
    name: 'kind-worker',
    addresses: [
      { type: 'InternalIP', address: '172.18.0.3' },
      { type: 'ExternalIP', address: '127.0.0.1' },
    ],
  });
  const d = await discoverGatewayUrl(await loadConnection({ kubeconfig: env.kubeconfig }));
  assert.is(d.value, 'http://127.0.0.1:31380');
  assert.is(
    d.because,
    'Service istio-system/istio-ingressgateway has no load-balancer address; NodePort 31380 (port http2) on node kind-worker (ExternalIP 127.0.0.1) → http://127.0.0.1:31380',
  );
});

test('--target auto with no gateway Service is exit 3 telling the user to pass --target', async () => {
  const err = await discoverGatewayUrl(await loadConnection({ kubeconfig: env.kubeconfig })).then(
    () => undefined,
    (e) => e,
  );
  assert.is(err?.exitCode, ExitCode.infra);
  assert.is(
    err.message,
    '--target auto: no Service labelled istio=ingressgateway in namespace istio-system; pass --target http://HOST:PORT',
  );
});

test('the Host header comes from the scenario first, else the VirtualService hosts', async () => {
  const docs = await policies('route-timeout.yaml');
  assert.is(decideHost('shop.example.com', docs)?.value, 'shop.example.com');
  assert.is(decideHost(undefined, docs)?.value, 'bookinfo.example.com');
  assert.is(decideHost(undefined, await policies('connection-pool.yaml')), undefined);
});

test('no right to list gateway pods is exit 3 naming verb, resource and namespace — found by SelfSubjectAccessReview before the list is tried', async () => {
  env.fake.mode = 'forbidden';
  env.fake.forbiddenVerbs = new Set(['list']);
  const err = await targetError('http://127.0.0.1:8080');
  assert.is(err?.exitCode, ExitCode.infra);
  assert.match(err.message, 'would refuse to list pods in namespace "istio-system" (find the gateway replicas)');
  assert.not.ok(
    env.fake.requests.some((r) => r.path === '/api/v1/namespaces/istio-system/pods'),
    'the list itself was never sent',
  );
});

test('a 403 listing gateway pods when the review API could not be asked: the 403 itself names verb, resource and namespace', async () => {
  env.fake.mode = 'forbidden';
  env.fake.forbiddenVerbs = new Set(['list']);
  env.fake.script({ method: 'POST', path: /selfsubjectaccessreviews$/, status: 404 });
  const err = await targetError('http://127.0.0.1:8080');
  assert.is(err?.exitCode, ExitCode.infra);
  assert.match(err.message, 'forbidden: the Kubernetes API refused to list pods in namespace "istio-system"');
  env.fake.assertConsumed();
});

test('an unreachable API server is exit 3 saying which server and context could not be reached', async () => {
  const dead = path.join(env.dir, 'dead');
  fs.mkdirSync(dead);
  const kubeconfig = writeKubeconfig(dead, 'http://127.0.0.1:1');
  const err = await createClusterTarget({ kubeconfig, runId: 'r', journalDir: env.journalDir }).then(
    () => undefined,
    (e) => e,
  );
  assert.is(err?.exitCode, ExitCode.infra);
  assert.match(err.message, 'cannot reach the Kubernetes API at http://127.0.0.1:1 (context fake)');
  assert.match(err.message, 'ECONNREFUSED');
});

test('§0 counters are per replica: /stats of 3 gateway pods are summed through the pod proxy; limits × replicas', async () => {
  for (const [i, overflow] of [5, 7, 11].entries()) {
    // a gateway whose stats matcher keeps the per-cluster counters (README's proxyStatsMatcher)
    const admin = await startFakeEnvoyAdmin(env.fake, 0, { statsInclusion: README_INCLUSION });
    admin.stats.set(OVERFLOW, overflow);
    admin.stats.set(
      'cluster.outbound|9080||productpage.default.svc.cluster.local.outlier_detection.ejections_enforced_total',
      i,
    );
    admin.stats.set('cluster.outbound|9080||reviews.default.svc.cluster.local.upstream_rq_pending_overflow', 100);
    admin.stats.set('server.uptime', 1234);
    admins.push(admin);
    env.fake.pods.push({ name: `gw-${i}`, namespace: 'istio-system', labels: GW_LABELS, adminUrl: admin.url });
  }
  const docs = await policies('connection-pool.yaml');
  const t = await createClusterTarget({
    kubeconfig: env.kubeconfig,
    target: 'http://127.0.0.1:8080',
    runId: 'r',
    journalDir: env.journalDir,
    policies: docs,
  });
  assert.is(t.url, 'http://127.0.0.1:8080');
  assert.match(t.describe, 'target: --target http://127.0.0.1:8080');
  const before = await t.counters.read();
  assert.equal(before, {
    [OVERFLOW]: 23,
    'cluster.outbound|9080||productpage.default.svc.cluster.local.outlier_detection.ejections_enforced_total': 3,
  });
  admins[1].stats.set(OVERFLOW, 17);
  assert.is((await t.counters.read())[OVERFLOW], 33);
  assert.equal(
    effectiveLimits(
      translateCluster(byKind(docs.map((d) => d.object)).drs, {
        fqdn: 'productpage.default.svc.cluster.local',
        port: 9080,
      }),
      3,
    ),
    [
      'outbound|9080||productpage.default.svc.cluster.local: max_connections 1 per replica × 3 replicas = 3 at the gateway',
      'outbound|9080||productpage.default.svc.cluster.local: max_pending_requests 1 per replica × 3 replicas = 3 at the gateway',
    ],
  );
});

test('§4.1 route timeouts: gateway upstream_rq_timeout summed over clusters vs client 504s, 1 % or 2 requests of slack', () => {
  const d = {
    'cluster.outbound|9080||a.default.svc.cluster.local.upstream_rq_timeout': 40,
    'cluster.outbound|9080|v2|a.default.svc.cluster.local.upstream_rq_timeout': 10,
  };
  assert.is(timeoutMismatch('policy', d, { route_timeout: 48 }), undefined);
  assert.is(
    mismatchText(timeoutMismatch('policy', d, { route_timeout: 30 })!),
    'policy: gateway counted 50 upstream_rq_timeout, clients saw 30 route-timeout 504s',
  );
  assert.is(
    timeoutMismatch('policy', {}, { route_timeout: 30 }),
    undefined,
    'no counter (stats not kept) is no evidence',
  );
});

test('--target must be "auto" or an http(s) URL (exit 2)', async () => {
  const err = await targetError('gateway.local');
  assert.is(err?.exitCode, ExitCode.usage);
  assert.is(err.message, '--target gateway.local: expected "auto" or a URL like http://HOST:PORT');
  const withPassword = await targetError('http://admin:hunter2@gw.example');
  assert.is(withPassword?.exitCode, ExitCode.usage);
  assert.match(withPassword.message, /^--target: expected a URL without "user:password@"/);
  assert.not.match(withPassword.message, 'hunter2');
});

test('Envoy /stats text: counters parsed, histograms skipped, only tracked per-cluster counters kept', () => {
  const stats = parseEnvoyStats(
    `${OVERFLOW}: 4\ncluster.outbound|9080||productpage.default.svc.cluster.local.upstream_rq_time: P0(nan,1) P25(nan,2)\nhttp.8080.downstream_rq_total: 9\n`,
  );
  assert.equal(stats, { [OVERFLOW]: 4, 'http.8080.downstream_rq_total': 9 });
  assert.equal(selectGatewayStats(stats), { [OVERFLOW]: 4 });
});

test('kubeconfig like kubectl: KUBECONFIG list, --context, namespace from flag over context over "default"', async () => {
  const other = path.join(env.dir, 'other');
  fs.mkdirSync(other);
  const second = writeKubeconfig(other, 'http://127.0.0.1:1', 'shop');
  fs.writeFileSync(
    second,
    fs
      .readFileSync(second, 'utf8')
      .replaceAll('name: fake', 'name: prod')
      .replace('cluster: fake', 'cluster: prod')
      .replace('current-context: fake', 'current-context: prod'),
  );
  const env1 = { KUBECONFIG: [env.kubeconfig, second].join(path.delimiter) };
  const a = await loadConnection({ env: env1 });
  assert.equal([a.context, a.server, a.namespace], ['fake', env.fake.url, 'default']);
  const b = await loadConnection({ env: env1, context: 'prod' });
  assert.equal([b.context, b.server, b.namespace], ['prod', 'http://127.0.0.1:1', 'shop']);
  assert.is((await loadConnection({ env: env1, context: 'prod', namespace: 'payments' })).namespace, 'payments');
  const unknown = await loadConnection({ env: env1, context: 'nope' }).then(
    () => undefined,
    (e) => e as { exitCode: number; message: string },
  );
  assert.is(unknown?.exitCode, ExitCode.usage);
  assert.is(unknown?.message, '--context nope: no such context in the kubeconfig (known: fake, prod)');
  const none = await loadConnection({ env: { KUBECONFIG: path.join(env.dir, 'missing') } }).then(
    () => undefined,
    (e) => e as { exitCode: number; message: string },
  );
  assert.is(none?.exitCode, ExitCode.infra);
  assert.match(none!.message, 'no kubeconfig: none of the files in KUBECONFIG');
});

test('a kubeconfig that is not YAML: exit 3 naming file:line:col, and never echoing its lines (tokens, passwords)', async () => {
  const file = path.join(env.dir, 'broken-kubeconfig');
  fs.writeFileSync(
    file,
    'apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    token: SECRET-TOKEN-abc123\n    password: hunter2\n  bad: [unclosed\nclusters: []\n',
  );
  const err = await loadConnection({ kubeconfig: file }).then(
    () => undefined,
    (e) => e as { exitCode: number; message: string },
  );
  assert.is(err?.exitCode, ExitCode.infra);
  assert.is(
    err!.message,
    `kubeconfig ${file}:9:1: cannot be read: missed comma between flow collection entries (from --kubeconfig)`,
  );
  assert.not.match(err!.message, 'SECRET-TOKEN');
  assert.not.match(err!.message, 'hunter2');
});

test.run();
