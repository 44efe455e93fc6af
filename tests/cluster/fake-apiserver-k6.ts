/**
 * The fake API server (fake-apiserver.ts) with what `--engine k6-operator` talks to, and a
 * stand-in k6 operator that runs the runners as local processes (the fake k6):
 *
 *  - ConfigMaps (create, get, delete) and TestRuns `k6.io/v1alpha1` (create, get, patch,
 *    delete), each create checked against the schema of grafana/k6-operator's CRD
 *    (config/crd/bases/k6.io_testruns.yaml, generated from api/v1alpha1/testrun_types.go):
 *    required `spec.parallelism` (int32) and `spec.script`; `script.configMap.name` required;
 *    `arguments`, `quiet`, `paused` strings; `cleanup` enum [post]; an undeclared spec field is
 *    "strict decoding error: unknown field" with fieldValidation=Strict (pruned otherwise).
 *    Only the fields listed in SPEC_FIELDS are typed; `runner`/`starter` are objects whose
 *    inside is not checked beyond `metadata.{labels,annotations}` being string maps. The
 *    CRD's defaults are stored: `quiet` and `paused` "true" (testrun_types.go
 *    `+kubebuilder:default="true"`). PATCH takes JSON Patch (a failed `test` op is 422, as
 *    the apiserver's patch handler answers a jsonpatch error; src/kube-api/fields.ts) and
 *    merge patch.
 *    Objects get what kube-apiserver gives them: a random `uid`, a `resourceVersion` that moves
 *    on every write (the operator's status writes too), `creationTimestamp`, and a
 *    `managedFields` Update entry for the creating manager (`?fieldManager=`, else the
 *    user agent's first word, as fake-apiserver.ts does). A create over an existing name is 409
 *    AlreadyExists. DELETE honours DeleteOptions.preconditions {uid, resourceVersion}: a
 *    mismatch is 409 Conflict "the UID in the precondition (…) does not match the UID in record
 *    (…). …" (apiserver registry/rest/delete.go BeforeDelete, which fails before storage's
 *    Preconditions.Check; the same wording as src/kube-api/istio-handler.ts).
 *  - the pods of a TestRun in the pod list, named as the Job controller names a job's pods
 *    (`<job>-<5 characters>`), with the kubelet's status (phase Pending → Running →
 *    Succeeded/Failed, the `k6` container's `state.terminated.{exitCode,reason}`), and
 *    `GET …/pods/NAME/log` (text/plain):
 *      runners `<name>-<i>`: labels app=k6, k6_cr=<name>, runner=true (+ spec.runner.metadata
 *        labels that do not override those; annotations = spec.runner.metadata.annotations:
 *        jobs/runner.go NewRunnerJob, helpers.go newLabels; testrun_types.go ListOptions);
 *      the initializer `<name>-initializer`: app=k6, k6_cr=<name> and the runner's metadata
 *        (initializer.go NewInitializerJob: spec.initializer unset is a copy of spec.runner),
 *        found by the controller as app=k6,k6_cr=<name>,job-name=<name>-initializer
 *        (controllers/common.go inspectTestRun);
 *      the starter `<name>-starter`: app=k6, k6_cr=<name> + spec.starter.metadata (starter.go
 *        NewStarterJob; no runner label, nothing from spec.runner).
 *    The Job controller's own labels (job-name, controller-uid) are given as job-name only.
 *  - the stand-in operator, following controllers/testrun_controller.go's stages (commit
 *    1537cb1e): status.stage "" → "initialization" (InitializeJobs) → "initialized" →
 *    "created" once the runner jobs exist (k6_create.go CreateJobs) → "started" once every
 *    runner pod is Running and its REST API answers `GET /v1/status` below 400 (k6_start.go
 *    StartJobs, isServiceReady), when the starter job is created → "stopped" once every runner
 *    job ended, failed ones included (k6_finish.go FinishJobs counts failures but does not stop
 *    on them) → "finished"; then with `cleanup: post` the TestRun deletes itself. A runner pod
 *    that ended before it was Running holds the stage at "created" for ever (StartJobs counts
 *    Running pods against parallelism; `failBeforeStart` makes one). Each runner
 *    runs what pkg/resources/jobs/runner.go NewRunnerJob (commit 04a7c95e) puts in its command:
 *    `k6 run`, `--quiet` (spec.quiet default true), for parallelism > 1
 *    pkg/segmentation/segmentation.go NewCommandFragments(i, N) (`--execution-segment=(i-1)/N:i/N
 *    --execution-segment-sequence=0,1/N,…,1`), `arguments` split on single spaces (Argv), the
 *    script (/test/<file>: here a temp copy of the ConfigMap's key), `--address=0.0.0.0:6565`,
 *    `--paused` (spec.paused default true), `--tag instance_id=i`, `--tag testrun_name=<name>`
 *    (grafana/k6-operator#781; older operators tag differently, which meshproof does not read).
 *    `commands` records exactly that argv; the process gets one change: in a cluster every pod
 *    has its own IP, here all share 127.0.0.1, so `--address` becomes 127.0.0.1:<a free port>.
 *    The starter un-pauses every runner as pkg/resources/containers/curl_start.go does: `PATCH
 *    /v1/status` with {"data":{"attributes":{"paused":false},"id":"default","type":"status"}}
 *    and Content-Type application/json, one runner after the other (curl … ; curl …), retried
 *    up to 3 times (curl --retry 3) — against the fake k6's REST API (fake-k6/rest.mjs).
 *    Deleting the TestRun stops the runners and removes its pods, as the owner references of
 *    its jobs do (Background propagation; the kubelet's graceful termination sends SIGTERM,
 *    which k6 takes as it takes SIGINT: internal/cmd/common.go handleTestAbortSignals).
 *    The initializer job runs first (initialize(): `arguments` through ParseCLI and a real
 *    `sh -c`, then the fake k6's `archive`; a container whose argv Linux refuses — one argument
 *    over 128 KiB — ends as the runtime reports it, StartError/128: startError()). Two
 *    behaviours of the operator's versions on a failed initializer pod (`initializerFailure`):
 *    "error" (default) — stage "error", as controllers/k6_initialize.go RunValidations taking a
 *    *TestRun (after the K6 kind's removal) writes it ("if there is any error, we have to
 *    reflect it on the K6 manifest"); "stay" — the stage stays "initialization", as the
 *    RunValidations of the releases serving both kinds (TestRunI; returns without a stage when
 *    inspectTestRun errs) and controllers/initializer.go InitializerReconciler (returns the
 *    error; its stage write is commented out; its release not verified) leave it.
 *    `pausedGuard`: the guard of grafana/k6-operator#457 (testrun_controller.go case "created":
 *    `if k6.IsPaused() { return }`, commit 1537cb1e; its release not verified): no starter while spec.paused is unset or "true"
 *    (controllers/testrun_controller_test.go); a spec change lets it go on. IsPaused's own
 *    source was not found: modelled on that test and on runner.go's reading of the field
 *    (unset → true, else strconv.ParseBool, an unparsable value false).
 *    Not imitated: its `k6 inspect --execution-requirements` and the stage
 *    "error" when parallelism exceeds the script's max VUs; Jobs and Services as API
 *    objects; status.conditions (TestRunRunning, CloudTestRun…); the operator's field manager
 *    name for its status writes ("k6-operator" here, unverified); the defaulting webhook of
 *    recent operator code (testrun_webhook.go: runner/starter image); Istio sidecar injection into
 *    pods without `sidecar.istio.io/inject: "false"` (grafana/k6-operator#42, #82: an injected
 *    starter fails); the seconds-long requeue intervals (5 s in initialization, 1 s in
 *    created, 15 s while started) — the stand-in steps every few milliseconds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FakeApiServer, FakePod } from './fake-apiserver.js';
import { jsonPatch, mergePatch } from '../../src/kube-api/fields.js';
import { status } from '../../src/kube-api/status.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** TestRunSpec's json names (api/v1alpha1/testrun_types.go) → the type the CRD gives them. */
const SPEC_FIELDS: Record<string, 'string' | 'integer' | 'boolean' | 'object' | 'array'> = {
  script: 'object',
  parallelism: 'integer',
  separate: 'boolean',
  arguments: 'string',
  ports: 'array',
  initializer: 'object',
  starter: 'object',
  runner: 'object',
  quiet: 'string',
  paused: 'string',
  scuttle: 'object',
  cleanup: 'string',
  cloud: 'object',
  testRunId: 'string',
  token: 'string',
};
const SCRIPT_FIELDS = ['volumeClaim', 'configMap', 'localFile'];
const INT32_MAX = 2 ** 31 - 1;

export interface StandInRun {
  name: string;
  /** the argv the operator builds for each runner (runner.go), in runner order */
  commands: string[][];
  /** the initializer's `sh -c` program (initializer.go), its exit code and its output */
  initializer?: { program: string; exitCode: number; log: string };
  /** every status.stage written, in order */
  stages: string[];
  /** the starter's PATCH /v1/status per runner, with k6's answer */
  starter: StarterCall[];
  /** the TestRun object */
  tr: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface StarterCall {
  address: string;
  status: number;
  body: string;
}

/** Behaviours of the operator's versions, and faults (see the header). */
export interface StandInOptions {
  /** a failed initializer: stage "error" (k6_initialize.go RunValidations, default) or none ("stay") */
  initializerFailure?: 'error' | 'stay';
  /** grafana/k6-operator#457's guard: stage "created" waits while spec.paused is not "false" */
  pausedGuard?: boolean;
  /** runner `index` (1-based) ends before it is Running, as the kubelet reports an OOM kill or a crash */
  failBeforeStart?: { index: number; exitCode: number; reason: string };
}

export interface FakeK6Operator {
  configMaps: Map<string, Obj>;
  testRuns: Map<string, Obj>;
  runs: StandInRun[];
  /** every object ever created, kind/namespace/name */
  created: string[];
  /** every object deleted */
  deleted: string[];
  /** every PATCH of a TestRun: namespace/name and the body sent */
  patches: { name: string; ops: unknown }[];
  close(): Promise<void>;
}

/** The schema problems of a TestRun body, as kube-apiserver words them for a CRD (modelled, not captured). */
export function testRunProblems(tr: Obj): string[] {
  const out: string[] = [];
  if (tr.apiVersion !== 'k6.io/v1alpha1') out.push(`apiVersion: expected k6.io/v1alpha1, got ${tr.apiVersion}`);
  if (tr.kind !== 'TestRun') out.push(`kind: expected TestRun, got ${tr.kind}`);
  const spec = tr.spec;
  if (!spec || typeof spec !== 'object') return [...out, 'spec: Required value'];
  for (const [k, v] of Object.entries(spec)) {
    const want = SPEC_FIELDS[k];
    if (!want) out.push(`spec.${k}: unknown field`);
    else if (!typeIs(v, want))
      out.push(`spec.${k}: Invalid value: "${typeof v}": spec.${k} in body must be of type ${want}`);
  }
  for (const req of ['parallelism', 'script']) if (spec[req] === undefined) out.push(`spec.${req}: Required value`);
  if (typeof spec.parallelism === 'number' && spec.parallelism > INT32_MAX)
    out.push('spec.parallelism: Invalid value: must fit int32');
  if (spec.cleanup !== undefined && spec.cleanup !== 'post')
    out.push(`spec.cleanup: Unsupported value: "${spec.cleanup}": supported values: "post"`);
  if (spec.script && typeof spec.script === 'object') {
    for (const k of Object.keys(spec.script))
      if (!SCRIPT_FIELDS.includes(k)) out.push(`spec.script.${k}: unknown field`);
    const cm = spec.script.configMap;
    if (cm !== undefined) {
      if (typeof cm.name !== 'string') out.push('spec.script.configMap.name: Required value');
      for (const k of Object.keys(cm))
        if (k !== 'name' && k !== 'file') out.push(`spec.script.configMap.${k}: unknown field`);
    }
  }
  for (const pod of ['runner', 'starter', 'initializer']) {
    const md = spec[pod]?.metadata;
    for (const m of ['labels', 'annotations']) {
      if (md?.[m] !== undefined && !Object.values(md[m]).every((x) => typeof x === 'string'))
        out.push(`spec.${pod}.metadata.${m}: must be a map of strings`);
    }
  }
  return out;
}

function typeIs(v: unknown, t: string): boolean {
  if (t === 'integer') return Number.isInteger(v);
  if (t === 'array') return Array.isArray(v);
  if (t === 'object') return typeof v === 'object' && v !== null && !Array.isArray(v);
  return typeof v === t;
}

/** pkg/segmentation/segmentation.go NewCommandFragments, transcribed. */
/**
 * pkg/types/k6cli.go ParseCLI: `arguments` split on " ", every flag with the values after it
 * kept for `k6 archive` except -o/--out, -l/--linger, --no-usage-report, -v/--verbose.
 */
export function archiveArgs(arguments_: string): string {
  const args = arguments_.split(' ');
  const kept: string[] = [];
  let i = 0;
  while (i < args.length) {
    args[i] = args[i].trim();
    if (args[i].length === 0 || args[i][0] !== '-') {
      i++;
      continue;
    }
    let end = i + 1;
    while (end < args.length && !(args[end].trim().length > 0 && args[end].trim()[0] === '-')) {
      args[end] = args[end].trim();
      end++;
    }
    if (!['-o', '--out', '-l', '--linger', '--no-usage-report', '--verbose', '-v'].includes(args[i]))
      kept.push(args.slice(i, end).join(' '));
    i = end;
  }
  return kept.join(' ');
}

/** A path as one sh word (the operator's paths need none; the temp paths here might). */
const quoteSh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function commandFragments(index: number, total: number): string[] {
  if (index > total) throw new Error('node index exceeds configured parallelism');
  const parts = ['0', ...Array.from({ length: total - 1 }, (_, i) => `${i + 1}/${total}`), '1'];
  const part = (i: number) => (i === 0 ? '0' : i === total ? '1' : `${i}/${total}`);
  return [`--execution-segment=${part(index - 1)}:${part(index)}`, `--execution-segment-sequence=${parts.join(',')}`];
}

/** k8s.io/apimachinery util/rand: the alphabet of generated name suffixes (no vowels, no 0/1/3). */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** A deterministic 5-character suffix per pod, as the Job controller's generateName `<job>-` gets one. */
function suffix(n: number): string {
  let out = '';
  for (let i = 0, x = n * 7919 + 104729; i < 5; i++, x = Math.floor(x / ALPHANUMS.length))
    out += ALPHANUMS[x % ALPHANUMS.length];
  return out;
}

/**
 * spec.quiet / spec.paused as runner.go reads them (`quiet := true; if Quiet != "" { quiet, _ =
 * strconv.ParseBool(Quiet) }`): unset → true; else ParseBool, an unparsable value false. The
 * #457 guard's IsPaused is taken to read spec.paused the same way (header).
 */
export function flagOn(value: unknown): boolean {
  if (value === undefined || value === '') return true;
  return ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(String(value));
}

export function installK6Operator(
  fake: FakeApiServer,
  k6: string,
  env: NodeJS.ProcessEnv,
  options: StandInOptions = {},
): FakeK6Operator {
  const op: FakeK6Operator = {
    configMaps: new Map(),
    testRuns: new Map(),
    runs: [],
    created: [],
    deleted: [],
    patches: [],
    close: async () => {},
  };
  const children = new Map<string, ChildProcess[]>();
  const logs = new Map<string, string>();
  const dirs: string[] = [];
  let rv = 1000;
  let pods = 0;
  let closed = false;

  const reply = (res: http.ServerResponse, code: number, body: Obj | string) => {
    res.writeHead(code, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const statusOf = (code: number, reason: string, message: string) => status(code, reason, message).json;
  const tick = () => new Promise((r) => setTimeout(r, 10));
  const alive = (ns: string, tr: Obj) => !closed && op.testRuns.get(`${ns}/${tr.metadata.name}`) === tr;
  /** the controller's UpdateStatus: a status write, which moves resourceVersion */
  const setStage = (tr: Obj, stage: string) => {
    tr.status = { ...(tr.status ?? {}), stage };
    tr.metadata.resourceVersion = String(++rv);
    const stages = op.runs.find((r) => r.tr === tr)?.stages;
    stages?.push(stage);
  };

  async function reconcile(ns: string, tr: Obj): Promise<void> {
    const name = tr.metadata.name as string;
    const run: StandInRun = { name, commands: [], stages: [], starter: [], tr };
    op.runs.push(run);
    await tick();
    if (!alive(ns, tr)) return;
    setStage(tr, 'initialization'); // InitializeJobs: the initializer job
    run.initializer = await initialize(ns, tr);
    if (!alive(ns, tr)) return;
    // RunValidations: a failed initializer ("if there is any error, we have to reflect it on the
    // K6 manifest") is stage "error", and the controller does not requeue; other versions write
    // nothing and the stage stays "initialization" (header)
    if (run.initializer.exitCode !== 0)
      return options.initializerFailure === 'stay' ? undefined : setStage(tr, 'error');
    setStage(tr, 'initialized');
    const runners = await createJobs(ns, tr, run);
    if (!alive(ns, tr)) return;
    setStage(tr, 'created');
    // StartJobs: every runner pod Running and every service's GET /v1/status < 400 (and, with
    // #457's guard, spec.paused "false" first)
    for (;;) {
      await tick();
      if (!alive(ns, tr)) return;
      if (options.pausedGuard && flagOn(tr.spec.paused)) continue;
      if (runners.some((r) => r.pod.status?.phase !== 'Running')) continue;
      if ((await Promise.all(runners.map((r) => ready(r.address)))).every(Boolean)) break;
    }
    // the starter job (set as it is created, before its curl runs)
    const starter = addPod(
      ns,
      `${name}-starter`,
      { ...podLabels(tr.spec.starter), app: 'k6', k6_cr: name },
      tr.spec.starter,
    );
    starter.status = { phase: 'Running', containerStatuses: [{ name: 'k6-curl', state: { running: {} } }] };
    setStage(tr, 'started');
    for (const r of runners) run.starter.push(await unpause(r.address));
    // curl's exit is the last command's (`curl …;curl …`)
    const curlExit = run.starter[run.starter.length - 1]?.status ? 0 : 7;
    starter.status = {
      phase: curlExit === 0 ? 'Succeeded' : 'Failed',
      containerStatuses: [{ name: 'k6-curl', state: { terminated: { exitCode: curlExit } } }],
    };
    // FinishJobs every requeue, until every runner job is no longer active
    while (runners.some((r) => r.exitCode === undefined)) {
      await tick();
      if (!alive(ns, tr)) return;
    }
    setStage(tr, 'stopped');
    await tick();
    if (!alive(ns, tr)) return;
    setStage(tr, 'finished');
    if (tr.spec.cleanup === 'post') removeTestRun(ns, name);
  }

  /**
   * The initializer job: pkg/types/k6cli.go ParseCLI's ArchiveArgs joined into the `sh -c`
   * program of pkg/resources/jobs/initializer.go (`k6 archive <script> -O <archive>
   * <ArchiveArgs>`), run by a real POSIX sh as the job's container runs it — so what the shell
   * does to `arguments` (quote removal, backslashes, `$`, globs) reaches the script's init as
   * in a cluster. `k6 inspect --execution-requirements` and its maxVUs check are not imitated.
   */
  async function initialize(ns: string, tr: Obj): Promise<{ program: string; exitCode: number; log: string }> {
    const name = tr.metadata.name as string;
    // spec.initializer unset: a copy of spec.runner (initializer.go NewInitializerJob)
    const spec = tr.spec.initializer ?? tr.spec.runner;
    const pod = addPod(ns, `${name}-initializer`, { ...podLabels(spec), app: 'k6', k6_cr: name }, spec);
    const key = `${ns}/${pod.name}`;
    const script = scriptFile(tr);
    const archive = `${script}.archived.tar`;
    const args = archiveArgs(String(tr.spec.arguments ?? ''));
    const program = `${quoteSh(k6)} archive ${quoteSh(script)} -O ${quoteSh(archive)} ${args}`;
    const refused = startError('sh', ['-c', program]);
    if (refused) {
      pod.status = terminated(128, 'StartError');
      return { program, exitCode: 128, log: refused };
    }
    return new Promise((resolve) => {
      const child = spawn('sh', ['-c', program], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let log = '';
      const append = (b: Buffer) => {
        log += b.toString('utf8');
        logs.set(key, log);
      };
      child.on('spawn', () => {
        pod.status = { phase: 'Running', containerStatuses: [{ name: 'k6', state: { running: {} } }] };
      });
      child.stdout!.on('data', append);
      child.stderr!.on('data', append);
      child.on('close', (code) => {
        const exitCode = code ?? 1;
        pod.status = terminated(exitCode);
        resolve({ program, exitCode, log });
      });
    });
  }

  /** spec.<runner|starter|initializer>.metadata.labels */
  function podLabels(spec: Obj | undefined): Record<string, string> {
    return { ...(spec?.metadata?.labels ?? {}) };
  }

  /** A job's pod as the Job controller creates it: `<job>-<suffix>`, labelled with job-name, Pending. */
  function addPod(ns: string, job: string, labels: Record<string, string>, spec: Obj | undefined): FakePod {
    const pod: FakePod = {
      name: `${job}-${suffix(++pods)}`,
      namespace: ns,
      labels: { ...labels, 'job-name': job },
      ...(spec?.metadata?.annotations ? { annotations: { ...spec.metadata.annotations } } : {}),
      status: { phase: 'Pending' },
    };
    fake.pods.push(pod);
    logs.set(`${ns}/${pod.name}`, '');
    return pod;
  }

  /** /test/<file> in the pods: here a temp copy of the ConfigMap's key */
  function scriptFile(tr: Obj): string {
    const ns = tr.metadata.namespace as string;
    const cm = op.configMaps.get(`${ns}/${tr.spec.script.configMap.name}`);
    const file = tr.spec.script.configMap.file ?? 'test.js';
    const dir = mkdtempSync(join(tmpdir(), 'fake-k6-operator-'));
    dirs.push(dir);
    const script = join(dir, file);
    writeFileSync(script, cm?.data?.[file] ?? '');
    return script;
  }

  interface Runner {
    pod: FakePod;
    address: string;
    exitCode?: number;
  }

  async function createJobs(ns: string, tr: Obj, run: StandInRun): Promise<Runner[]> {
    const name = tr.metadata.name as string;
    const n = tr.spec.parallelism as number;
    const script = scriptFile(tr);
    const quiet = flagOn(tr.spec.quiet);
    const paused = flagOn(tr.spec.paused);
    const procs: ChildProcess[] = [];
    const runners: Runner[] = [];
    for (let i = 1; i <= n; i++) {
      const args = [
        'run',
        ...(quiet ? ['--quiet'] : []),
        ...(n > 1 ? commandFragments(i, n) : []),
        ...(tr.spec.arguments ? String(tr.spec.arguments).split(' ') : []),
        script,
        '--address=0.0.0.0:6565',
        ...(paused ? ['--paused'] : []),
        '--tag',
        `instance_id=${i}`,
        '--tag',
        `testrun_name=${name}`,
      ];
      run.commands.push(args);
      const address = `127.0.0.1:${await freePort()}`;
      const argv = args.map((a) => (a === '--address=0.0.0.0:6565' ? `--address=${address}` : a));
      const labels = { ...podLabels(tr.spec.runner), app: 'k6', k6_cr: name, runner: 'true' };
      const pod = addPod(ns, `${name}-${i}`, labels, tr.spec.runner);
      const runner: Runner = { pod, address };
      runners.push(runner);
      const key = `${ns}/${pod.name}`;
      const fault = options.failBeforeStart;
      if (fault?.index === i) {
        // ended before Running (OOM kill, crash): the kubelet's terminated state, no k6 process
        setTimeout(() => {
          runner.exitCode = fault.exitCode;
          pod.status = terminated(fault.exitCode, fault.reason);
        }, 20);
        continue;
      }
      const refused = startError(k6, argv);
      if (refused) {
        runner.exitCode = 128;
        pod.status = terminated(128, 'StartError');
        continue;
      }
      const child = spawn(k6, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      procs.push(child);
      const append = (b: Buffer) => logs.set(key, (logs.get(key) ?? '') + b.toString('utf8'));
      child.stdout!.on('data', append);
      child.stderr!.on('data', append);
      child.on('spawn', () => {
        pod.status = { phase: 'Running', containerStatuses: [{ name: 'k6', state: { running: {} } }] };
      });
      child.on('close', (code, signal) => {
        // the kubelet: a container killed by a signal ends with 128 + its number
        const exitCode = code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : 2);
        runner.exitCode = exitCode;
        pod.status = terminated(exitCode, exitCode === 0 ? 'Completed' : 'Error');
      });
    }
    children.set(`${ns}/${name}`, procs);
    return runners;
  }

  function removeTestRun(ns: string, name: string): void {
    op.testRuns.delete(`${ns}/${name}`);
    op.deleted.push(`TestRun/${ns}/${name}`);
    // owner references: the jobs and their pods go with the TestRun; the kubelet stops a
    // container with SIGTERM
    for (const c of children.get(`${ns}/${name}`) ?? []) if (c.exitCode === null) c.kill('SIGTERM');
    fake.pods = fake.pods.filter((x) => !(x.namespace === ns && x.labels.k6_cr === name));
  }

  fake.handlers.push((req, res, url, body) => {
    const p = url.pathname;
    const cm = /^\/api\/v1\/namespaces\/([^/]+)\/configmaps(?:\/([^/]+))?$/.exec(p);
    const tr = /^\/apis\/k6\.io\/v1alpha1\/namespaces\/([^/]+)\/testruns(?:\/([^/]+))?$/.exec(p);
    const log = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(p);
    if (log) {
      const text = logs.get(`${log[1]}/${log[2]}`);
      if (text === undefined) reply(res, 404, statusOf(404, 'NotFound', `pods "${log[2]}" not found`));
      else reply(res, 200, text);
      return true;
    }
    const m = cm ?? tr;
    if (!m) return false;
    const [, ns, name] = m;
    const store = cm ? op.configMaps : op.testRuns;
    const what = cm ? 'configmaps' : 'testruns.k6.io';
    if (req.method === 'POST' && !name) {
      const obj = JSON.parse(body) as Obj;
      if (tr) {
        const problems = testRunProblems(obj);
        if (problems.length) {
          reply(
            res,
            422,
            statusOf(422, 'Invalid', `TestRun.k6.io "${obj.metadata?.name}" is invalid: ${problems.join(', ')}`),
          );
          return true;
        }
      }
      const key = `${ns}/${obj.metadata.name}`;
      if (store.has(key)) {
        reply(res, 409, statusOf(409, 'AlreadyExists', `${what} "${obj.metadata.name}" already exists`));
        return true;
      }
      const time = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      obj.metadata = {
        ...obj.metadata,
        namespace: ns,
        uid: randomUUID(),
        resourceVersion: String(++rv),
        creationTimestamp: time,
        managedFields: [
          {
            manager: url.searchParams.get('fieldManager') ?? (req.headers['user-agent'] ?? 'unknown').split('/')[0],
            operation: 'Update',
            apiVersion: obj.apiVersion,
            time,
            fieldsType: 'FieldsV1',
            fieldsV1: {},
          },
        ],
      };
      // the CRD's defaults (testrun_types.go `+kubebuilder:default="true"`), as the apiserver fills them
      if (tr) obj.spec = { quiet: 'true', paused: 'true', ...obj.spec };
      store.set(key, obj);
      op.created.push(`${obj.kind}/${key}`);
      if (tr) void reconcile(ns, obj);
      reply(res, 201, obj);
      return true;
    }
    const key = `${ns}/${name}`;
    const obj = store.get(key);
    if (!obj) {
      reply(res, 404, statusOf(404, 'NotFound', `${what} "${name}" not found`));
      return true;
    }
    if (req.method === 'GET') reply(res, 200, obj);
    else if (req.method === 'PATCH' && tr) {
      // JSON Patch (a failed `test` op or a path that does not resolve: 422) or merge patch;
      // the stand-in's reconcile reads the stored object, so the operator sees the change
      const ct = String(req.headers['content-type'] ?? '').split(';')[0];
      const patched =
        ct === 'application/merge-patch+json'
          ? mergePatch(structuredClone(obj), JSON.parse(body) as Obj)
          : ct === 'application/json-patch+json'
            ? jsonPatch(structuredClone(obj), JSON.parse(body) as Obj[])
            : new Error(
                `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json`,
              );
      if (patched instanceof Error) {
        const code = ct.endsWith('patch+json') ? 422 : 415;
        reply(res, code, statusOf(code, code === 422 ? 'Invalid' : 'UnsupportedMediaType', patched.message));
        return true;
      }
      const problems = testRunProblems(patched);
      if (problems.length) {
        reply(res, 422, statusOf(422, 'Invalid', `TestRun.k6.io "${name}" is invalid: ${problems.join(', ')}`));
        return true;
      }
      obj.spec = patched.spec; // the same object: the reconcile loop holds it
      obj.metadata.resourceVersion = String(++rv);
      op.patches.push({ name: key, ops: JSON.parse(body) });
      reply(res, 200, obj);
    } else if (req.method === 'DELETE') {
      const pre = (body ? (JSON.parse(body) as Obj) : {}).preconditions ?? {};
      // registry/rest/delete.go BeforeDelete: the UID first, then the resourceVersion; the
      // Conflict's GroupResource is the object's kind and group ("TestRun.k6.io", "ConfigMap")
      const group = String(obj.apiVersion).includes('/') ? String(obj.apiVersion).split('/')[0] : '';
      const kind = group ? `${obj.kind}.${group}` : obj.kind;
      const why =
        pre.uid !== undefined && pre.uid !== obj.metadata.uid
          ? `the UID in the precondition (${pre.uid}) does not match the UID in record (${obj.metadata.uid}). The object might have been deleted and then recreated`
          : pre.resourceVersion !== undefined && pre.resourceVersion !== obj.metadata.resourceVersion
            ? `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${obj.metadata.resourceVersion}). The object might have been modified`
            : undefined;
      if (why) {
        reply(
          res,
          409,
          status(409, 'Conflict', `Operation cannot be fulfilled on ${kind} "${name}": ${why}`, {
            name,
            group,
            kind: obj.kind,
          }).json,
        );
        return true;
      }
      if (tr) removeTestRun(ns, name);
      else {
        store.delete(key);
        op.deleted.push(`${obj.kind}/${key}`);
      }
      reply(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' });
    } else
      reply(
        res,
        405,
        statusOf(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'),
      );
    return true;
  });

  op.close = async () => {
    closed = true;
    for (const procs of children.values()) for (const c of procs) if (c.exitCode === null) c.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  };
  return op;
}

/**
 * Linux's execve refuses one argument above MAX_ARG_STRLEN (128 KiB: E2BIG), which Node's
 * spawn throws at once; a container runtime reports a container it could not start as
 * terminated, exit code 128, reason "StartError" (containerd/runc; the exact wording of the
 * runtime's message is not verified). undefined when the argv is within the limit.
 */
function startError(file: string, argv: string[]): string | undefined {
  const longest = Math.max(...[file, ...argv].map((a) => Buffer.byteLength(a) + 1));
  return longest > 128 * 1024 ? `exec: "${file}": argument list too long` : undefined;
}

/** The kubelet's status of a pod whose `k6` container ended (RestartPolicy Never). */
function terminated(exitCode: number, reason = exitCode === 0 ? 'Completed' : 'Error'): Record<string, unknown> {
  return {
    phase: exitCode === 0 ? 'Succeeded' : 'Failed',
    containerStatuses: [{ name: 'k6', state: { terminated: { exitCode, reason } } }],
  };
}

/** k6_start.go isServiceReady: GET /v1/status answers below 400. */
async function ready(address: string): Promise<boolean> {
  try {
    const res = await fetch(`http://${address}/v1/status`, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status < 400;
  } catch {
    return false;
  }
}

/** curl_start.go: `curl --retry 3 -X PATCH -H 'Content-Type: application/json' http://HOST:6565/v1/status -d '{…paused:false…}'`. */
async function unpause(address: string): Promise<StarterCall> {
  const body = JSON.stringify({ data: { attributes: { paused: false }, id: 'default', type: 'status' } });
  let last: StarterCall = { address, status: 0, body: '' };
  for (let attempt = 0; attempt <= 3; attempt++) {
    try {
      const res = await fetch(`http://${address}/v1/status`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(2000),
      });
      return { address, status: res.status, body: await res.text() };
    } catch (err) {
      // curl --retry retries transient failures (connection refused, timeouts), not HTTP 4xx/5xx answers
      last = { address, status: 0, body: String(err) };
    }
  }
  return last;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
