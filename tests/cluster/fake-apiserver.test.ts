/**
 * Keeps the fake API server honest: the real kubectl drives it (client-side apply, server-side
 * apply, get -o yaml, delete) and gets the answers a real API server would give.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { setup, kubectl, mergePatchProductpage, PRE_EXISTING_VS, REPO, type Env } from './helpers.js';

let env: Env;
test.before(async () => {
  env = await setup();
});
test.after(async () => {
  await env.cleanup();
});

test('kubectl apply creates, get -o yaml shows server-managed metadata, a re-apply bumps generation and resourceVersion', async () => {
  const file = path.join(env.dir, 'vs.yaml');
  fs.writeFileSync(file, PRE_EXISTING_VS);
  const created = await kubectl(env, 'apply', '-f', file);
  assert.is(created.code, 0, created.stderr);
  assert.match(created.stdout, 'virtualservice.networking.istio.io/productpage created');
  const first = YAML.parse(
    (await kubectl(env, 'get', 'virtualservice', 'productpage', '-n', 'default', '-o', 'yaml')).stdout,
  );
  assert.is(first.metadata.generation, 1);
  assert.match(first.metadata.uid, /^[0-9a-f-]{36}$/);
  assert.ok(
    first.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'],
    'client-side apply records its last-applied annotation',
  );
  fs.writeFileSync(file, PRE_EXISTING_VS.replace('number: 9080', 'number: 9080\n    timeout: 2s'));
  const changed = await kubectl(env, 'apply', '-f', file);
  assert.match(changed.stdout, 'configured');
  const second = YAML.parse((await kubectl(env, 'get', 'vs', 'productpage', '-n', 'default', '-o', 'yaml')).stdout);
  assert.is(second.metadata.generation, 2);
  assert.is(second.metadata.uid, first.metadata.uid);
  assert.ok(Number(second.metadata.resourceVersion) > Number(first.metadata.resourceVersion));
  assert.is(second.spec.http[0].timeout, '2s');
  // a PATCH carrying a stale resourceVersion is refused like a real server does: 409
  const stale = await mergePatchProductpage(env, {
    metadata: { resourceVersion: first.metadata.resourceVersion },
    spec: { hosts: ['x'] },
  });
  assert.is(stale.code, 1);
  assert.match(
    stale.stderr,
    'the object has been modified; please apply your changes to the latest version and try again',
  );
});

test('kubectl server-side apply records manager ownership and removes fields the manager stops applying', async () => {
  const file = path.join(REPO, 'policies', 'connection-pool.yaml');
  const r = await kubectl(env, 'apply', '--server-side', '--field-manager', 'meshproof-test', '-f', file);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, 'serverside-applied');
  const withFields = YAML.parse(
    (await kubectl(env, 'get', 'dr', 'productpage', '-n', 'default', '-o', 'yaml', '--show-managed-fields')).stdout,
  );
  const mine = withFields.metadata.managedFields.find((m: { manager: string }) => m.manager === 'meshproof-test');
  assert.is(mine.operation, 'Apply');
  assert.ok(mine.fieldsV1['f:spec']['f:trafficPolicy']['f:connectionPool']['f:tcp']['f:maxConnections']);
  const smaller = path.join(env.dir, 'dr-smaller.yaml');
  fs.writeFileSync(smaller, fs.readFileSync(file, 'utf8').replace(/\n {6}http:\n {8}http1MaxPendingRequests: 1/, ''));
  await kubectl(env, 'apply', '--server-side', '--field-manager', 'meshproof-test', '-f', smaller);
  const after = YAML.parse((await kubectl(env, 'get', 'dr', 'productpage', '-n', 'default', '-o', 'yaml')).stdout);
  assert.equal(after.spec.trafficPolicy.connectionPool, { tcp: { maxConnections: 1 } });
  // another manager applying a conflicting value without --force-conflicts gets 409
  const other = path.join(env.dir, 'dr-other.yaml');
  fs.writeFileSync(other, fs.readFileSync(smaller, 'utf8').replace('maxConnections: 1', 'maxConnections: 7'));
  const conflict = await kubectl(env, 'apply', '--server-side', '--field-manager', 'someone-else', '-f', other);
  assert.is(conflict.code, 1);
  assert.match(
    conflict.stderr,
    'Apply failed with 1 conflict: conflict with "meshproof-test": .spec.trafficPolicy.connectionPool.tcp.maxConnections',
  );
  const dry = await kubectl(
    env,
    'apply',
    '--server-side',
    '--force-conflicts',
    '--dry-run=server',
    '--field-manager',
    'someone-else',
    '-f',
    other,
  );
  assert.is(dry.code, 0, dry.stderr);
  const still = YAML.parse((await kubectl(env, 'get', 'dr', 'productpage', '-n', 'default', '-o', 'yaml')).stdout);
  assert.is(still.spec.trafficPolicy.connectionPool.tcp.maxConnections, 1, 'server dry-run stores nothing');
});

test('kubectl: an undeclared field in a server-side apply is "Error from server: failed to create typed patch object"; a label keeps the applier\'s fields', async () => {
  if (!env.fake.crdsLoaded) return void console.log('  skipped: ../shared/data/istio-crds is absent');
  const bad = path.join(env.dir, 'dr-typo.yaml');
  fs.writeFileSync(
    bad,
    fs
      .readFileSync(path.join(REPO, 'policies', 'connection-pool.yaml'), 'utf8')
      .replace('maxConnections: 1', 'maxConnection: 1'),
  );
  const r = await kubectl(env, 'apply', '--server-side', '--field-manager', 'meshproof-test', '-f', bad);
  assert.is(r.code, 1);
  assert.match(
    r.stderr,
    'Error from server: failed to create typed patch object (default/productpage; networking.istio.io/v1, Kind=DestinationRule): .spec.trafficPolicy.connectionPool.tcp.maxConnection: field not declared in schema',
  );
  assert.is((await kubectl(env, 'label', 'dr', 'productpage', '-n', 'default', 'team=shop')).code, 0);
  const mf = YAML.parse(
    (await kubectl(env, 'get', 'dr', 'productpage', '-n', 'default', '-o', 'yaml', '--show-managed-fields')).stdout,
  ).metadata.managedFields;
  assert.equal(
    mf.map((m: { manager: string; operation: string }) => `${m.manager}/${m.operation}`),
    ['meshproof-test/Apply', 'kubectl-label/Update'],
  );
  assert.ok(mf[0].fieldsV1['f:spec']['f:trafficPolicy'], 'the applier keeps what the label did not touch');
});

test('kubectl delete removes the object and a later get answers NotFound', async () => {
  const del = await kubectl(env, 'delete', 'dr', 'productpage', '-n', 'default');
  assert.is(del.code, 0, del.stderr);
  const get = await kubectl(env, 'get', 'dr', 'productpage', '-n', 'default');
  assert.is(get.code, 1);
  assert.match(
    get.stderr,
    'Error from server (NotFound): destinationrules.networking.istio.io "productpage" not found',
  );
});

test('403 mode answers with the RBAC sentence kubectl prints', async () => {
  env.fake.mode = 'forbidden';
  env.fake.forbiddenVerbs = new Set(['list']);
  try {
    const r = await kubectl(env, 'get', 'dr', '-n', 'default');
    assert.is(r.code, 1);
    assert.match(
      r.stderr,
      'cannot list resource "destinationrules" in API group "networking.istio.io" in the namespace "default"',
    );
  } finally {
    env.fake.mode = 'normal';
    env.fake.forbiddenVerbs = undefined;
  }
});

test.run();
