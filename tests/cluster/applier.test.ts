/**
 * The cluster applier against the fake API server: apply and restore leave objects exactly as
 * they were (compared on `kubectl get -o yaml` with server-managed fields masked), dry run
 * stores nothing, 409 is retried, 403 names verb/resource/namespace, system namespaces are
 * refused, and the journal is written before each mutation.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { ClusterApplier } from '../../src/cluster/applier.js';
import { Journal } from '../../src/cluster/journal.js';
import { loadConnection } from '../../src/cluster/kubeconfig.js';
import { keyOf } from '../../src/ports.js';
import { ExitCode, MeshproofError } from '../../src/errors.js';
import { loadPolicyText } from '../../src/policy/load.js';
import { ConcurrentChangeError } from '../../src/cluster/concurrent.js';
import { ownership } from '../../src/cluster/objects.js';
import { setup, kubectl, getYamlMasked, policies, PRE_EXISTING_VS, type Env } from './helpers.js';

let env: Env;
test.before.each(async () => {
  env = await setup();
});
test.after.each(async () => {
  env.fake.assertConsumed();
  await env.cleanup();
});

async function applierFor(runId: string, extra: Partial<ConstructorParameters<typeof ClusterApplier>[0]> = {}) {
  const lines: string[] = [];
  const journal = new Journal(env.journalDir);
  const applier = new ClusterApplier({
    conn: await loadConnection({ kubeconfig: env.kubeconfig }),
    runId,
    journal,
    log: (l) => lines.push(l),
    ...extra,
  });
  return { applier, journal, lines };
}

async function seedVs(): Promise<void> {
  const file = path.join(env.dir, 'vs.yaml');
  fs.writeFileSync(file, PRE_EXISTING_VS);
  const r = await kubectl(env, 'apply', '-f', file);
  assert.is(r.code, 0, r.stderr);
}

test('apply then restore leaves a pre-existing VirtualService byte-identical (masked kubectl get -o yaml)', async () => {
  await seedVs();
  const before = await getYamlMasked(env, 'virtualservice', 'productpage');
  const docs = await policies('route-timeout.yaml');
  const { applier, journal } = await applierFor('run-pre');
  const snap = await applier.snapshot(docs.map((d) => keyOf(d, 'default')));
  await applier.apply(docs);
  const during = env.fake.get('virtualservices', 'default', 'productpage')!;
  assert.is(during.spec.http[0].timeout, '0.5s');
  assert.is(during.metadata.labels['meshproof.io/run-id'], 'run-pre');
  assert.ok(Date.parse(during.metadata.annotations['meshproof.io/expires-at']) > Date.now());
  assert.ok(
    during.metadata.managedFields.some(
      (m: { manager: string; operation: string }) => m.manager === 'meshproof' && m.operation === 'Apply',
    ),
  );
  assert.is(journal.read('run-pre')!.state, 'open');
  await applier.restore(snap);
  assert.is(await getYamlMasked(env, 'virtualservice', 'productpage'), before);
  assert.is(journal.read('run-pre')!.state, 'done');
  assert.equal(journal.listUnfinished(), []);
});

test('apply then restore of an object that did not exist deletes it again', async () => {
  const docs = await policies('connection-pool.yaml');
  const { applier } = await applierFor('run-absent');
  const snap = await applier.snapshot(docs.map((d) => keyOf(d, 'default')));
  assert.is(snap.entries[0].object, null);
  await applier.apply(docs);
  assert.ok(env.fake.get('destinationrules', 'default', 'productpage'));
  await applier.restore(snap);
  assert.match(await getYamlMasked(env, 'dr', 'productpage'), '<absent: Error from server (NotFound)');
  // restore is idempotent: a second one finds nothing to do and writes nothing
  const writes = env.fake.requests.filter((r) => r.method !== 'GET').length;
  await applier.restore(snap);
  assert.is(env.fake.requests.filter((r) => r.method !== 'GET').length, writes);
});

test('a pre-existing object deleted by someone during the run: exit 3, not re-created; `restore --force` re-creates it with content and managedFields', async () => {
  await seedVs();
  const before = await getYamlMasked(env, 'virtualservice', 'productpage');
  const owners = ownership(env.fake.get('virtualservices', 'default', 'productpage'));
  const docs = await policies('route-timeout.yaml');
  const { applier, journal } = await applierFor('run-recreate');
  const snap = await applier.snapshot(docs.map((d) => keyOf(d, 'default')));
  await applier.apply(docs);
  assert.is((await kubectl(env, 'delete', 'vs', 'productpage', '-n', 'default')).code, 0);
  try {
    await applier.restore(snap);
    assert.unreachable('restore must refuse');
  } catch (err) {
    assert.instance(err, ConcurrentChangeError);
    assert.is((err as MeshproofError).exitCode, ExitCode.infra);
    assert.match((err as Error).message, 'someone else changed VirtualService default/productpage (deleted)');
  }
  assert.is(env.fake.get('virtualservices', 'default', 'productpage'), undefined, 'the deletion is kept');
  const entry = journal.read('run-recreate')!;
  assert.is(entry.state, 'open');
  (await applierFor('run-recreate')).applier.restoreJournal(entry, true);
  assert.is(await getYamlMasked(env, 'virtualservice', 'productpage'), before);
  assert.equal(ownership(env.fake.get('virtualservices', 'default', 'productpage')), owners);
});

test('objects apply() had to snapshot itself (keys the caller did not name) are restored too', async () => {
  const docs = await policies('connection-pool.yaml');
  const { applier } = await applierFor('run-unnamed');
  const snap = await applier.snapshot([]);
  await applier.apply(docs);
  assert.ok(env.fake.get('destinationrules', 'default', 'productpage'));
  await applier.restore(snap);
  assert.is(env.fake.get('destinationrules', 'default', 'productpage'), undefined);
});

test('dry run validates on the server (dryRun=All), prints the plan and mutates nothing', async () => {
  await seedVs();
  const before = await getYamlMasked(env, 'virtualservice', 'productpage');
  const seeded = env.fake.requests.length;
  const docs = await policies('route-timeout.yaml', 'connection-pool.yaml');
  const { applier, journal, lines } = await applierFor('run-dry', { dryRun: true });
  const snap = await applier.snapshot(docs.map((d) => keyOf(d, 'default')));
  await applier.apply(docs);
  await applier.restore(snap);
  const ours = env.fake.requests.slice(seeded);
  const patches = ours.filter((r) => r.method === 'PATCH');
  assert.is(patches.length, 2);
  assert.ok(patches.every((p) => p.query.get('dryRun') === 'All' && p.contentType === 'application/apply-patch+yaml'));
  assert.is(ours.filter((r) => !['GET', 'PATCH'].includes(r.method)).length, 0);
  assert.is(await getYamlMasked(env, 'virtualservice', 'productpage'), before);
  assert.is(env.fake.get('destinationrules', 'default', 'productpage'), undefined);
  assert.is(lines.length, 2);
  assert.match(lines[0], 'would change VirtualService default/productpage');
  assert.match(lines[0], 'spec.http[0].timeout: (unset) → "0.5s"');
  assert.match(lines[1], 'would create DestinationRule default/productpage');
  assert.equal(journal.list(), [], 'a dry run writes no journal');
});

test('a 409 during restore (someone wrote in between) is re-read and retried', async () => {
  await seedVs();
  const before = await getYamlMasked(env, 'virtualservice', 'productpage');
  const docs = await policies('route-timeout.yaml');
  const { applier } = await applierFor('run-409');
  const snap = await applier.snapshot(docs.map((d) => keyOf(d, 'default')));
  await applier.apply(docs);
  env.fake.script({ method: 'PUT', path: /virtualservices\/productpage$/, status: 409 });
  await applier.restore(snap);
  // the refused PUT, then the content PUT and the managedFields PUT
  assert.is(env.fake.requests.filter((r) => r.method === 'PUT').length, 3);
  assert.is(await getYamlMasked(env, 'virtualservice', 'productpage'), before);
});

test('an object deleted between the re-read and the apply: the storage\'s 500 "resourceVersion should not be set on objects to be created" is a concurrent change (re-read, exit 3 naming it), not a server fault', async () => {
  await seedVs();
  const docs = await policies('route-timeout.yaml');
  const { applier } = await applierFor('run-vanish');
  await applier.snapshot(docs.map((d) => keyOf(d, 'default')));
  // someone's kubectl delete lands after the applier's GET and before its PATCH
  let deleted = 0;
  env.fake.handlers.push((req, _res, url) => {
    if (deleted === 0 && req.method === 'PATCH' && url.pathname.endsWith('/virtualservices/productpage')) {
      deleted++;
      env.fake.remove('virtualservices', 'default', 'productpage');
    }
    return false;
  });
  const err = await applier.apply(docs).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.is(deleted, 1);
  // before: InfraError "the Kubernetes API answered 500 to patch virtualservices…"
  assert.instance(err, ConcurrentChangeError, String(err));
  assert.is((err as MeshproofError).exitCode, ExitCode.infra);
  assert.match((err as Error).message, 'VirtualService default/productpage (deleted)');
  assert.is(env.fake.get('virtualservices', 'default', 'productpage'), undefined, 'not re-created by the apply');
});

test('an undeclared field or a wrong type: the server\'s 500 "failed to create typed patch object" is exit 2 at the field\'s file:line:col', async () => {
  if (!env.fake.crdsLoaded)
    return void console.log(
      '  skipped: ../shared/data/istio-crds is absent, the fake has no CRD schema to check against',
    );
  const docs = loadPolicyText(
    'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: productpage\nspec:\n  host: productpage\n  trafficPolicy:\n    connectionPool:\n      tcp:\n        maxConnection: 1\n',
    'policies/typo.yaml',
  );
  for (const dryRun of [true, false]) {
    const err = await (await applierFor(`run-typo-${dryRun}`, { dryRun })).applier.apply(docs).then(
      () => undefined,
      (e) => e,
    );
    assert.is(err?.exitCode, ExitCode.usage, err?.message);
    assert.is(
      err.message,
      'policies/typo.yaml:10:9: the cluster\'s schema for destinationrules.networking.istio.io "productpage" rejects .spec.trafficPolicy.connectionPool.tcp.maxConnection (field not declared in schema)',
    );
  }
  const wrongType = loadPolicyText(
    'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: productpage\nspec:\n  host: productpage\n  trafficPolicy:\n    connectionPool:\n      tcp:\n        maxConnections: many\n',
    'policies/type.yaml',
  );
  const err = await (await applierFor('run-typo-false')).applier.apply(wrongType).then(
    () => undefined,
    (e) => e,
  );
  assert.is(err?.exitCode, ExitCode.usage, err?.message);
  assert.match(err.message, 'policies/type.yaml:10:9: ');
  assert.match(
    err.message,
    'rejects .spec.trafficPolicy.connectionPool.tcp.maxConnections (expected numeric (int or float), got string)',
  );
  assert.is(env.fake.get('destinationrules', 'default', 'productpage'), undefined, 'nothing stored');
});

test('403 on apply is exit 3 naming the verb, the resource and the namespace', async () => {
  const docs = await policies('connection-pool.yaml');
  const { applier } = await applierFor('run-403');
  await applier.snapshot(docs.map((d) => keyOf(d, 'default')));
  env.fake.mode = 'forbidden';
  env.fake.forbiddenVerbs = new Set(['patch']);
  const err = await applier.apply(docs).then(
    () => undefined,
    (e) => e,
  );
  assert.instance(err, MeshproofError);
  assert.is(err.exitCode, ExitCode.infra);
  assert.match(
    err.message,
    'forbidden: the Kubernetes API refused to patch destinationrules.networking.istio.io "productpage" in namespace "default"',
  );
});

test('system namespaces are refused unless allowSystemNamespaces (exit 2, naming the file)', async () => {
  const docs = loadPolicyText(
    'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: gw\n  namespace: istio-system\nspec:\n  host: istio-ingressgateway\n',
    'policies/gw.yaml',
  );
  const { applier } = await applierFor('run-sys');
  const err = await applier.apply(docs).then(
    () => undefined,
    (e) => e,
  );
  assert.is(err?.exitCode, ExitCode.usage);
  assert.match(
    err.message,
    'policies/gw.yaml:1:1: refusing to change DestinationRule istio-system/gw: istio-system is a system namespace',
  );
  assert.is(env.fake.requests.filter((r) => r.method !== 'GET').length, 0);
  const allowed = (await applierFor('run-sys2', { allowSystemNamespaces: true })).applier;
  await allowed.apply(docs);
  assert.ok(env.fake.get('destinationrules', 'istio-system', 'gw'));
});

test('an object outside the run\'s namespace is refused unless allowOtherNamespaces (exit 2, naming the file; design.md "Safety rules")', async () => {
  const docs = loadPolicyText(
    'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: ratings\n  namespace: payments\nspec:\n  host: ratings\n',
    'policies/other.yaml',
  );
  const { applier } = await applierFor('run-other');
  assert.is(applier.opts.conn.namespace, 'default');
  const err = await applier.apply(docs).then(
    () => undefined,
    (e) => e,
  );
  assert.is(err?.exitCode, ExitCode.usage);
  assert.is(
    err.message,
    "policies/other.yaml:1:1: refusing to change DestinationRule payments/ratings: it is outside the run's namespace default (from --namespace, policy.namespace or the kubeconfig context); pass --namespace payments, or --allow-other-namespaces if the run really spans namespaces",
  );
  assert.is(env.fake.requests.filter((r) => r.method !== 'GET').length, 0);
  assert.is(env.fake.get('destinationrules', 'payments', 'ratings'), undefined);
  const allowed = (await applierFor('run-other2', { allowOtherNamespaces: true })).applier;
  // a namespace the cluster does not have: NamespaceLifecycle's 404 is the policy's error
  const missing = await allowed.apply(docs).then(
    () => undefined,
    (e) => e,
  );
  assert.is(missing?.exitCode, ExitCode.usage, missing?.message);
  assert.is(
    missing.message,
    'policies/other.yaml:1:1: the cluster rejected destinationrules.networking.istio.io "ratings": namespaces "payments" not found',
  );
  env.fake.namespaces.push('payments');
  await allowed.apply(docs);
  assert.ok(env.fake.get('destinationrules', 'payments', 'ratings'));
});

test('the journal holds the snapshot and the intent before the server sees the mutation', async () => {
  await seedVs();
  const docs = await policies('route-timeout.yaml');
  const { applier } = await applierFor('run-journal');
  await applier.snapshot(docs.map((d) => keyOf(d, 'default')));
  let journalAtPatch: any;
  env.fake.events.once('change', () => {
    journalAtPatch = JSON.parse(fs.readFileSync(path.join(env.journalDir, 'run-journal.json'), 'utf8'));
  });
  await applier.apply(docs);
  assert.is(journalAtPatch.intents.length, 1);
  assert.equal(journalAtPatch.intents[0].key, { kind: 'VirtualService', namespace: 'default', name: 'productpage' });
  assert.is(journalAtPatch.snapshot.entries[0].object.metadata.annotations.owner, 'team-shop');
  assert.is(journalAtPatch.cluster.server, env.fake.url);
});

test.run();
