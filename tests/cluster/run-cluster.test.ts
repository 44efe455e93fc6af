/**
 * `meshproof run` against a "cluster" end to end, as a user runs it: the real CLI in a child
 * process, the fake API server, two gateway replicas' admin servers behind the pod proxy, and
 * a loopback stand-in for the gateway's data plane. The run applies, verifies propagation,
 * measures, restores — and on SIGINT in the policy phase restores and exits 3.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import YAML from 'yaml';
import { Journal } from '../../src/cluster/journal.js';
import { ownership } from '../../src/cluster/objects.js';
import {
  setup,
  getYamlMasked,
  kubectl,
  mergePatchProductpage,
  writeKubeconfig,
  PRE_EXISTING_VS,
  REPO,
  type Env,
} from './helpers.js';
import { startFakeEnvoyAdmin, type FakeEnvoyAdmin } from './fake-envoy-admin.js';

let env: Env;
let admins: FakeEnvoyAdmin[] = [];
let gateway: http.Server;
let gatewayUrl: string;
/** requests the gateway stand-in answered: the load actually sent */
let gatewayHits = 0;
const children: ChildProcess[] = [];

test.before.each(async () => {
  env = await setup();
  env.fake.seed(YAML.parse(PRE_EXISTING_VS));
  admins = [];
  for (const name of ['gw-a', 'gw-b']) {
    const admin = await startFakeEnvoyAdmin(env.fake, 50);
    admins.push(admin);
    env.fake.pods.push({ name, namespace: 'istio-system', labels: { istio: 'ingressgateway' }, adminUrl: admin.url });
  }
  gatewayHits = 0;
  gateway = http.createServer((_, res) => {
    gatewayHits++;
    res.end('ok');
  });
  await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
  gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
});
test.after.each(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const a of admins) await a.close();
  gateway.closeAllConnections();
  await new Promise((r) => gateway.close(r));
  await env.cleanup();
});

function scenario(duration: string): string {
  const file = path.join(env.dir, 'scenario.yaml');
  fs.writeFileSync(
    file,
    `name: cluster-e2e
target: { path: /productpage }
load: { executor: constant-vus, vus: 2, duration: ${duration} }
warmup: 0s
policy:
  files: [${path.join(REPO, 'policies', 'route-timeout.yaml')}]
  propagationTimeout: 5s
expect:
  baseline: { http_req_failed: ["rate<0.5"] }
`,
  );
  return file;
}

/** `meshproof run` of the test scenario against the test gateway with the builtin engine. */
function runBuiltin(duration: string, out = path.join(env.dir, 'reports')): ReturnType<typeof meshproof> {
  return meshproof('run', scenario(duration), '--target', gatewayUrl, '--engine', 'builtin', '--out', out);
}

/** Until the run has applied the policy (the VirtualService's timeout is 0.5s); fails if it exits first. */
async function policyApplied(run: ReturnType<typeof meshproof>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (env.fake.get('virtualservices', 'default', 'productpage')?.spec.http[0].timeout !== '0.5s') {
    if (run.child.exitCode !== null || Date.now() > deadline)
      throw new Error(`the run never applied the policy: ${run.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The CLI as installed users run it, from the temp folder (journal and reports land there). */
function meshproof(...args: string[]): { child: ChildProcess; exited: Promise<number | null>; output: () => string } {
  const child = spawn(
    process.execPath,
    [path.join(REPO, 'node_modules/tsx/dist/cli.mjs'), path.join(REPO, 'src/cli/bin.ts'), ...args],
    {
      cwd: env.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, KUBECONFIG: env.kubeconfig, NO_COLOR: '1' },
    },
  );
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, exited: new Promise((r) => child.on('exit', (code) => r(code))), output: () => out };
}

test('run against the cluster applies, sees both replicas take the policy, measures, and leaves the VirtualService byte-identical', async () => {
  const before = await getYamlMasked(env, 'virtualservice', 'productpage');
  const run = runBuiltin('1s');
  const code = await run.exited;
  assert.ok(code === 0 || code === 4, `exit ${code}: ${run.output()}`);
  assert.match(run.output(), `target: --target ${gatewayUrl}`);
  assert.match(run.output(), 'gateway replicas: 2 (gw-a, gw-b)');
  // the replicas run Istio's default stats matcher: no per-cluster counter, said so rather than 0
  assert.match(run.output(), /upstream_rq_timeout\s+are\s+not\s+in\s+the\s+gateway's\s+\/stats\s+—\s+not\s+exposed/);
  assert.ok(
    env.fake.requests.some((r) => r.method === 'PATCH' && r.query.get('fieldManager') === 'meshproof'),
    'the policy was server-side applied',
  );
  assert.ok(
    admins.every((a) => a.reads >= 1),
    'both replicas were checked',
  );
  assert.is(await getYamlMasked(env, 'virtualservice', 'productpage'), before);
  const journals = new Journal(path.join(env.dir, 'reports', '.journal')).list();
  assert.is(journals.length, 1);
  assert.is(journals[0].state, 'done');
});

test('stock Istio and a Role with only "create" on pods/portforward: exit 3 with one sentence (no crash), objects restored', async () => {
  for (const p of env.fake.pods) p.adminLocalhostOnly = true;
  env.fake.portForwardVerbs = new Set(['create']);
  const before = await getYamlMasked(env, 'virtualservice', 'productpage');
  const run = runBuiltin('1s');
  assert.is(await run.exited, 3, run.output());
  assert.not.match(run.output(), 'internal error');
  assert.not.match(run.output(), 'ERR_UNHANDLED_ERROR');
  assert.match(
    run.output(),
    /port-forward to pod istio-system\/gw-[ab] \(Envoy admin port\) was refused with 403 Forbidden/,
  );
  assert.match(run.output(), 'checks the verb "get" on pods/portforward');
  assert.is(
    env.fake.requests.filter((r) => r.method === 'PATCH').length,
    0,
    'stopped at the first /stats read, before any apply',
  );
  assert.is(await getYamlMasked(env, 'virtualservice', 'productpage'), before);
});

test("done when (issue 11): after a run the VirtualService and its managedFields read back as before, and the owner's `kubectl apply --server-side` of a changed manifest succeeds without --force-conflicts", async () => {
  const manifest = path.join(env.dir, 'owner.yaml');
  fs.writeFileSync(manifest, PRE_EXISTING_VS);
  // the object is the GitOps controller's alone (the seeded kubectl-create owner would co-own it)
  assert.is((await kubectl(env, 'delete', 'vs', 'productpage', '-n', 'default')).code, 0);
  assert.is(
    (await kubectl(env, 'apply', '--server-side', '--field-manager', 'argocd-controller', '-f', manifest)).code,
    0,
  );
  const before = {
    yaml: await getYamlMasked(env, 'virtualservice', 'productpage'),
    owners: ownership(env.fake.get('virtualservices', 'default', 'productpage')),
  };
  const run = runBuiltin('1s');
  const code = await run.exited;
  assert.ok(code === 0 || code === 4, `exit ${code}: ${run.output()}`);
  assert.ok(
    env.fake.requests.some((r) => r.method === 'PATCH' && r.query.get('fieldManager') === 'meshproof'),
    'the policy was applied',
  );
  assert.is(await getYamlMasked(env, 'virtualservice', 'productpage'), before.yaml);
  assert.equal(ownership(env.fake.get('virtualservices', 'default', 'productpage')), before.owners);
  fs.writeFileSync(manifest, PRE_EXISTING_VS.replace('number: 9080', 'number: 9080\n    timeout: 3s'));
  const sync = await kubectl(env, 'apply', '--server-side', '--field-manager', 'argocd-controller', '-f', manifest);
  assert.is(sync.code, 0, sync.stderr);
});

test('a run whose policy apply meets two API Priority and Fairness 429s waits the 1 s Retry-After each time, passes, and leaves the VirtualService and its managedFields as before', async () => {
  const before = {
    yaml: await getYamlMasked(env, 'virtualservice', 'productpage'),
    owners: ownership(env.fake.get('virtualservices', 'default', 'productpage')),
  };
  // the first two PATCHes of the VirtualService get APF's 429, Retry-After: 1
  env.fake.busy({
    method: 'PATCH',
    path: /\/virtualservices\/productpage$/,
    times: 2,
    answer: { kind: 'apf', retryAfter: 1 },
  });
  const run = runBuiltin('1s');
  const code = await run.exited;
  assert.ok(code === 0 || code === 4, `exit ${code}: ${run.output()}`);
  env.fake.assertConsumed();
  const path429 = '/apis/networking.istio.io/v1/namespaces/default/virtualservices/productpage';
  assert.match(run.output(), `API server busy (429) on PATCH ${path429}: retrying in 1 s (retry 1 of 10)`);
  assert.match(run.output(), `API server busy (429) on PATCH ${path429}: retrying in 1 s (retry 2 of 10)`);
  const patches = env.fake.requests.filter((r) => r.method === 'PATCH' && r.path === path429).length;
  assert.is(patches, 3, 'the apply sent 3 times: two 429s, then served');
  assert.is(await getYamlMasked(env, 'virtualservice', 'productpage'), before.yaml);
  assert.equal(ownership(env.fake.get('virtualservices', 'default', 'productpage')), before.owners);
  assert.is(new Journal(path.join(env.dir, 'reports', '.journal')).list()[0].state, 'done');
});

test('done when (issue 11): a concurrent edit during the run makes it exit 3 without losing the edit (journal kept)', async () => {
  const run = runBuiltin('3s');
  await policyApplied(run);
  const edit = await mergePatchProductpage(env, { spec: { hosts: ['bookinfo.example.com', 'shop.example.com'] } });
  assert.is(edit.code, 0, edit.stderr);
  assert.is(await run.exited, 3, run.output());
  assert.match(
    run.output(),
    'someone else changed VirtualService default/productpage (changed by "kubectl-patch" (Update at',
  );
  assert.match(run.output(), 'spec.hosts[1]: before (unset) | meshproof applied (unset) | now "shop.example.com"');
  assert.equal(
    env.fake.get('virtualservices', 'default', 'productpage')!.spec.hosts,
    ['bookinfo.example.com', 'shop.example.com'],
    'the edit is kept',
  );
  assert.is(new Journal(path.join(env.dir, 'reports', '.journal')).listUnfinished().length, 1);
});

test('SIGINT during the policy phase of `meshproof run`: restored, exit 3', async () => {
  const before = await getYamlMasked(env, 'virtualservice', 'productpage');
  const run = runBuiltin('3s');
  await policyApplied(run);
  await new Promise((r) => setTimeout(r, 500)); // past propagation, into the measured policy phase
  run.child.kill('SIGINT');
  assert.is(await run.exited, 3, run.output());
  assert.is(await getYamlMasked(env, 'virtualservice', 'productpage'), before);
  assert.is(new Journal(path.join(env.dir, 'reports', '.journal')).listUnfinished().length, 0);
});

test('no right to patch: `meshproof run` exits 3 before any load, naming the verb (issue 13 item 9)', async () => {
  env.fake.mode = 'forbidden';
  env.fake.forbiddenVerbs = new Set(['patch']);
  const run = runBuiltin('1s');
  assert.is(await run.exited, 3, run.output());
  assert.match(
    run.output(),
    'would refuse to patch virtualservices.networking.istio.io in namespace "default" (server-side apply)',
  );
  assert.is(gatewayHits, 0, 'no request of the baseline was sent');
  assert.not.ok(env.fake.requests.some((r) => r.method === 'PATCH'));
});

test('a kubeconfig `server: http://TOKEN@host` keeps the token out of stderr, report.json/md/html/junit and the journal (issue 13 item 12)', async () => {
  const token = 's3cr3t-userinfo-token';
  writeKubeconfig(env.dir, env.fake.url.replace('http://', `http://${token}@`)); // overwrites env.kubeconfig
  const reports = path.join(env.dir, 'reports');
  const run = runBuiltin('1s', reports);
  const code = await run.exited;
  assert.ok(code === 0 || code === 4, `exit ${code}: ${run.output()}`);
  assert.match(run.output(), `cluster: context fake (${env.fake.url}), namespace default`);
  const files = fs
    .readdirSync(reports, { recursive: true, withFileTypes: true })
    .filter((f) => f.isFile())
    .map((f) => path.join(f.parentPath, f.name));
  const names = files.map((f) => path.basename(f)).sort();
  assert.equal(
    names,
    [
      'report.html',
      'report.json',
      'report.md',
      'junit.xml',
      `${new Journal(path.join(reports, '.journal')).list()[0].runId}.json`,
    ].sort(),
  );
  for (const f of files) assert.not.match(fs.readFileSync(f, 'utf8'), token, f);
  assert.not.match(run.output(), token);
  const journal = new Journal(path.join(reports, '.journal')).list()[0];
  assert.is(journal.cluster.server, env.fake.url);
  const report = JSON.parse(fs.readFileSync(files.find((f) => f.endsWith('report.json'))!, 'utf8'));
  assert.is(report.target.description, `cluster context fake (${env.fake.url}), namespace default`);
});

test('an unreachable `server: http://TOKEN@host`: the transport error on stderr names the host, not the token', async () => {
  const token = 's3cr3t-userinfo-token';
  const port = env.fake.port;
  await env.fake.close();
  writeKubeconfig(env.dir, `http://${token}@127.0.0.1:${port}`);
  const run = runBuiltin('1s');
  assert.is(await run.exited, 3, run.output());
  assert.match(run.output(), `cannot reach the Kubernetes API at http://127.0.0.1:${port}`);
  assert.not.match(run.output(), token);
  env.fake = await (await import('./fake-apiserver.js')).startFakeApiServer(); // cleanup closes it
});

test.run();
