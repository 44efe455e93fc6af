// `meshproof restore` after an `--engine k6-operator` run was killed (issue 17b item 1): it
// deletes the ConfigMap and TestRun the run created — only those, judged by the uid the
// journal recorded (or the run's label when the crash came before that record), deleted with
// uid/resourceVersion preconditions — closes the journal, and is idempotent. A same-named
// TestRun someone else made is left in place: exit 3 naming who made it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { K8sOperatorApi } from '../../src/cluster/k6-operator-api.js';
import { loadConnection } from '../../src/cluster/kubeconfig.js';
import { ExitCode } from '../../src/errors.js';
import { CreatedJournal, type CreatedEntry } from '../../src/load/k6-operator/created.js';
import { configMapObject, testRunObject } from '../../src/load/k6-operator/objects.js';
import { ensureBundle, FAKE_K6 } from '../load/helpers/bundle.js';
import { installK6Operator, type FakeK6Operator } from './fake-apiserver-k6.js';
import { setup, startFixture, type Env } from './helpers.js';
import { restoreIn } from './restore-cli.js';

const script = ensureBundle();
let env: Env;
let op: FakeK6Operator;
const children: ChildProcess[] = [];

test.before.each(async () => {
  env = await setup();
  const k6env = { ...process.env, FAKE_K6_UNTIL_SIGINT: '1' };
  op = installK6Operator(env.fake, FAKE_K6, k6env);
});
test.after.each(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await op.close();
  await env.cleanup();
});

const journalFile = (name: string) => path.join(env.journalDir, `${name}.k6-operator.json`);
const readJournal = (name: string) => JSON.parse(fs.readFileSync(journalFile(name), 'utf8')) as CreatedEntry;

/** The ConfigMap and TestRun a one-runner run called `name` creates in namespace loadgen. */
function runObjects(name: string): Record<string, unknown>[] {
  const input = {
    name,
    namespace: 'loadgen',
    parallelism: 1,
    script: 'export default function () {}',
    plan: { method: 'GET' as const, baseUrl: 'http://127.0.0.1:9', path: '/' },
    profile: { executor: 'constant-vus' as const, vus: 1, duration: '1s' },
  };
  return [configMapObject(input), testRunObject(input)];
}

/** Runs the engine in a child process and SIGKILLs it once both objects exist and their uids are journaled. */
async function killAfterCreation(name: string): Promise<void> {
  const { child, exited, output } = startFixture(
    'hold-k6-operator',
    [env.kubeconfig, env.journalDir, name, script],
    children,
  );
  const deadline = Date.now() + 20_000;
  for (;;) {
    const items = fs.existsSync(journalFile(name)) ? readJournal(name).items : [];
    if (items.length === 2 && items.every((i) => i.uid)) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`fixture did not create: ${output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill('SIGKILL');
  await exited;
}

test('killed after creating the ConfigMap and TestRun: `meshproof restore` deletes both, stops the runners, closes the journal; a second restore has nothing to do', async () => {
  await killAfterCreation('mp-killed');
  assert.ok(op.testRuns.has('loadgen/mp-killed'), 'the crash left the TestRun');
  assert.ok(op.configMaps.has('loadgen/mp-killed'), 'the crash left the ConfigMap');
  assert.is(readJournal('mp-killed').state, 'open');
  const r = await restoreIn(env);
  assert.is(r.code, ExitCode.ok, r.stderr);
  assert.match(r.stderr, 'k6-operator run mp-killed: deleted TestRun loadgen/mp-killed, ConfigMap loadgen/mp-killed');
  assert.equal([...op.testRuns.keys(), ...op.configMaps.keys()], []);
  assert.equal(op.deleted, ['TestRun/loadgen/mp-killed', 'ConfigMap/loadgen/mp-killed']);
  assert.equal(
    env.fake.pods.filter((p) => p.labels.k6_cr === 'mp-killed'),
    [],
    'the runner pods go with the TestRun',
  );
  const closed = readJournal('mp-killed');
  assert.is(closed.state, 'done');
  // idempotent: nothing open is left, and the run named is reported as done
  const again = await restoreIn(env);
  assert.is(again.code, ExitCode.ok, again.stderr);
  assert.match(again.stderr, 'nothing to restore');
  const named = await restoreIn(env, '--run', 'mp-killed');
  assert.is(named.code, ExitCode.ok, named.stderr);
  assert.match(named.stderr, 'run mp-killed was already restored');
  assert.is(op.deleted.length, 2, 'no delete was sent again');
});

test('a TestRun someone else created under the same name is not deleted: exit 3 naming who; the run’s ConfigMap is', async () => {
  await killAfterCreation('mp-taken');
  const ours = op.testRuns.get('loadgen/mp-taken')!;
  // someone deletes the left-over TestRun and creates their own with the same name
  const url = `${env.fake.url}/apis/k6.io/v1alpha1/namespaces/loadgen/testruns`;
  assert.is((await fetch(`${url}/mp-taken`, { method: 'DELETE' })).status, 200);
  const theirs = {
    apiVersion: 'k6.io/v1alpha1',
    kind: 'TestRun',
    metadata: { name: 'mp-taken', namespace: 'loadgen' },
    spec: { parallelism: 1, script: { configMap: { name: 'their-script' } }, paused: 'true' },
  };
  const created = await fetch(`${url}?fieldManager=kubectl-create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(theirs),
  });
  assert.is(created.status, 201);
  const theirUid = ((await created.json()) as { metadata: { uid: string } }).metadata.uid;
  assert.is.not(theirUid, ours.metadata.uid);
  const r = await restoreIn(env);
  assert.is(r.code, ExitCode.infra, r.stderr);
  assert.match(
    r.stderr,
    `TestRun loadgen/mp-taken is another object (uid ${theirUid}, the run's was ${ours.metadata.uid})`,
  );
  assert.match(r.stderr, 'by "kubectl-create" (Update at ');
  assert.match(r.stderr, 'left in place');
  assert.is(op.testRuns.get('loadgen/mp-taken')?.metadata.uid, theirUid, 'theirs is still there');
  assert.not.ok(op.configMaps.has('loadgen/mp-taken'), "the run's ConfigMap is deleted");
  assert.is(readJournal('mp-taken').state, 'done', 'nothing of the run is left: the journal is closed');
});

test('a crash between the create and the uid record: the run’s label decides — its own objects go, an unlabelled same-named one stays', async () => {
  const api = new K8sOperatorApi(await loadConnection({ kubeconfig: env.kubeconfig, namespace: 'loadgen' }));
  const objects = runObjects('mp-early');
  new CreatedJournal(env.journalDir, 'mp-early', { server: api.server, context: api.context }).record(objects);
  // the ConfigMap is the run's (created, answer lost); the TestRun was made by someone else, without the label
  await api.create(objects[0]);
  const foreign = { ...objects[1], metadata: { name: 'mp-early', namespace: 'loadgen' } };
  await api.create(foreign);
  const r = await restoreIn(env);
  assert.is(r.code, ExitCode.infra, r.stderr);
  assert.match(r.stderr, 'TestRun loadgen/mp-early is another object (uid ');
  assert.match(r.stderr, "without the run's label");
  assert.ok(op.testRuns.has('loadgen/mp-early'));
  assert.not.ok(op.configMaps.has('loadgen/mp-early'));
});

test('a torn k6-operator journal beside a real one: the bad file is named and skipped, the other run is cleaned up, exit 3', async () => {
  const api = new K8sOperatorApi(await loadConnection({ kubeconfig: env.kubeconfig, namespace: 'loadgen' }));
  const objects = runObjects('mp-real');
  const journal = new CreatedJournal(env.journalDir, 'mp-real', { server: api.server, context: api.context });
  journal.record(objects);
  for (const o of objects)
    journal.created(String(o.kind), String(((await api.create(o)).metadata as { uid: string }).uid));
  fs.writeFileSync(path.join(env.journalDir, 'torn.k6-operator.json'), '{"kind":"MeshproofCreatedObj');
  const r = await restoreIn(env, '--json');
  assert.is(r.code, ExitCode.infra, r.stderr);
  assert.match(r.stderr, `skipped ${path.join(env.journalDir, 'torn.k6-operator.json')}`);
  const summary = JSON.parse(r.stdout) as { restored: string[]; unreadable: { file: string }[] };
  assert.equal(summary.restored, ['mp-real']);
  assert.equal(
    summary.unreadable.map((u) => path.basename(u.file)),
    ['torn.k6-operator.json'],
  );
  assert.equal([...op.testRuns.keys(), ...op.configMaps.keys()], []);
});

test('a delete whose precondition fails (the object changed after the read) is read and judged again, not forced', async () => {
  await killAfterCreation('mp-moving');
  // the operator keeps writing status: one scripted 409 on the first delete stands for a write in between
  env.fake.script({
    method: 'DELETE',
    path: /testruns\/mp-moving$/,
    status: 409,
    body: {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'Conflict',
      code: 409,
      message:
        'Operation cannot be fulfilled on TestRun.k6.io "mp-moving": the ResourceVersion in the precondition (1) does not match the ResourceVersion in record (2). The object might have been modified',
    },
  });
  const r = await restoreIn(env);
  assert.is(r.code, ExitCode.ok, r.stderr);
  assert.equal([...op.testRuns.keys(), ...op.configMaps.keys()], []);
  env.fake.assertConsumed();
});

test('the stand-in cluster refuses a stale delete as rest.BeforeDelete words it: the UID first, the kind and group as the resource (before: storage\'s "Precondition failed: …")', async () => {
  const [cm, tr] = runObjects('mp-pre');
  const write = async (method: string, p: string, body: unknown) => {
    const r = await fetch(`${env.fake.url}${p}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: r.status, json: (await r.json()) as any };
  };
  const TR = '/apis/k6.io/v1alpha1/namespaces/loadgen/testruns';
  const CM = '/api/v1/namespaces/loadgen/configmaps';
  const made = (await write('POST', TR, tr)).json.metadata;
  const both = await write('DELETE', `${TR}/mp-pre`, { preconditions: { uid: 'x', resourceVersion: '1' } });
  assert.equal(
    [both.status, both.json.reason, both.json.details],
    [409, 'Conflict', { name: 'mp-pre', group: 'k6.io', kind: 'TestRun' }],
  );
  assert.is(
    both.json.message,
    `Operation cannot be fulfilled on TestRun.k6.io "mp-pre": the UID in the precondition (x) does not match the UID in record (${made.uid}). The object might have been deleted and then recreated`,
  );
  const rv = (await write('POST', CM, cm)).json.metadata.resourceVersion;
  const stale = await write('DELETE', `${CM}/mp-pre`, { preconditions: { resourceVersion: '1' } });
  assert.is(
    stale.json.message,
    `Operation cannot be fulfilled on ConfigMap "mp-pre": the ResourceVersion in the precondition (1) does not match the ResourceVersion in record (${rv}). The object might have been modified`,
  );
});

test.run();
