/**
 * Every failure leaves the cluster as it was: SIGINT mid-phase restores
 * in-process; `kill -9` mid-phase is repaired by `meshproof restore`; an API outage during
 * restore keeps the journal and a later `restore` finishes; an unfinished journal blocks a
 * new run on the same objects; an unreachable API or missing kubeconfig is exit 3 with a
 * sentence saying which.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { ClusterApplier } from '../../src/cluster/applier.js';
import { Journal } from '../../src/cluster/journal.js';
import { loadConnection } from '../../src/cluster/kubeconfig.js';
import { restoreFromJournals } from '../../src/cluster/restore.js';
import { keyOf } from '../../src/ports.js';
import { ExitCode } from '../../src/errors.js';
import { restoreCli, restoreIn } from './restore-cli.js';
import {
  setup,
  kubectl,
  getYamlMasked,
  policies,
  writeKubeconfig,
  PRE_EXISTING_VS,
  REPO,
  startFixture,
  type Env,
  type Fixture,
} from './helpers.js';

let env: Env;
const children: ChildProcess[] = [];
test.before.each(async () => {
  env = await setup();
  fs.writeFileSync(path.join(env.dir, 'vs.yaml'), PRE_EXISTING_VS);
  assert.is((await kubectl(env, 'apply', '-f', path.join(env.dir, 'vs.yaml'))).code, 0);
});
test.after.each(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await env.cleanup();
});

/** Starts the hold-policy fixture and resolves once it printed "applied". */
async function holdPolicy(runId: string, ...policyFiles: string[]): Promise<Fixture> {
  const files = policyFiles.map((f) => path.join(REPO, 'policies', f));
  const fixture = startFixture('hold-policy', [env.kubeconfig, env.journalDir, runId, ...files], children);
  const deadline = Date.now() + 20_000;
  while (!fixture.output().includes('applied')) {
    if (fixture.child.exitCode !== null || Date.now() > deadline)
      throw new Error(`fixture did not apply: ${fixture.output()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return fixture;
}

/** Applies in-process and walks away without restoring: what a crash leaves behind. */
async function abandonRun(runId: string, ...policyFiles: string[]): Promise<void> {
  const docs = await policies(...policyFiles);
  const applier = new ClusterApplier({
    conn: await loadConnection({ kubeconfig: env.kubeconfig }),
    runId,
    journal: new Journal(env.journalDir),
    log: () => {},
  });
  await applier.snapshot(docs.map((d) => keyOf(d, 'default')));
  await applier.apply(docs);
}

test('SIGINT mid-phase: the runner restores, exits 3, and the VirtualService is byte-identical', async () => {
  const before = await getYamlMasked(env, 'virtualservice', 'productpage');
  const run = await holdPolicy('run-sigint', 'route-timeout.yaml', 'connection-pool.yaml');
  assert.is(env.fake.get('virtualservices', 'default', 'productpage')!.spec.http[0].timeout, '0.5s');
  run.child.kill('SIGINT');
  assert.is(await run.exited, 3, run.output());
  assert.match(run.output(), 'SIGINT: stopping the load and restoring the policy');
  assert.is(await getYamlMasked(env, 'virtualservice', 'productpage'), before);
  assert.is(env.fake.get('destinationrules', 'default', 'productpage'), undefined);
  assert.is(new Journal(env.journalDir).read('run-sigint')!.state, 'done');
});

test('SIGHUP mid-phase (closed terminal): handled like SIGTERM — restored, journal done, exit 3 (issue 13 item 5)', async () => {
  const before = await getYamlMasked(env, 'virtualservice', 'productpage');
  const run = await holdPolicy('run-sighup', 'route-timeout.yaml', 'connection-pool.yaml');
  assert.is(env.fake.get('virtualservices', 'default', 'productpage')!.spec.http[0].timeout, '0.5s');
  run.child.kill('SIGHUP');
  assert.is(await run.exited, 3, run.output());
  assert.is(run.child.signalCode, null, "not killed by the signal (Node's default for SIGHUP is to die with 129)");
  assert.match(run.output(), 'SIGHUP: stopping the load and restoring the policy');
  assert.is(await getYamlMasked(env, 'virtualservice', 'productpage'), before);
  assert.is(env.fake.get('destinationrules', 'default', 'productpage'), undefined);
  assert.is(new Journal(env.journalDir).read('run-sighup')!.state, 'done');
});

test('SIGHUP after the terminal is gone (stdout and stderr closed): the failed writes do not stop the restore', async () => {
  const before = await getYamlMasked(env, 'virtualservice', 'productpage');
  const run = await holdPolicy('run-hangup', 'route-timeout.yaml');
  run.child.stdout!.destroy();
  run.child.stderr!.destroy();
  await new Promise((r) => setTimeout(r, 50));
  run.child.kill('SIGHUP');
  assert.is(await run.exited, 3);
  assert.is(await getYamlMasked(env, 'virtualservice', 'productpage'), before);
  assert.is(new Journal(env.journalDir).read('run-hangup')!.state, 'done');
});

test('kill -9 mid-phase, then `meshproof restore` puts everything back (and a second restore has nothing to do)', async () => {
  const before = await getYamlMasked(env, 'virtualservice', 'productpage');
  const run = await holdPolicy('run-kill9', 'route-timeout.yaml', 'connection-pool.yaml');
  run.child.kill('SIGKILL');
  await run.exited;
  assert.ok(env.fake.get('destinationrules', 'default', 'productpage'), 'the crash left the policy applied');
  const r = await restoreIn(env);
  assert.is(r.code, ExitCode.ok, r.stderr);
  assert.match(r.stderr, 'run run-kill9 restored and read back');
  assert.is(await getYamlMasked(env, 'virtualservice', 'productpage'), before);
  assert.is(env.fake.get('destinationrules', 'default', 'productpage'), undefined);
  const again = await restoreIn(env, '--run', 'run-kill9');
  assert.is(again.code, ExitCode.ok);
  assert.match(again.stderr, 'run run-kill9 was already restored');
});

test('an API outage during restore keeps the journal (exit 3) after the reads were retried 10 times as client-go does; restore finishes once the API is back', async () => {
  const before = await getYamlMasked(env, 'virtualservice', 'productpage');
  const run = await holdPolicy('run-outage', 'route-timeout.yaml');
  run.child.kill('SIGKILL');
  await run.exited;
  env.fake.mode = 'outage';
  // every connection is reset: client-go retries a GET so (rest/request.go isErrRetryableFunc,
  // artificial Retry-After 1) — recorded here instead of slept (api-retry.test.ts sleeps once for real)
  const waits: number[] = [];
  const log: string[] = [];
  const summary = await restoreFromJournals({
    kubeconfig: env.kubeconfig,
    journalDir: env.journalDir,
    log: (l) => void log.push(l),
    retry: { sleep: async (ms) => void waits.push(ms) },
  });
  assert.equal([summary.restored, summary.failed.map((f) => f.runId), summary.exitCode], [[], ['run-outage'], 3]);
  assert.equal(waits, Array(10).fill(1000));
  assert.is(log[1], 'API connection reset (ECONNRESET) on GET /apis: retrying in 1 s (retry 1 of 10)');
  assert.match(summary.failed[0].message, `cannot reach the Kubernetes API at ${env.fake.url}`);
  assert.match(summary.failed[0].message, '(after 10 retries over 10 s)');
  assert.match(summary.failed[0].message, 'journal kept');
  assert.is(new Journal(env.journalDir).read('run-outage')!.state, 'open');
  env.fake.mode = 'normal';
  const up = await restoreIn(env);
  assert.is(up.code, ExitCode.ok, up.stderr);
  assert.is(await getYamlMasked(env, 'virtualservice', 'productpage'), before);
  assert.is(new Journal(env.journalDir).read('run-outage')!.state, 'done');
});

test('a new run refuses to start while an unfinished journal touches the same object (exit 3 naming the run)', async () => {
  await abandonRun('run-left', 'route-timeout.yaml');
  const docs = await policies('route-timeout.yaml');
  const applier = new ClusterApplier({
    conn: await loadConnection({ kubeconfig: env.kubeconfig }),
    runId: 'run-next',
    journal: new Journal(env.journalDir),
    log: () => {},
  });
  const err = await applier.snapshot(docs.map((d) => keyOf(d, 'default'))).then(
    () => undefined,
    (e) => e,
  );
  assert.is(err?.exitCode, ExitCode.infra);
  assert.match(err.message, 'run run-left may have left VirtualService default/productpage changed');
  assert.match(err.message, 'meshproof restore --run run-left');
  // a run on other objects is not blocked, and a run that snapshotted but never applied blocks nobody
  const other = await policies('connection-pool.yaml');
  await applier.snapshot(other.map((d) => keyOf(d, 'default')));
  const third = new ClusterApplier({
    conn: await loadConnection({ kubeconfig: env.kubeconfig }),
    runId: 'run-third',
    journal: new Journal(env.journalDir),
    log: () => {},
  });
  await third.snapshot(other.map((d) => keyOf(d, 'default')));
});

test('`meshproof restore` with a corrupt journal beside a real one: the bad file is named and skipped, the run is restored, exit 3 (issue 13 item 8)', async () => {
  const before = await getYamlMasked(env, 'virtualservice', 'productpage');
  await abandonRun('run-real', 'route-timeout.yaml');
  fs.writeFileSync(path.join(env.journalDir, 'garbage.json'), '\u0000\u0001 not json');
  const r = await restoreIn(env, '--json');
  assert.is(r.code, ExitCode.infra, r.stderr);
  assert.match(r.stderr, 'run run-real restored and read back');
  assert.match(r.stderr, `skipped ${path.join(env.journalDir, 'garbage.json')}: cannot be read: `);
  assert.equal(
    JSON.parse(r.stdout).unreadable.map((u: { file: string }) => path.basename(u.file)),
    ['garbage.json'],
  );
  assert.is(await getYamlMasked(env, 'virtualservice', 'productpage'), before);
  assert.not.match(r.stderr, '    at ', 'no stack');
});

test('`meshproof restore --journal-dir /etc/passwd`: exit 2 with one sentence, no stack', async () => {
  const r = await restoreCli('restore', '--kubeconfig', env.kubeconfig, '--journal-dir', '/etc/passwd');
  assert.is(r.code, ExitCode.usage);
  assert.is(
    r.stderr,
    'meshproof: journal folder /etc/passwd: not a folder (--journal-dir expects the folder holding <run-id>.json files)\n',
  );
});

test('`meshproof restore` against an unreachable `server: http://TOKEN@host`: neither stderr nor --json carries the token (issue 13 item 12)', async () => {
  await abandonRun('run-token', 'route-timeout.yaml');
  const port = env.fake.port;
  await env.fake.close();
  const deadDir = path.join(env.dir, 'dead');
  fs.mkdirSync(deadDir);
  const dead = writeKubeconfig(deadDir, `http://s3cr3t-token@127.0.0.1:${port}`);
  const r = await restoreCli('restore', '--kubeconfig', dead, '--journal-dir', env.journalDir, '--json');
  assert.is(r.code, ExitCode.infra);
  assert.match(r.stderr, `cannot reach the Kubernetes API at http://127.0.0.1:${port}`);
  assert.not.match(r.stderr + r.stdout, 's3cr3t-token');
  env.fake = await (await import('./fake-apiserver.js')).startFakeApiServer(); // cleanup closes it
});

test('unreachable API and missing kubeconfig: exit 3, each with its own sentence, journal kept', async () => {
  await abandonRun('run-unreach', 'route-timeout.yaml');
  const deadDir = path.join(env.dir, 'dead');
  fs.mkdirSync(deadDir);
  const port = env.fake.port;
  await env.fake.close(); // nothing listens on the port any more
  const dead = writeKubeconfig(deadDir, `http://127.0.0.1:${port}`);
  const unreachable = await restoreCli('restore', '--kubeconfig', dead, '--journal-dir', env.journalDir);
  assert.is(unreachable.code, ExitCode.infra);
  assert.match(unreachable.stderr, `cannot reach the Kubernetes API at http://127.0.0.1:${port}`);
  const missing = await restoreCli(
    'restore',
    '--kubeconfig',
    path.join(env.dir, 'nope.yaml'),
    '--journal-dir',
    env.journalDir,
  );
  assert.is(missing.code, ExitCode.infra);
  assert.match(missing.stderr, `no kubeconfig: --kubeconfig ${path.join(env.dir, 'nope.yaml')} does not exist`);
  assert.is(new Journal(env.journalDir).read('run-unreach')!.state, 'open');
});

test.run();
