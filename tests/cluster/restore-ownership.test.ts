/**
 * Issue 11 items 2, 3 and 4 against the fake API server (whose managedFields bookkeeping
 * follows structured-merge-diff, src/kube-api/managed-fields.ts):
 *  - restore puts field ownership back: after apply + restore the managedFields read back as
 *    snapshotted (timestamps aside) and the owner's next `kubectl apply --server-side` of a
 *    changed manifest succeeds without --force-conflicts;
 *  - a change by someone else during the run is detected, attributed from managedFields,
 *    printed as a three-way difference, and not overwritten (exit 3, journal kept) unless
 *    `meshproof restore --force`;
 *  - a cluster serving only v1alpha3/v1beta1 (Istio < 1.22) gets bodies of the served version.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { ClusterApplier } from '../../src/cluster/applier.js';
import { ConcurrentChangeError } from '../../src/cluster/concurrent.js';
import { Journal } from '../../src/cluster/journal.js';
import { loadConnection } from '../../src/cluster/kubeconfig.js';
import { ownership } from '../../src/cluster/objects.js';
import { restoreFromJournals } from '../../src/cluster/restore.js';
import { keyOf } from '../../src/ports.js';
import { ExitCode } from '../../src/errors.js';
import { startFakeApiServer } from './fake-apiserver.js';
import {
  setup,
  kubectl,
  mergePatchProductpage,
  getYamlMasked,
  policies,
  writeKubeconfig,
  PRE_EXISTING_VS,
  type Env,
} from './helpers.js';

let env: Env;
test.before.each(async () => {
  env = await setup();
});
test.after.each(async () => {
  await env.cleanup();
});

async function applierFor(runId: string) {
  const journal = new Journal(env.journalDir);
  return {
    applier: new ClusterApplier({
      conn: await loadConnection({ kubeconfig: env.kubeconfig }),
      runId,
      journal,
      log: () => {},
    }),
    journal,
  };
}

/** alice owns the VirtualService by server-side apply, as a GitOps controller would. */
async function aliceApplies(manifest = PRE_EXISTING_VS, ...flags: string[]): Promise<{ code: number; stderr: string }> {
  const file = path.join(env.dir, 'alice.yaml');
  fs.writeFileSync(file, manifest);
  return kubectl(env, 'apply', '--server-side', '--field-manager', 'alice', ...flags, '-f', file);
}

async function runOnce(runId: string) {
  const docs = await policies('route-timeout.yaml');
  const { applier, journal } = await applierFor(runId);
  const snap = await applier.snapshot(docs.map((d) => keyOf(d, 'default')));
  await applier.apply(docs);
  return { applier, journal, snap, docs };
}

const vs = () => env.fake.get('virtualservices', 'default', 'productpage')!;

test('item 2: after apply + restore, managedFields read back as snapshotted and the owner re-applies a changed manifest without --force-conflicts', async () => {
  assert.is((await aliceApplies()).code, 0);
  assert.is((await kubectl(env, 'label', 'vs', 'productpage', 'team=shop')).code, 0); // a second manager, Update
  const before = { yaml: await getYamlMasked(env, 'virtualservice', 'productpage'), owners: ownership(vs()) };
  assert.equal(
    vs().metadata.managedFields.map((m: { manager: string; operation: string }) => `${m.manager}/${m.operation}`),
    ['alice/Apply', 'kubectl-label/Update'],
  );
  const { applier, snap } = await runOnce('run-owners');
  // while applied, meshproof forced spec.http away from alice
  assert.ok(vs().metadata.managedFields.some((m: { manager: string }) => m.manager === 'meshproof'));
  await applier.restore(snap);
  assert.is(await getYamlMasked(env, 'virtualservice', 'productpage'), before.yaml);
  assert.equal(ownership(vs()), before.owners);
  assert.not.ok(
    vs().metadata.managedFields.some((m: { manager: string }) => m.manager === 'meshproof'),
    'no meshproof entry is left',
  );
  // the owner's next sync changes a field meshproof had forced: no conflict
  const r = await aliceApplies(PRE_EXISTING_VS.replace('number: 9080', 'number: 9080\n    timeout: 3s'));
  assert.is(r.code, 0, r.stderr);
  assert.is(vs().spec.http[0].timeout, '3s');
});

test('item 3: a label added by someone else during the run: restore refuses (exit 3) naming "kubectl-label", prints before/applied/now, keeps the edit and the journal; --force restores', async () => {
  assert.is((await aliceApplies()).code, 0);
  const before = { yaml: await getYamlMasked(env, 'virtualservice', 'productpage'), owners: ownership(vs()) };
  const { applier, journal, snap } = await runOnce('run-concurrent');
  assert.is((await kubectl(env, 'label', 'vs', 'productpage', 'oncall=bob')).code, 0);
  let message = '';
  try {
    await applier.restore(snap);
    assert.unreachable('restore must refuse');
  } catch (err) {
    assert.instance(err, ConcurrentChangeError);
    assert.is((err as ConcurrentChangeError).exitCode, ExitCode.infra);
    message = (err as Error).message;
  }
  assert.match(
    message,
    'someone else changed VirtualService default/productpage (changed by "kubectl-label" (Update at ',
  );
  assert.match(message, 'metadata.labels.oncall: before (unset) | meshproof applied (unset) | now "bob"');
  assert.match(message, 'spec.http[0].timeout: before (unset) | meshproof applied "0.5s" | now "0.5s"');
  assert.match(message, '`meshproof restore --run run-concurrent --force`');
  assert.is(vs().metadata.labels.oncall, 'bob', 'the edit is kept');
  assert.is(vs().spec.http[0].timeout, '0.5s', 'nothing was written over it');
  assert.is(journal.read('run-concurrent')!.state, 'open');
  // `meshproof restore` without --force refuses again; with --force it restores exactly
  const refused = await restoreFromJournals({ journalDir: env.journalDir, kubeconfig: env.kubeconfig, env: {} });
  assert.is(refused.exitCode, ExitCode.infra);
  assert.match(refused.failed[0].message, 'kubectl-label');
  const forced = await restoreFromJournals({
    journalDir: env.journalDir,
    kubeconfig: env.kubeconfig,
    env: {},
    force: true,
  });
  assert.is(forced.exitCode, ExitCode.ok, JSON.stringify(forced.failed));
  assert.is(await getYamlMasked(env, 'virtualservice', 'productpage'), before.yaml);
  assert.equal(ownership(vs()), before.owners);
  assert.is(journal.read('run-concurrent')!.state, 'done');
});

test('item 3: another manager\'s forced apply during the run is attributed to it ("bob", Apply)', async () => {
  assert.is((await aliceApplies()).code, 0);
  const { applier, snap } = await runOnce('run-bob');
  const file = path.join(env.dir, 'bob.yaml');
  fs.writeFileSync(file, PRE_EXISTING_VS.replace('number: 9080', 'number: 9080\n    timeout: 9s'));
  assert.is(
    (await kubectl(env, 'apply', '--server-side', '--force-conflicts', '--field-manager', 'bob', '-f', file)).code,
    0,
  );
  const err = await applier.restore(snap).then(
    () => undefined,
    (e: Error) => e,
  );
  assert.instance(err, ConcurrentChangeError);
  assert.match(err!.message, 'changed by "bob" (Apply at ');
  assert.match(err!.message, 'spec.http[0].timeout: before (unset) | meshproof applied "0.5s" | now "9s"');
  assert.is(vs().spec.http[0].timeout, '9s');
});

test('item 3: a change between an alternate restore and the next apply (A B B A) stops the re-apply', async () => {
  assert.is((await aliceApplies()).code, 0);
  const { applier, snap, docs } = await runOnce('run-reapply');
  await applier.restore(snap);
  assert.is((await mergePatchProductpage(env, { spec: { hosts: ['other.example.com'] } })).code, 0);
  const err = await applier.apply(docs).then(
    () => undefined,
    (e: Error) => e,
  );
  assert.instance(err, ConcurrentChangeError);
  assert.match(err!.message, 'changed by "kubectl-patch" (Update');
  assert.match(err!.message, 'not applied again');
  assert.equal(vs().spec.hosts, ['other.example.com']);
});

test("item 3, no false alarm: istiod writing status between restore's content PUT and its managedFields PUT (a 409 for the second) is not someone else's change", async () => {
  assert.is((await aliceApplies()).code, 0);
  const owners = ownership(vs());
  const { applier, journal, snap } = await runOnce('run-status');
  let wroteStatus = false;
  env.fake.events.on('change', (plural: string) => {
    // right after the restore's first PUT is stored, before its answer reaches meshproof
    if (wroteStatus || plural !== 'virtualservices' || env.fake.requests.at(-1)?.method !== 'PUT') return;
    wroteStatus = true;
    env.fake.writeStatus('virtualservices', 'default', 'productpage', {
      observedGeneration: 3,
      validationMessages: [],
    });
  });
  await applier.restore(snap);
  assert.ok(wroteStatus);
  const puts = env.fake.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/virtualservices/productpage'));
  assert.is(
    puts.length,
    3,
    'content PUT, managedFields PUT refused 409 (stale resourceVersion), managedFields PUT again',
  );
  assert.equal(ownership(vs()), owners);
  assert.is(vs().spec.http[0].timeout, undefined);
  assert.is(vs().status.observedGeneration, 3, "istiod's status stays");
  assert.ok(
    vs().metadata.managedFields.some(
      (m: { manager: string; subresource?: string }) => m.manager === 'pilot-discovery' && m.subresource === 'status',
    ),
  );
  assert.is(journal.read('run-status')!.state, 'done');
});

test('item 3: a DestinationRule meshproof created, deleted by someone else during the run: the run is void (exit 3, "deleted"), nothing to restore, journal closed', async () => {
  const docs = await policies('connection-pool.yaml');
  const { applier, journal } = await applierFor('run-deleted');
  const snap = await applier.snapshot(docs.map((d) => keyOf(d, 'default')));
  assert.is(snap.entries[0].object, null, 'it did not exist before');
  await applier.apply(docs);
  assert.is((await kubectl(env, 'delete', 'destinationrule', 'productpage')).code, 0);
  const err = await applier.restore(snap).then(
    () => undefined,
    (e: Error) => e,
  );
  assert.instance(err, ConcurrentChangeError);
  assert.is((err as ConcurrentChangeError).exitCode, ExitCode.infra);
  assert.match(err!.message, 'someone else changed DestinationRule default/productpage (deleted)');
  assert.match(err!.message, 'nothing was restored over it; journal closed');
  assert.match(err!.message, 'the object: now deleted');
  assert.is(env.fake.get('destinationrules', 'default', 'productpage'), undefined);
  assert.is(journal.read('run-deleted')!.state, 'done');
});

test('item 3: a label added during the first baseline phase (after the snapshot, before the apply) stops the apply and survives the restore', async () => {
  assert.is((await aliceApplies()).code, 0);
  const docs = await policies('route-timeout.yaml');
  const { applier, journal } = await applierFor('run-baseline-edit');
  const snap = await applier.snapshot(docs.map((d) => keyOf(d, 'default')));
  assert.is((await kubectl(env, 'label', 'vs', 'productpage', 'oncall=bob')).code, 0);
  const err = await applier.apply(docs).then(
    () => undefined,
    (e: Error) => e,
  );
  assert.instance(err, ConcurrentChangeError);
  assert.match(
    err!.message,
    'someone else changed VirtualService default/productpage (changed by "kubectl-label" (Update at ',
  );
  assert.match(err!.message, 'after run run-baseline-edit took its snapshot');
  assert.match(err!.message, 'metadata.labels.oncall: before (unset) | now "bob"');
  assert.is(vs().spec.http[0].timeout, undefined, 'nothing applied');
  // the orchestrator's final restore after the failed apply: nothing of ours to undo
  await applier.restore(snap);
  assert.is(vs().metadata.labels.oncall, 'bob', 'the edit is kept');
  assert.is(journal.read('run-baseline-edit')!.state, 'done');
  assert.equal(journal.listUnfinished(), []);
});

test('replay after a crash between restore\'s content PUT and its journal record: the "meshproof" Update is taken as ours, ownership comes back', async () => {
  assert.is((await aliceApplies()).code, 0);
  const before = { yaml: await getYamlMasked(env, 'virtualservice', 'productpage'), owners: ownership(vs()) };
  const { applier, journal, snap } = await runOnce('run-crash-put');
  // what restoreAs's content PUT does, with the process killed before recordApplied
  const key = snap.entries[0].key;
  journal.recordIntent('run-crash-put', 'restore', key);
  const live = vs();
  const content = YAML.parse(PRE_EXISTING_VS);
  await applier.api.replace(key, {
    ...content,
    metadata: { ...content.metadata, namespace: 'default', resourceVersion: live.metadata.resourceVersion },
  });
  assert.ok(
    vs().metadata.managedFields.some(
      (m: { manager: string; operation: string }) => m.manager === 'meshproof' && m.operation === 'Update',
    ),
  );
  const replay = await restoreFromJournals({ journalDir: env.journalDir, kubeconfig: env.kubeconfig, env: {} });
  assert.is(replay.exitCode, ExitCode.ok, JSON.stringify(replay.failed));
  assert.is(await getYamlMasked(env, 'virtualservice', 'productpage'), before.yaml);
  assert.equal(ownership(vs()), before.owners);
});

test("item 3: a label added between restore's read and its delete of the object meshproof created: the delete is conditional (409), the edit is kept and reported", async () => {
  const docs = await policies('connection-pool.yaml');
  const { applier, journal } = await applierFor('run-delete-race');
  const snap = await applier.snapshot(docs.map((d) => keyOf(d, 'default')));
  await applier.apply(docs);
  const del = applier.api.delete.bind(applier.api);
  let raced = false;
  applier.api.delete = async (key, rv) => {
    if (!raced) {
      raced = true;
      assert.is((await kubectl(env, 'label', 'destinationrule', 'productpage', 'oncall=bob')).code, 0);
    }
    return del(key, rv);
  };
  const err = await applier.restore(snap).then(
    () => undefined,
    (e: Error) => e,
  );
  assert.instance(err, ConcurrentChangeError);
  assert.match(err!.message, 'changed by "kubectl-label"');
  assert.is(
    env.fake.get('destinationrules', 'default', 'productpage')!.metadata.labels.oncall,
    'bob',
    'not deleted over the edit',
  );
  assert.is(journal.read('run-delete-race')!.state, 'open');
});

test("item 3: a label added between apply's check and its server-side apply: the apply carries the resourceVersion it checked (409), so the change stops the run and survives the restore", async () => {
  assert.is((await aliceApplies()).code, 0);
  const docs = await policies('route-timeout.yaml');
  const { applier } = await applierFor('run-apply-race');
  const snap = await applier.snapshot(docs.map((d) => keyOf(d, 'default')));
  const apply = applier.api.apply.bind(applier.api);
  let raced = false;
  applier.api.apply = async (key, body, opts) => {
    if (!raced) {
      raced = true;
      assert.is((await kubectl(env, 'label', 'vs', 'productpage', 'oncall=bob')).code, 0);
    }
    return apply(key, body, opts);
  };
  const err = await applier.apply(docs).then(
    () => undefined,
    (e: Error) => e,
  );
  assert.instance(err, ConcurrentChangeError);
  assert.match(err!.message, 'changed by "kubectl-label"');
  await applier.restore(snap);
  assert.is(vs().metadata.labels.oncall, 'bob', 'the edit is kept');
  assert.is(vs().spec.http[0].timeout, undefined);
});

test('item 3: a pre-existing VirtualService deleted during the run: restore refuses ("deleted"); --force re-creates it with its content and managedFields and says so', async () => {
  assert.is((await aliceApplies()).code, 0);
  const before = {
    yaml: await getYamlMasked(env, 'virtualservice', 'productpage'),
    owners: ownership(vs()),
    uid: vs().metadata.uid,
  };
  const { applier, snap } = await runOnce('run-vs-deleted');
  assert.is((await kubectl(env, 'delete', 'virtualservice', 'productpage')).code, 0);
  const err = await applier.restore(snap).then(
    () => undefined,
    (e: Error) => e,
  );
  assert.instance(err, ConcurrentChangeError);
  assert.match(err!.message, 'someone else changed VirtualService default/productpage (deleted)');
  assert.is(env.fake.get('virtualservices', 'default', 'productpage'), undefined, 'not re-created without --force');
  const lines: string[] = [];
  const forced = await restoreFromJournals({
    journalDir: env.journalDir,
    kubeconfig: env.kubeconfig,
    env: {},
    force: true,
    log: (l) => lines.push(l),
  });
  assert.is(forced.exitCode, ExitCode.ok, JSON.stringify(forced.failed));
  assert.ok(
    lines.some((l) =>
      l.startsWith('restore: re-created VirtualService default/productpage as snapshotted (it had been deleted)'),
    ),
    lines.join('\n'),
  );
  assert.is(await getYamlMasked(env, 'virtualservice', 'productpage'), before.yaml);
  assert.equal(ownership(vs()), before.owners);
  assert.is.not(vs().metadata.uid, before.uid);
});

test('item 4: Istio before 1.22 (v1alpha3/v1beta1 only): the v1 policy goes out as a v1beta1 body, and restores', async () => {
  const fake = await startFakeApiServer({ istio: 'pre-1.22' });
  const kubeconfig = writeKubeconfig(fs.mkdtempSync(path.join(env.dir, 'old-')), fake.url);
  try {
    assert.equal(fake.servedVersions, ['v1beta1', 'v1alpha3']);
    fake.seed(YAML.parse(PRE_EXISTING_VS.replace('networking.istio.io/v1', 'networking.istio.io/v1beta1')));
    const docs = await policies('route-timeout.yaml', 'connection-pool.yaml');
    assert.ok(docs.every((d) => d.object.apiVersion === 'networking.istio.io/v1'));
    const applier = new ClusterApplier({
      conn: await loadConnection({ kubeconfig }),
      runId: 'run-old',
      journal: new Journal(env.journalDir),
      log: () => {},
    });
    const snap = await applier.snapshot(docs.map((d) => keyOf(d, 'default')));
    await applier.apply(docs);
    const patches = fake.requests.filter((r) => r.method === 'PATCH');
    assert.is(patches.length, 2);
    assert.ok(
      patches.every((r) => r.path.startsWith('/apis/networking.istio.io/v1beta1/')),
      patches.map((r) => r.path).join(' '),
    );
    assert.is(fake.get('virtualservices', 'default', 'productpage')!.spec.http[0].timeout, '0.5s');
    assert.is(
      fake.get('destinationrules', 'default', 'productpage')!.metadata.managedFields[0].apiVersion,
      'networking.istio.io/v1beta1',
    );
    await applier.restore(snap);
    assert.is(fake.get('destinationrules', 'default', 'productpage'), undefined);
    assert.is(fake.get('virtualservices', 'default', 'productpage')!.spec.http[0].timeout, undefined);
  } finally {
    await fake.close();
  }
});

test.run();
