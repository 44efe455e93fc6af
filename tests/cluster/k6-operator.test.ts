// `--engine k6-operator` (issue 17 item 3) against the fake API server with the stand-in operator
// (fake-apiserver-k6.ts): TestRun + ConfigMap valid for the k6-operator CRD, runners with the
// operator's segments started paused and un-paused by the starter, the controller's stages,
// summaries from pods/log, exact merge, everything created (and only that) deleted again.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import fs, { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExitCode, InfraError, type UsageError } from '../../src/errors.js';
import { K8sOperatorApi } from '../../src/cluster/k6-operator-api.js';
import { loadConnection } from '../../src/cluster/kubeconfig.js';
import { deserializeHistogram, valueAtRankMs } from '../../src/load/histogram.js';
import { K6Engine } from '../../src/load/k6/engine.js';
import type { CreatedEntry } from '../../src/load/k6-operator/created.js';
import { K6OperatorEngine } from '../../src/load/k6-operator/engine.js';
import {
  configMapObject,
  operatorArguments,
  resumePatch,
  runnerSelector,
  testRunObject,
} from '../../src/load/k6-operator/objects.js';
import type { LoadProfile, RequestPlan } from '../../src/load/model.js';
import { segmentFlags } from '../../src/load/segments.js';
import type { ScriptedResponse } from '../fixtures/fake-k6/harness.mjs';
import { ensureBundle, FAKE_K6 } from '../load/helpers/bundle.js';
import {
  archiveArgs,
  commandFragments,
  installK6Operator,
  type StandInOptions,
  testRunProblems,
} from './fake-apiserver-k6.js';
import { setup } from './helpers.js';
import { restoreIn } from './restore-cli.js';

const script = ensureBundle();
const profile: LoadProfile = { executor: 'constant-vus', vus: 6, duration: '1s' };
// a header value with spaces: the operator splits `arguments` on spaces
const plan: RequestPlan = {
  method: 'GET',
  baseUrl: 'http://127.0.0.1:9',
  path: '/productpage',
  headers: { 'x-note': 'two words' },
};
const responses: ScriptedResponse[] = Array.from({ length: 60 }, (_, i) =>
  i % 6 === 2
    ? { status: 503, body: 'no healthy upstream', duration: 2 }
    : { status: 200, body: 'ok', duration: 5 + i * 3 },
);

function journalOf(t: { e: { journalDir: string } }): CreatedEntry {
  return JSON.parse(fs.readFileSync(path.join(t.e.journalDir, 'mp-test.k6-operator.json'), 'utf8')) as CreatedEntry;
}

/** Runs the engine's two-instance phase, which must fail as an infrastructure error (exit 3); returns that error. */
async function runExpectingInfra(t: Awaited<ReturnType<typeof env>>): Promise<InfraError> {
  const err = await t.engine.run(profile, plan, { instances: 2 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.instance(err, InfraError, String(err));
  assert.is((err as InfraError).exitCode, ExitCode.infra, String(err));
  return err as InfraError;
}

async function env(
  extra: Record<string, string> = {},
  standIn: StandInOptions = {},
  engineOptions: { script?: string; slackMs?: number } = {},
) {
  const e = await setup();
  const responsesFile = path.join(e.dir, 'responses.json');
  fs.writeFileSync(responsesFile, JSON.stringify(responses));
  const k6env = { ...process.env, FAKE_K6_RESPONSES: responsesFile, ...extra };
  const op = installK6Operator(e.fake, FAKE_K6, k6env, standIn);
  const api = new K8sOperatorApi(await loadConnection({ kubeconfig: e.kubeconfig }));
  const engine = new K6OperatorEngine({
    api,
    namespace: 'loadgen',
    script,
    journalDir: e.journalDir,
    pollMs: 50,
    name: () => 'mp-test',
    ...engineOptions,
  });
  return { e, op, engine, k6env, cleanup: async () => (await op.close(), await e.cleanup()) };
}

test("the TestRun and ConfigMap meshproof builds fit the k6-operator CRD; arguments survive the operator's split on spaces", () => {
  const input = {
    name: 'mp',
    namespace: 'loadgen',
    parallelism: 3,
    script: 'export default function () {}',
    plan,
    profile,
  };
  assert.equal(testRunProblems(testRunObject(input)), []);
  // the starter's pod takes its metadata from spec.starter alone (starter.go NewStarterJob): no sidecar there either
  const spec = testRunObject(input).spec as Record<string, any>;
  assert.equal(spec.starter.metadata.annotations, { 'sidecar.istio.io/inject': 'false' });
  assert.equal(spec.runner.metadata.annotations, { 'sidecar.istio.io/inject': 'false' });
  // the initializer is left to copy the runner (initializer.go), image included
  assert.is(spec.initializer, undefined);
  const cm = configMapObject(input);
  assert.equal((cm.data as Record<string, string>)['resilience.js'], input.script);
  // strings.Split(arguments, " ") then -e NAME=VALUE: the JSON comes back whole (decoded as
  // scripts/resilience.ts fromEnv decodes it)
  const parts = operatorArguments(plan, profile).split(' ');
  const planArg = parts[parts.indexOf('-e') + 1];
  assert.equal(JSON.parse(decodeURIComponent(planArg.slice('MESHPROOF_PLAN='.length))), plan);
  // the checker refuses what the CRD refuses (it is not a rubber stamp)
  assert.equal(
    testRunProblems({
      apiVersion: 'k6.io/v1alpha1',
      kind: 'TestRun',
      spec: { parallelism: '2', script: {}, cleanup: 'pre', parallel: 1 },
    }),
    [
      'spec.parallelism: Invalid value: "string": spec.parallelism in body must be of type integer',
      'spec.parallel: unknown field',
      'spec.cleanup: Unsupported value: "pre": supported values: "post"',
    ],
  );
});

test("arguments survive the initializer's `sh -c` (ParseCLI's ArchiveArgs joined into a shell program), whatever the plan holds", () => {
  // a plan with everything a shell or a splitter would touch: spaces, quotes, backslash, $, &, *, ~, !, ( )
  const nasty: RequestPlan = {
    ...plan,
    path: "/a b?x=1&y=$HOME*~!(c)'d'",
    headers: { 'x-note': 'say "hi" \\ `id` ; exit 1 | tee' },
  };
  const args = archiveArgs(operatorArguments(nasty, profile));
  const out = execFileSync('sh', ['-c', `printf '%s\\n' ${args}`], { encoding: 'utf8' });
  const words = out.trimEnd().split('\n');
  const value = (name: string) =>
    words[words.indexOf('-e') + 1 + (name === 'MESHPROOF_PROFILE' ? 2 : 0)].slice(name.length + 1);
  assert.equal(JSON.parse(decodeURIComponent(value('MESHPROOF_PLAN'))), nasty);
  assert.equal(JSON.parse(decodeURIComponent(value('MESHPROOF_PROFILE'))), profile);
  assert.not.ok(words.includes('--no-usage-report'), 'ParseCLI leaves --no-usage-report out of ArchiveArgs');
});

test("the operator's segments (NewCommandFragments) are the ones --instances gives k6", () => {
  for (const n of [2, 3, 5]) {
    for (let i = 1; i <= n; i++) {
      const [seg, seq] = commandFragments(i, n);
      const ours = segmentFlags(i - 1, n);
      assert.is(seg, `${ours[0]}=${ours[1]}`);
      assert.is(seq, `${ours[2]}=${ours[3]}`);
    }
  }
});

test("parallelism 3: runners with the operator's segments, summaries from pods/log, merged = one local k6 run, per bucket; all deleted", async () => {
  const t = await env();
  try {
    const r = await t.engine.run(profile, plan, { instances: 3 });
    const one = await new K6Engine({ k6: FAKE_K6, script, env: t.k6env }).run(profile, plan);
    assert.is(r.requests, 60);
    assert.equal(r.statuses, one.statuses);
    assert.equal(r.causes, one.causes);
    const a = deserializeHistogram(r.histograms.overall),
      b = deserializeHistogram(one.histograms.overall);
    for (let k = 1; k <= 60; k++) assert.is(valueAtRankMs(a, k), valueAtRankMs(b, k), `rank ${k}`);
    assert.equal(r.instances, { count: 3, sequence: '0,1/3,2/3,1', segments: ['0:1/3', '1/3:2/3', '2/3:1'] });
    // what the stand-in operator ran, as runner.go builds it
    const [run] = t.op.runs;
    assert.equal(run.commands[1].slice(0, 4), [
      'run',
      '--quiet',
      '--execution-segment=1/3:2/3',
      '--execution-segment-sequence=0,1/3,2/3,1',
    ]);
    assert.ok(run.commands[1].includes('--no-usage-report'));
    assert.equal(run.commands[1].slice(-6), [
      '--address=0.0.0.0:6565',
      '--paused',
      '--tag',
      'instance_id=2',
      '--tag',
      'testrun_name=mp-test',
    ]);
    // the controller's stages, in order; meshproof waited for the last one
    assert.equal(run.stages, ['initialization', 'initialized', 'created', 'started', 'stopped', 'finished']);
    // the initializer's `sh -c … k6 archive …` ran the script's init with the arguments the shell left
    assert.is(run.initializer?.exitCode, 0, run.initializer?.log);
    // the starter un-paused each paused runner through k6's REST API, which answered "running"
    assert.is(run.starter.length, 3);
    for (const call of run.starter) {
      assert.is(call.status, 200, call.body);
      const { attributes } = JSON.parse(call.body).data;
      assert.equal([attributes.paused, attributes.running, attributes.status], [false, true, 7]);
    }
    assert.equal(t.op.created, ['ConfigMap/loadgen/mp-test', 'TestRun/loadgen/mp-test']);
    assert.equal(t.op.deleted, ['TestRun/loadgen/mp-test', 'ConfigMap/loadgen/mp-test']);
    assert.is(journalOf(t).state, 'done', 'journal closed once everything is deleted');
  } finally {
    await t.cleanup();
  }
});

test("the stage polls leave no listener on the run's abort signal (one per poll would pass Node's 10 and print MaxListenersExceededWarning on a phase over ~20 s)", async () => {
  const t = await env();
  try {
    const ac = new AbortController();
    const r = await t.engine.run(profile, plan, { instances: 2, signal: ac.signal });
    assert.is(r.requests, 60);
    assert.is(t.op.runs[0].stages.at(-1), 'finished');
    assert.is(getEventListeners(ac.signal, 'abort').length, 0);
  } finally {
    await t.cleanup();
  }
});

test("the TestRun's pods as the operator makes them: runners, initializer and starter share app/k6_cr; only runners match meshproof's selector; none gets a sidecar", async () => {
  const t = await env();
  const seen = new Map<string, { labels: Record<string, string>; annotations?: Record<string, string> }>();
  // the pods go with the TestRun at the end: note them while the run goes on
  const watch = setInterval(() => {
    for (const p of t.e.fake.pods) seen.set(p.name, { labels: p.labels, annotations: p.annotations });
  }, 5);
  try {
    await t.engine.run(profile, plan, { instances: 2 });
    clearInterval(watch);
    const byJob = (job: string) => [...seen.values()].filter((p) => p.labels['job-name'] === job);
    for (const job of ['mp-test-initializer', 'mp-test-1', 'mp-test-2', 'mp-test-starter']) {
      const [pod] = byJob(job);
      assert.ok(pod, job);
      assert.is(pod.labels.app, 'k6', job);
      assert.is(pod.labels.k6_cr, 'mp-test', job);
      assert.is(pod.labels['app.kubernetes.io/managed-by'], 'meshproof', job);
      // an injected starter cannot reach the runners or never ends (grafana/k6-operator#42, #82)
      assert.equal(pod.annotations, { 'sidecar.istio.io/inject': 'false' }, job);
    }
    assert.equal(
      [...seen.values()].filter((p) => p.labels.runner === 'true').map((p) => p.labels['job-name']),
      ['mp-test-1', 'mp-test-2'],
    );
    assert.is(runnerSelector('mp-test'), 'app=k6,k6_cr=mp-test,runner=true');
  } finally {
    clearInterval(watch);
    await t.cleanup();
  }
});

test('a runner that fails after the start: its pod\'s exit code fails the phase (exit 3), whether seen while it runs or after "finished" (FinishJobs goes on regardless); all deleted', async () => {
  const t = await env({ FAKE_K6_EXIT: '107', FAKE_K6_EXIT_SEGMENT: '1/2:1' });
  try {
    const err = await runExpectingInfra(t);
    // the Job controller's pod name: `<job>-<5 characters>`
    assert.match((err as Error).message, /runner pod loadgen\/mp-test-2-[b-z2-9]{5} exited with 107 \(Error\)/);
    assert.equal(t.op.deleted, ['TestRun/loadgen/mp-test', 'ConfigMap/loadgen/mp-test']);
  } finally {
    await t.cleanup();
  }
});

test('`cleanup: post` (which meshproof does not set): the stand-in, like the controller, deletes the TestRun and its pods once "finished"', async () => {
  const t = await env();
  try {
    const api = new K8sOperatorApi(await loadConnection({ kubeconfig: t.e.kubeconfig }));
    const input = {
      name: 'mp-post',
      namespace: 'loadgen',
      parallelism: 1,
      script: readFileSync(script, 'utf8'),
      plan,
      profile,
    };
    const tr = testRunObject(input);
    assert.is((tr.spec as Record<string, unknown>).cleanup, undefined, 'meshproof never asks for it');
    (tr.spec as Record<string, unknown>).cleanup = 'post';
    await api.create(configMapObject(input));
    await api.create(tr);
    for (let i = 0; i < 600 && t.op.testRuns.has('loadgen/mp-post'); i++) await new Promise((r) => setTimeout(r, 25));
    assert.not.ok(t.op.testRuns.has('loadgen/mp-post'), 'deleted by the operator');
    assert.equal(t.op.runs[0].stages.slice(-1), ['finished']);
    assert.equal(
      t.e.fake.pods.filter((p) => p.labels.k6_cr === 'mp-post'),
      [],
      'its pods (and their logs) are gone',
    );
  } finally {
    await t.cleanup();
  }
});

test('a failed initializer that the operator reports as stage "error" (k6_initialize.go RunValidations): exit 3 with the initializer\'s own log', async () => {
  const broken = await brokenScript();
  const t = await env({}, {}, { script: broken.file });
  try {
    const err = await runExpectingInfra(t);
    // the pod's failure and the stage "error" come from one failure: whichever meshproof reads first, the log is named
    assert.match(
      (err as Error).message,
      /ended in stage "error"|the initializer pod mp-test-initializer-[b-z2-9]{5} failed/,
    );
    assert.match(
      (err as Error).message,
      `: time="2026-01-01T00:00:00Z" level=error msg="boom in init"; kubectl logs -n loadgen job/mp-test-initializer`,
    );
    assert.equal(t.op.deleted, ['TestRun/loadgen/mp-test', 'ConfigMap/loadgen/mp-test']);
  } finally {
    broken.remove();
    await t.cleanup();
  }
});

test('a failed initializer that leaves the stage at "initialization" (RunValidations of the releases serving both kinds, the InitializerReconciler rewrite): found from its pod, not waited out', async () => {
  const broken = await brokenScript();
  // a deadline the old engine waited out: the profile's 1 s plus 20 s
  const t = await env({}, { initializerFailure: 'stay' }, { script: broken.file, slackMs: 20_000 });
  try {
    const err = await runExpectingInfra(t);
    assert.match((err as Error).message, /the initializer pod mp-test-initializer-[b-z2-9]{5} failed \(exit 107\)/);
    assert.match((err as Error).message, 'boom in init');
    assert.equal(t.op.runs[0].stages, ['initialization'], 'the stand-in never moved on');
    assert.equal(t.op.deleted, ['TestRun/loadgen/mp-test', 'ConfigMap/loadgen/mp-test']);
  } finally {
    broken.remove();
    await t.cleanup();
  }
});

test('a runner pod that ends before it is Running holds the controller in "created" (StartJobs counts Running pods): exit 3 naming it, not a timeout', async () => {
  const t = await env({}, { failBeforeStart: { index: 2, exitCode: 137, reason: 'OOMKilled' } }, { slackMs: 20_000 });
  try {
    const err = await runExpectingInfra(t);
    assert.match(
      (err as Error).message,
      /runner pod loadgen\/mp-test-2-[b-z2-9]{5} exited with 137 \(OOMKilled\) in stage "(initialized|created)"/,
    );
    assert.equal(t.op.runs[0].stages.slice(-1), ['created'], 'the stand-in never started the runners');
    assert.is(t.op.runs[0].starter.length, 0);
    assert.equal(t.op.deleted, ['TestRun/loadgen/mp-test', 'ConfigMap/loadgen/mp-test']);
    assert.equal(
      t.e.fake.pods.filter((p) => p.labels.k6_cr === 'mp-test'),
      [],
    );
  } finally {
    await t.cleanup();
  }
});

test('an operator with grafana/k6-operator#457\'s guard holds "created" while spec.paused is unset (CRD default "true"): meshproof sets it "false" on its own TestRun, the runners still start paused and together', async () => {
  const t = await env({}, { pausedGuard: true }, { slackMs: 20_000 });
  try {
    const r = await t.engine.run(profile, plan, { instances: 2 });
    assert.is(r.requests, 60);
    const [run] = t.op.runs;
    assert.equal(run.stages, ['initialization', 'initialized', 'created', 'started', 'stopped', 'finished']);
    // the runners were made before the patch, from spec.paused "true"
    for (const c of run.commands) assert.ok(c.includes('--paused'), c.join(' '));
    assert.is(run.starter.length, 2);
    assert.equal(t.op.patches, [{ name: 'loadgen/mp-test', ops: resumePatch(run.tr.metadata.uid) }]);
  } finally {
    await t.cleanup();
  }
});

test('RBAC without `patch` on testruns: the refusal does not end the run by itself; where the #457 guard then holds "created", the timeout says why', async () => {
  const t = await env({}, { pausedGuard: true }, { slackMs: 2_000 });
  try {
    t.e.fake.script({
      method: 'PATCH',
      path: /testruns\/mp-test$/,
      status: 403,
      body: forbidden('testruns.k6.io "mp-test"', 'patch'),
    });
    // the deadline: 1 s of profile (no gracefulStop) + 2 s of slack
    const err = await t.engine.run({ ...profile, gracefulStop: '0s' }, plan, { instances: 2 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.is((err as InfraError).exitCode, ExitCode.infra, String(err));
    assert.match((err as Error).message, 'did not finish within 3 s (stage "created"');
    assert.match((err as Error).message, 'spec.paused could not be set to "false"');
    assert.match((err as Error).message, 'cannot patch resource "testruns"');
    t.e.fake.assertConsumed();
    assert.equal(t.op.patches, []);
    assert.equal(t.op.deleted, ['TestRun/loadgen/mp-test', 'ConfigMap/loadgen/mp-test']);
  } finally {
    await t.cleanup();
  }
});

/** The loadgen namespace's TestRuns on the stand-in API. */
function testRunsUrl(t: { e: { fake: { url: string } } }): string {
  return `${t.e.fake.url}/apis/k6.io/v1alpha1/namespaces/loadgen/testruns`;
}

/** A TestRun someone other than meshproof created, named `name`, on a ConfigMap "theirs". */
function createTheirTestRun(t: { e: { fake: { url: string } } }, name: string, spec: Record<string, unknown>) {
  return fetch(testRunsUrl(t), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      apiVersion: 'k6.io/v1alpha1',
      kind: 'TestRun',
      metadata: { name },
      spec: { parallelism: 1, script: { configMap: { name: 'theirs' } }, ...spec },
    }),
  });
}

test("the stand-in's TestRun PATCH: the uid `test` guards a same-named TestRun someone else made (422, spec unchanged); merge patch works", async () => {
  const t = await env();
  try {
    const url = testRunsUrl(t);
    const made = await createTheirTestRun(t, 'theirs', {});
    const theirs = (await made.json()) as { metadata: { uid: string }; spec: Record<string, unknown> };
    assert.equal([theirs.spec.paused, theirs.spec.quiet], ['true', 'true'], 'the CRD defaults are stored');
    const patch = (body: unknown, ct: string) =>
      fetch(`${url}/theirs`, { method: 'PATCH', headers: { 'content-type': ct }, body: JSON.stringify(body) });
    const refused = await patch(resumePatch('not-their-uid'), 'application/json-patch+json');
    assert.is(refused.status, 422);
    assert.is(t.op.testRuns.get('loadgen/theirs')?.spec.paused, 'true');
    const ok = await patch(resumePatch(theirs.metadata.uid), 'application/json-patch+json');
    assert.is(ok.status, 200);
    assert.is(t.op.testRuns.get('loadgen/theirs')?.spec.paused, 'false');
    const merged = await patch({ spec: { quiet: 'false' } }, 'application/merge-patch+json');
    assert.is(merged.status, 200);
    assert.is(t.op.testRuns.get('loadgen/theirs')?.spec.quiet, 'false');
  } finally {
    await t.cleanup();
  }
});

/** The apiserver's 403 for user "ci" on testruns in namespace loadgen (RBAC's wording). */
function forbidden(subject: string, verb: string) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    reason: 'Forbidden',
    code: 403,
    message: `${subject} is forbidden: User "ci" cannot ${verb} resource "testruns" in API group "k6.io" in the namespace "loadgen"`,
  };
}

/** A script whose init throws: the initializer's `k6 archive` fails on it. */
async function brokenScript(): Promise<{ file: string; remove: () => void }> {
  const dir = fs.mkdtempSync(path.join(tmpdir(), 'mp-broken-'));
  const file = path.join(dir, 'resilience.js');
  fs.writeFileSync(file, 'throw new Error("boom in init");\nexport default function () {}\n');
  return { file, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

test("a plan too large for the initializer's one `sh -c` argument (Linux MAX_ARG_STRLEN, 128 KiB) is refused before anything is created (exit 2)", async () => {
  const t = await env();
  try {
    // 45,000 `{` percent-encode to 135,000 bytes
    const big = { ...plan, method: 'POST', body: '{'.repeat(45_000) };
    const err = await t.engine.run(profile, big, { instances: 2 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.is((err as UsageError).exitCode, ExitCode.usage, String(err));
    assert.match((err as Error).message, /take 13\d{4} bytes as the TestRun's arguments/);
    assert.match((err as Error).message, 'at most 122880 bytes fit');
    assert.equal(t.op.created, []);
    // the bound is the one the stand-in's own `sh -c` meets: Linux refuses one argument of 128 KiB
    const spawned = (() => {
      try {
        execFileSync('sh', ['-c', `: ${'x'.repeat(128 * 1024)}`]);
        return 'ran';
      } catch (e) {
        return (e as NodeJS.ErrnoException).code;
      }
    })();
    assert.is(spawned, 'E2BIG');
    // and one just under it still runs
    const under = execFileSync('sh', ['-c', `: ${'x'.repeat(120 * 1024)}; echo ok`], { encoding: 'utf8' });
    assert.is(under.trim(), 'ok');
  } finally {
    await t.cleanup();
  }
});

test('a create the API refuses leaves a journal naming what to delete, and nothing half-made', async () => {
  const t = await env();
  try {
    t.e.fake.script({
      method: 'POST',
      path: /testruns$/,
      status: 403,
      body: forbidden('testruns.k6.io', 'create'),
    });
    const err = await runExpectingInfra(t);
    assert.match((err as Error).message, /create/);
    // the ConfigMap was created, then deleted again; the TestRun never existed (no delete is sent)
    assert.equal(t.op.created, ['ConfigMap/loadgen/mp-test']);
    assert.equal(t.op.deleted, ['ConfigMap/loadgen/mp-test']);
    assert.is(journalOf(t).state, 'done');
  } finally {
    await t.cleanup();
  }
});

test('a create answered 500 (may or may not have happened): the journal stays open for `meshproof restore`, which finds nothing left and closes it', async () => {
  const t = await env();
  try {
    t.e.fake.script({ method: 'POST', path: /testruns$/, status: 500 });
    await runExpectingInfra(t);
    assert.equal(t.op.deleted, ['ConfigMap/loadgen/mp-test']);
    assert.is(journalOf(t).state, 'open');
    const r = await restoreIn(t.e);
    assert.is(r.code, ExitCode.ok, r.stderr);
    assert.match(r.stderr, 'k6-operator run mp-test: nothing of it was left');
    assert.is(journalOf(t).state, 'done');
  } finally {
    await t.cleanup();
  }
});

test("a same-named TestRun someone else made: the create is refused (409) and theirs is not deleted; the run's ConfigMap is", async () => {
  const t = await env();
  try {
    const theirs = await createTheirTestRun(t, 'mp-test', { paused: 'true' });
    assert.is(theirs.status, 201);
    const err = await runExpectingInfra(t);
    assert.match((err as Error).message, 'already exists');
    assert.ok(t.op.testRuns.has('loadgen/mp-test'), 'theirs is still there');
    assert.equal(t.op.deleted, ['ConfigMap/loadgen/mp-test']);
    assert.is(journalOf(t).state, 'done');
  } finally {
    await t.cleanup();
  }
});

test.run();
