/**
 * The fake API server (fake-apiserver.ts) with what `--engine k6-operator` talks to, and a
 * stand-in k6 operator that runs the runners as local processes (the fake k6):
 *
 *  - ConfigMaps (create, get, delete) and TestRuns `k6.io/v1alpha1` (create, get, delete),
 *    each create checked against the schema of grafana/k6-operator's CRD
 *    (config/crd/bases/k6.io_testruns.yaml, generated from api/v1alpha1/testrun_types.go):
 *    required `spec.parallelism` (int32) and `spec.script`; `script.configMap.name` required;
 *    `arguments`, `quiet`, `paused` strings; `cleanup` enum [post]; an undeclared spec field is
 *    "strict decoding error: unknown field" with fieldValidation=Strict (pruned otherwise).
 *    Only the fields listed in SPEC_FIELDS are typed; `runner`/`starter` are objects whose
 *    inside is not checked beyond `metadata.{labels,annotations}` being string maps.
 *  - runner pods (labels app=k6, k6_cr=<name>, runner=true: testrun_types.go ListOptions) in the
 *    pod list, and `GET …/pods/NAME/log` (text/plain) with the runner's output.
 *  - the stand-in operator: on create it runs, for i = 1…parallelism, what
 *    pkg/resources/jobs/runner.go NewRunnerJob puts in the runner's command — `k6 run --quiet`,
 *    then for parallelism > 1 pkg/segmentation/segmentation.go NewCommandFragments(i, N)
 *    (`--execution-segment=(i-1)/N:i/N --execution-segment-sequence=0,1/N,…,1`), then
 *    `arguments` split on single spaces, then the script (/test/<file>: here a temp copy of the
 *    ConfigMap's key), `--address=0.0.0.0:6565`, `--tag instance_id=i`, `--tag job_name=<name>-i`.
 *    Not imitated: `--paused` and the starter pod that resumes paused runners over k6's REST
 *    API — the stand-in starts all runners at once instead; initializer pod; jobs.
 *    status.stage: "created" while runners run, then "finished" — or "error" when a runner exits
 *    with a code after which k6's data is not valid (not 0 or 99). Deleting the TestRun stops
 *    the runners (SIGINT) and removes its pods, as the operator's owner references do.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FakeApiServer } from './fake-apiserver.js';
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
  /** the argv each runner got, in runner order */
  commands: string[][];
}

export interface FakeK6Operator {
  configMaps: Map<string, Obj>;
  testRuns: Map<string, Obj>;
  runs: StandInRun[];
  /** every object ever created, kind/namespace/name */
  created: string[];
  /** every object deleted */
  deleted: string[];
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
export function commandFragments(index: number, total: number): string[] {
  if (index > total) throw new Error('node index exceeds configured parallelism');
  const parts = ['0', ...Array.from({ length: total - 1 }, (_, i) => `${i + 1}/${total}`), '1'];
  const part = (i: number) => (i === 0 ? '0' : i === total ? '1' : `${i}/${total}`);
  return [`--execution-segment=${part(index - 1)}:${part(index)}`, `--execution-segment-sequence=${parts.join(',')}`];
}

export function installK6Operator(fake: FakeApiServer, k6: string, env: NodeJS.ProcessEnv): FakeK6Operator {
  const op: FakeK6Operator = {
    configMaps: new Map(),
    testRuns: new Map(),
    runs: [],
    created: [],
    deleted: [],
    close: async () => {},
  };
  const children = new Map<string, ChildProcess[]>();
  const logs = new Map<string, string>();
  const dirs: string[] = [];

  const reply = (res: http.ServerResponse, code: number, body: Obj | string) => {
    res.writeHead(code, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const statusOf = (code: number, reason: string, message: string) => status(code, reason, message).json;

  function startRunners(ns: string, tr: Obj): void {
    const name = tr.metadata.name as string;
    const n = tr.spec.parallelism as number;
    const cm = op.configMaps.get(`${ns}/${tr.spec.script.configMap.name}`);
    const file = tr.spec.script.configMap.file ?? 'test.js';
    const dir = mkdtempSync(join(tmpdir(), 'fake-k6-operator-'));
    dirs.push(dir);
    const script = join(dir, file);
    writeFileSync(script, cm?.data?.[file] ?? '');
    const run: StandInRun = { name, commands: [] };
    op.runs.push(run);
    tr.status = { stage: 'created' };
    const procs: ChildProcess[] = [];
    let running = n;
    let failed = false;
    for (let i = 1; i <= n; i++) {
      const pod = `${name}-${i}-fake`;
      const args = [
        'run',
        '--quiet',
        ...(n > 1 ? commandFragments(i, n) : []),
        ...(tr.spec.arguments ? String(tr.spec.arguments).split(' ') : []),
        script,
        '--address=0.0.0.0:6565',
        '--tag',
        `instance_id=${i}`,
        '--tag',
        `job_name=${name}-${i}`,
      ];
      run.commands.push(args);
      fake.pods.push({ name: pod, namespace: ns, labels: { app: 'k6', k6_cr: name, runner: 'true' } });
      logs.set(`${ns}/${pod}`, '');
      const child = spawn(k6, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      procs.push(child);
      const append = (b: Buffer) => logs.set(`${ns}/${pod}`, (logs.get(`${ns}/${pod}`) ?? '') + b.toString('utf8'));
      child.stdout!.on('data', append);
      child.stderr!.on('data', append);
      child.on('close', (code) => {
        if (code !== 0 && code !== 99) failed = true;
        if (--running === 0 && op.testRuns.has(`${ns}/${name}`)) tr.status = { stage: failed ? 'error' : 'finished' };
      });
    }
    children.set(`${ns}/${name}`, procs);
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
      obj.metadata = { ...obj.metadata, namespace: ns, uid: `uid-${obj.metadata.name}`, resourceVersion: '1' };
      store.set(key, obj);
      op.created.push(`${obj.kind}/${key}`);
      if (tr) startRunners(ns, obj);
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
    else if (req.method === 'DELETE') {
      store.delete(key);
      op.deleted.push(`${obj.kind}/${key}`);
      if (tr) {
        // owner references: the runners' jobs and pods go with the TestRun
        for (const c of children.get(key) ?? []) if (c.exitCode === null) c.kill('SIGINT');
        fake.pods = fake.pods.filter((x) => !(x.namespace === ns && x.labels.k6_cr === name));
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
    for (const procs of children.values()) for (const c of procs) if (c.exitCode === null) c.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  };
  return op;
}
