/**
 * `meshproof run --dry-run` against the fake Kubernetes API server (tests/cluster): the
 * server validates the apply (dryRun=All), the plan is printed, nothing is stored, no load
 * is sent and no report is written.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import YAML from 'yaml';
import { runCli } from '../helpers/cli-capture.js';
import { setup, getYamlMasked, PRE_EXISTING_VS, REPO, type Env } from '../cluster/helpers.js';
import { startFakeEnvoyAdmin, type FakeEnvoyAdmin } from '../cluster/fake-envoy-admin.js';

let env: Env;
let admin: FakeEnvoyAdmin;
let gateway: http.Server;
let hits = 0;

test.before(async () => {
  env = await setup();
  env.fake.seed(YAML.parse(PRE_EXISTING_VS));
  admin = await startFakeEnvoyAdmin(env.fake, 0);
  env.fake.pods.push({
    name: 'gw-a',
    namespace: 'istio-system',
    labels: { istio: 'ingressgateway' },
    adminUrl: admin.url,
  });
  gateway = http.createServer((_, res) => (hits++, res.end('ok')));
  await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
});
test.after(async () => {
  await admin.close();
  gateway.closeAllConnections();
  await new Promise((r) => gateway.close(r));
  await env.cleanup();
});

test('run --dry-run: the server checks the apply, the plan is printed, nothing changes, no load, no report', async () => {
  const scenario = path.join(env.dir, 'dry.yaml');
  fs.writeFileSync(
    scenario,
    `name: dry
load: { executor: constant-vus, vus: 2, duration: 1s }
policy: { files: [${path.join(REPO, 'policies', 'route-timeout.yaml')}] }
expect: { policy: { cause_route_timeout: ["rate>=0.1"] } }
`,
  );
  const before = await getYamlMasked(env, 'virtualservice', 'productpage');
  const url = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
  const out = path.join(env.dir, 'reports');
  const { code, stderr, stdout } = await runCli([
    'run',
    scenario,
    '--target',
    url,
    '--kubeconfig',
    env.kubeconfig,
    '--dry-run',
    '--json',
    '--out',
    out,
  ]);
  assert.is(code, 0, stderr);
  assert.match(stderr, /dry run \(server accepted, nothing stored\): would change VirtualService default\/productpage/);
  assert.match(stderr.trimEnd().split('\n').at(-1)!, /^dry run of dry: nothing was changed and no load was sent$/);
  const json = JSON.parse(stdout) as { dryRun: boolean; plan: string[] };
  assert.is(json.dryRun, true);
  assert.is(json.plan.length, 1);
  assert.ok(
    env.fake.requests.some((r) => r.method === 'PATCH' && r.query.get('dryRun') === 'All'),
    'server-side dry run',
  );
  assert.is(await getYamlMasked(env, 'virtualservice', 'productpage'), before);
  assert.is(hits, 0, 'no load was sent');
  assert.is(fs.existsSync(out), false, 'no report folder');
});

test.run();
