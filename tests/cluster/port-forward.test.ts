/**
 * Reading a gateway replica's Envoy admin when the pod proxy is refused (issue 11 items 1, 5,
 * 6): the port-forward fallback, and what happens when the API server refuses the port-forward
 * upgrade itself with an HTTP status. Before the fix a refused upgrade crashed the process
 * (ERR_UNHANDLED_ERROR from a socket destroyed with an ErrorEvent and no 'error' listener).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { ApiException } from '@kubernetes/client-node';
import { explainApiError } from '../../src/cluster/errors.js';
import { README_CLUSTER_SECTION } from '../../src/cluster/resources.js';
import { AdminReader } from '../../src/cluster/gateway-pods.js';
import { loadConnection } from '../../src/cluster/kubeconfig.js';
import { MeshproofError } from '../../src/errors.js';
import { setup, REPO, type Env } from './helpers.js';
import { startFakeEnvoyAdmin, type FakeEnvoyAdmin } from './fake-envoy-admin.js';

let env: Env;
let admin: FakeEnvoyAdmin;

test.before.each(async () => {
  env = await setup();
  admin = await startFakeEnvoyAdmin(env.fake, 0);
  env.fake.pods.push({
    name: 'gw-a',
    namespace: 'istio-system',
    labels: { istio: 'ingressgateway' },
    adminUrl: admin.url,
    adminLocalhostOnly: true,
  });
});
test.after.each(async () => {
  await admin.close();
  await env.cleanup();
});

async function reader(): Promise<AdminReader> {
  return new AdminReader(await loadConnection({ kubeconfig: env.kubeconfig, env: {} }), 2_000);
}

async function refusal(p: Promise<unknown>): Promise<MeshproofError> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, MeshproofError);
    return err as MeshproofError;
  }
  throw new Error('expected the read to fail');
}

test('port-forward refused with 403 (only "create" granted): exit 3, one sentence naming the pod, the status and the verb "get"', async () => {
  env.fake.portForwardVerbs = new Set(['create']);
  const err = await refusal((await reader()).read({ name: 'gw-a', namespace: 'istio-system' }, 'config_dump'));
  assert.is(err.exitCode, 3);
  assert.match(err.message, 'port-forward to pod istio-system/gw-a');
  assert.match(err.message, '403 Forbidden');
  assert.match(err.message, 'checks the verb "get" on pods/portforward');
  assert.match(err.message, 'README section "Pointing it at a real cluster"');
  assert.match(err.message, 'the pod proxy was refused too');
  assert.is((err as { permanent?: boolean }).permanent, true);
  assert.ok(!err.message.includes('\n'), 'one sentence, no stack');
});

test('port-forward refused with 404 (the pod is gone by the time of the upgrade): exit 3 naming the pod and the status', async () => {
  // the pod proxy still reached the pod (503: admin on 127.0.0.1); then the pod went away
  env.fake.script({ method: 'GET', path: /\/proxy\//, status: 503 });
  env.fake.pods = [];
  const err = await refusal((await reader()).read({ name: 'gw-a', namespace: 'istio-system' }, 'config_dump'));
  env.fake.assertConsumed();
  assert.is(err.exitCode, 3);
  assert.match(err.message, 'port-forward to pod istio-system/gw-a (Envoy admin port) was refused with 404 Not Found');
});

test('pod proxy 400 "address not allowed" (pod IP not global unicast) falls back to port-forward', async () => {
  env.fake.pods[0].adminLocalhostOnly = false;
  env.fake.pods[0].podIP = '169.254.3.4';
  const dump = await (await reader()).read({ name: 'gw-a', namespace: 'istio-system' }, 'config_dump');
  assert.ok(dump && typeof dump === 'object', 'config_dump parsed');
  const proxied = env.fake.requests.filter((r) => r.path.includes('/proxy/'));
  const forwarded = env.fake.requests.filter((r) => r.path.endsWith('/portforward'));
  assert.is(proxied.length, 1);
  assert.is(forwarded.length, 1);
});

test('the fake answers like the real server: proxy 400 "address not allowed", upgrade refused with an HTTP status (not a reset)', async () => {
  env.fake.pods[0].podIP = '127.0.0.1';
  const proxy = await raw(`/api/v1/namespaces/istio-system/pods/gw-a:15000/proxy/stats`);
  assert.is(proxy.status, 400);
  assert.equal(JSON.parse(proxy.body), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'address not allowed',
    reason: 'BadRequest',
    code: 400,
  });
  env.fake.portForwardVerbs = new Set(['create']);
  const up = await raw('/api/v1/namespaces/istio-system/pods/gw-a/portforward?ports=15000', {
    connection: 'Upgrade',
    upgrade: 'websocket',
    'sec-websocket-version': '13',
    'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
  });
  assert.is(up.status, 403);
  assert.match(
    JSON.parse(up.body).message,
    'cannot get resource "pods/portforward" in API group "" in the namespace "istio-system"',
  );
  env.fake.portForwardVerbs = new Set(['get']);
  const missing = await raw('/api/v1/namespaces/istio-system/pods/nope/portforward?ports=15000', {
    connection: 'Upgrade',
    upgrade: 'websocket',
    'sec-websocket-version': '13',
    'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
  });
  assert.is(missing.status, 404);
});

test('README: the heading messages cite exists, and its Role grants get (and create) on pods/portforward', () => {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  assert.ok(readme.includes(`\n## ${README_CLUSTER_SECTION}\n`), `README has no heading "${README_CLUSTER_SECTION}"`);
  const rule = /resources: \["pods\/portforward"\]\n\s*verbs: (\[.*\])/.exec(readme);
  assert.ok(rule, 'the Role has a pods/portforward rule');
  assert.equal(JSON.parse(rule![1]).sort(), ['create', 'get']);
  const e = explainApiError(new ApiException(403, 'Forbidden', '{"message":"no"}', {}), {
    verb: 'patch',
    resource: 'destinationrules.networking.istio.io',
    server: 'x',
  });
  assert.match(e.message, `README section "${README_CLUSTER_SECTION}"`);
});

function raw(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${env.fake.url}${path}`, { headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('upgrade', () => reject(new Error('upgraded')));
    req.on('error', reject);
  });
}

test.run();
