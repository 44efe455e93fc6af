/**
 * examples/github-actions.yml, executed: the workflow is parsed, and its steps run in order
 * the way a GitHub-hosted runner runs them — `run:` steps as `bash --noprofile --norc -eo
 * pipefail <script>` (what `defaults.run.shell: bash` means, GitHub docs "jobs.<job_id>.
 * steps[*].shell"), `if:` conditions with the implicit `success()` unless a status function
 * is named, a per-step $GITHUB_STEP_SUMMARY file — against the local mesh (loopback only).
 *
 * What needs GitHub is stubbed, and only that:
 * - `actions/checkout` and `actions/setup-node`: the test prepares the workspace (this
 *   project's scenarios/ and policies/) and runs under the current Node 20;
 * - `actions/upload-artifact`: copies `path` into a local artifact store, contents only
 *   (one directory path is the artifact's root, upload-artifact README "Upload an Entire
 *   Directory"), hidden files left out (its v4.4 default);
 * - `gh`: tests/fixtures/ci/fake-gh.mjs answers `gh run list` / `gh run download` from
 *   that store, as cli/cli does.
 * The install step is real: `npm install --global` of this checkout's `npm pack` tarball
 * (MESHPROOF_PACKAGE is the workflow's own knob for what to install).
 *
 * Two whole runs — main (one scenario is undecidable: exit 4 → rerun with --repeat →
 * warning, not red) and a pull request with the same code (main's artifact downloaded, diff
 * clean, green) — and the diff step alone on a pull request whose policy sheds half as much
 * (exit 1 → red, in words), fed fixture reports to save a third install and run.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { packTarball, PROJECT_ROOT, tempDir } from '../helpers/packed.js';
import { render as renderJson } from '../../src/report/json.js';
import type { Report } from '../../src/report/model.js';
import { buildFixtureReport } from '../fixtures/report/fixture.js';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
interface Workflow {
  env: Record<string, string>;
  defaults?: { run?: { shell?: string } };
  jobs: Record<string, { steps: Step[]; env?: Record<string, string> }>;
}
interface StepResult {
  name: string;
  outcome: 'success' | 'failure' | 'skipped';
  code?: number;
  output: string;
  summary: string;
}

const WORKFLOW_FILE = join(PROJECT_ROOT, 'examples/github-actions.yml');
const workflow = parse(readFileSync(WORKFLOW_FILE, 'utf8')) as Workflow;
const steps = workflow.jobs.resilience.steps;
/** Every run: step bounded in time (the local mesh runs take ~10 s each; npm install ~20 s). */
const STEP_TIMEOUT_MS = 240_000;

const sandbox = tempDir('meshproof-gha-');
const store = join(sandbox, 'artifacts'); // the "GitHub" side: runs and their artifacts
const prefix = join(sandbox, 'npm-global'); // npm --global installs here (a runner's tool cache)
const fakeBin = join(sandbox, 'bin');
const ghLog = join(sandbox, 'gh.log');
mkdirSync(store);
mkdirSync(fakeBin);
symlinkSync(join(PROJECT_ROOT, 'tests/fixtures/ci/fake-gh.mjs'), join(fakeBin, 'gh'));

/** A scenario no run can decide: the p99.9 of ~100 samples has an open upper bound. */
const UNDECIDABLE = `# Too few requests to bound a p99.9: its upper order-statistic bound stays open (∞), so the
# gate is inconclusive, also pooled over --repeat 3 (it would take about 4800 samples).
name: undecidable
load: { executor: constant-vus, vus: 2, duration: 1s }
warmup: 200ms
policy:
  files: [../policies/retries.yaml]
expect:
  policy:
    http_req_duration: ["p(99.9)<10000"]
`;

function workspace(edit?: (dir: string) => void): string {
  const dir = tempDir('meshproof-gha-ws-');
  for (const d of ['scenarios', 'policies']) cpSync(join(PROJECT_ROOT, d), join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'scenarios/undecidable.yaml'), UNDECIDABLE);
  edit?.(dir);
  return dir;
}

/** GitHub's expressions, as far as the recipe uses them; anything else fails the test. */
function expression(text: string, ctx: { event: string; failed: boolean }): string | boolean {
  const inner = text
    .trim()
    .replace(/^\$\{\{\s*/, '')
    .replace(/\s*\}\}$/, '');
  const terms = inner.split('&&').map((t) => t.trim());
  if (terms.length > 1) return terms.every((t) => expression(t, ctx) === true);
  const t = terms[0];
  if (t === '!cancelled()' || t === 'always()') return true;
  if (t === 'success()') return !ctx.failed;
  const eq = /^github\.event_name == '([a-z_]+)'$/.exec(t);
  if (eq) return ctx.event === eq[1];
  const values: Record<string, string> = {
    'secrets.MESHPROOF_KUBECONFIG': '', // no secret: the local mesh
    'vars.MESHPROOF_TARGET': '',
    'github.token': 'ghs_fake',
    'github.repository': 'acme/shop',
  };
  if (t in values) return values[t];
  throw new Error(`the workflow uses an expression this test does not emulate: ${text}`);
}
const stepName = (step: Step, i: number) => step.name ?? step.uses ?? `step ${i}`;
const usesStatusFunction = (cond: string) => /\b(always|cancelled|success|failure)\(\)/.test(cond);
const substitute = (s: string, ctx: { event: string; failed: boolean }) =>
  s.replace(/\$\{\{[^}]*\}\}/g, (m) => String(expression(m, ctx)));

async function runWorkflow(opts: {
  event: 'push' | 'pull_request';
  runId: number;
  dir: string;
  env?: Record<string, string>;
  only?: string[];
}) {
  const results: StepResult[] = [];
  let failed = false;
  for (const [i, step] of steps.entries()) {
    const ctx = { event: opts.event, failed };
    const name = stepName(step, i);
    if (opts.only && !opts.only.includes(name)) continue;
    const cond = step.if ?? 'success()';
    const runs = usesStatusFunction(cond) ? expression(cond, ctx) : !failed && expression(cond, ctx);
    if (runs !== true) {
      results.push({ name, outcome: 'skipped', output: '', summary: '' });
      continue;
    }
    const summaryFile = join(sandbox, `summary-${opts.runId}-${i}.md`);
    writeFileSync(summaryFile, '');
    let r: { code: number; output: string };
    if (step.uses) r = stubAction(step, opts);
    else {
      const env: Record<string, string> = {
        PATH: `${join(prefix, 'bin')}:${fakeBin}:${process.env.PATH}`,
        HOME: process.env.HOME ?? sandbox,
        LANG: 'C.UTF-8',
        GITHUB_ACTIONS: 'true',
        GITHUB_EVENT_NAME: opts.event,
        GITHUB_WORKSPACE: opts.dir,
        GITHUB_STEP_SUMMARY: summaryFile,
        RUNNER_TEMP: tempDir('meshproof-gha-tmp-'),
        npm_config_prefix: prefix,
        // the test's only addition to the install: npm's cache first (the registry is still asked for what it lacks)
        npm_config_prefer_offline: 'true',
        FAKE_GH_STORE: store,
        FAKE_GH_LOG: ghLog,
        ...workflow.env,
        ...opts.env,
        ...Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, substitute(String(v), ctx)])),
      };
      r = await bash(substitute(step.run!, ctx), opts.dir, env);
    }
    const outcome = r.code === 0 ? 'success' : 'failure';
    if (outcome === 'failure') failed = true;
    results.push({ name, outcome, code: r.code, output: r.output, summary: readFileSync(summaryFile, 'utf8') });
  }
  // the artifact "exists" for gh once the run is over, with the run's conclusion
  mkdirSync(join(store, String(opts.runId)), { recursive: true });
  writeFileSync(
    join(store, String(opts.runId), 'run.json'),
    JSON.stringify({
      workflow: workflow.env.WORKFLOW_FILE,
      branch: opts.event === 'push' ? 'main' : 'feature',
      event: opts.event,
      status: failed ? 'failure' : 'success',
    }),
  );
  return { steps: results, failed, step: (n: string) => results.find((s) => s.name === n)! };
}

function stubAction(step: Step, opts: { runId: number; dir: string }): { code: number; output: string } {
  const [action] = step.uses!.split('@');
  if (action === 'actions/checkout' || action === 'actions/setup-node') {
    if (action === 'actions/setup-node')
      assert.is(
        String(step.with?.['node-version']),
        process.versions.node.split('.')[0],
        'the recipe sets up the Node this test runs on',
      );
    return { code: 0, output: '' };
  }
  if (action === 'actions/upload-artifact') {
    const from = join(opts.dir, step.with!.path);
    const to = join(store, String(opts.runId), 'artifacts', step.with!.name);
    mkdirSync(to, { recursive: true });
    if (existsSync(from))
      cpSync(from, to, {
        recursive: true,
        filter: (src) =>
          !src
            .slice(from.length)
            .split('/')
            .some((p) => p.startsWith('.')),
      });
    const empty = readdirSync(to).length === 0;
    if (empty && step.with!['if-no-files-found'] === 'error')
      return {
        code: 1,
        output: `No files were found with the provided path: ${step.with!.path}. No artifacts will be uploaded.`,
      };
    return { code: 0, output: '' };
  }
  throw new Error(`the workflow uses an action this test does not stub: ${step.uses}`);
}

function bash(script: string, cwd: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
  assert.is(workflow.defaults?.run?.shell, 'bash');
  const file = join(env.RUNNER_TEMP, 'step.sh');
  writeFileSync(file, script);
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', file], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), STEP_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), output });
    });
  });
}

const outcomes = (r: { steps: StepResult[] }) => r.steps.map((s) => `${s.name}: ${s.outcome}`);
const latestReports = (dir: string, name: string) =>
  readdirSync(join(dir, 'reports', name))
    .filter((d) => existsSync(join(dir, 'reports', name, d, 'report.json')))
    .sort();

test('the recipe names the files it relies on by paths that exist (this test, the README section)', () => {
  const text = readFileSync(WORKFLOW_FILE, 'utf8');
  const named = [...text.matchAll(/\b((?:tests|src|docs|examples)\/[\w./-]+\.(?:ts|mjs|md|yml))\b/g)].map((m) => m[1]);
  assert.ok(named.includes('tests/examples/github-actions.test.ts'), named.join(', '));
  for (const f of named)
    assert.ok(existsSync(join(PROJECT_ROOT, f)), `${f} (named in examples/github-actions.yml) does not exist`);
});

test('push to main: every step passes; the undecidable scenario is rerun with --repeat and becomes a warning, not red; reports are uploaded', async () => {
  const dir = workspace();
  const r = await runWorkflow({
    event: 'push',
    runId: 1001,
    dir,
    env: {
      MESHPROOF_PACKAGE: (await packTarball()).tarball,
      SCENARIOS: 'scenarios/connection-pool-overflow.yaml scenarios/undecidable.yaml',
    },
  });
  assert.equal(
    outcomes(r),
    [
      'actions/checkout@v4: success',
      'actions/setup-node@v4: success',
      'Install meshproof: success',
      'Validate and lint the policies: success',
      'Run the scenarios: success',
      "Download main's reports: skipped",
      'Diff against main: skipped',
      'Upload the reports: success',
    ],
    r.steps.map((s) => `${s.name}:\n${s.output}`).join('\n'),
  );
  const run = r.step('Run the scenarios');
  assert.match(run.output, /::notice title=undecidable::inconclusive; running again with --repeat 3/);
  assert.match(run.output, /::warning title=undecidable::still inconclusive with --repeat 3: not failing the job/);
  assert.not.match(run.output, /::error/);
  // two runs of the undecidable scenario, the second pooled over 3 repetitions
  const undecidable = latestReports(dir, 'undecidable');
  assert.is(undecidable.length, 2);
  assert.is(
    JSON.parse(readFileSync(join(dir, 'reports/undecidable', undecidable[1], 'report.json'), 'utf8')).scenario.repeat,
    3,
  );
  // connection-pool-overflow is decided in one run on a machine that serves its baseline
  // ≥ 380 requests in 3 s; a starved one makes it inconclusive, and then it is rerun too
  const pool = latestReports(dir, 'connection-pool-overflow');
  const verdicts = pool.map(
    (d) =>
      JSON.parse(readFileSync(join(dir, 'reports/connection-pool-overflow', d, 'report.json'), 'utf8'))
        .verdict as string,
  );
  assert.ok(
    verdicts.length === 1 ? verdicts[0] === 'pass' : verdicts.length === 2 && verdicts[0] === 'inconclusive',
    verdicts.join(', '),
  );
  assert.is(/::notice title=connection-pool-overflow::inconclusive/.test(run.output), verdicts.length === 2);
  // every run appended its report.md to the step summary
  assert.is(
    run.summary.match(/^## .* meshproof: /gm)?.length,
    undecidable.length + pool.length,
    run.summary.slice(0, 400),
  );
  // the artifact holds reports/ without the reports/ folder itself
  const uploaded = join(store, '1001/artifacts/meshproof-reports/connection-pool-overflow');
  assert.is(readdirSync(uploaded).length, 1);
});

test("pull request with the same code: main's artifact is downloaded, the diff is clean, the job is green", async () => {
  const dir = workspace();
  // the push run installed meshproof into the shared npm prefix; a second identical install
  // (~20 s of npm) proves nothing more, so it runs only when this test runs alone
  const only = existsSync(join(prefix, 'bin/meshproof'))
    ? steps.map(stepName).filter((n) => n !== 'Install meshproof')
    : undefined;
  const r = await runWorkflow({
    event: 'pull_request',
    runId: 1002,
    dir,
    env: { MESHPROOF_PACKAGE: (await packTarball()).tarball, SCENARIOS: 'scenarios/connection-pool-overflow.yaml' },
    only,
  });
  assert.is(r.failed, false, r.steps.map((s) => `${s.name}: ${s.outcome}\n${s.output}`).join('\n'));
  assert.ok(
    outcomes(r).includes("Download main's reports: success") && outcomes(r).includes('Diff against main: success'),
    outcomes(r).join('; '),
  );
  const calls = readFileSync(ghLog, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as string[]);
  assert.equal(calls.slice(-2), [
    [
      'run',
      'list',
      '--workflow',
      'resilience.yml',
      '--branch',
      'main',
      '--event',
      'push',
      '--status',
      'success',
      '--limit',
      '1',
      '--json',
      'databaseId',
      '--jq',
      '.[].databaseId',
    ],
    ['run', 'download', '1001', '--name', 'meshproof-reports', '--dir', 'main-reports'],
  ]);
  const diff = r.step('Diff against main');
  assert.match(diff.output, /effects: policy vs its own baseline, per run/);
  assert.match(diff.output, /\nno regression\n/);
  assert.match(diff.summary, /^### meshproof diff: connection-pool-overflow\n```\nold /);
  const xml = readFileSync(join(dir, 'reports/connection-pool-overflow/diff.xml'), 'utf8');
  assert.match(xml, /<testsuites name="meshproof diff" tests="\d+" failures="0"/);
});

test("main's newest green run whose artifact expired: a warning and nothing to diff, not red", async () => {
  // a green main run past the retention (gh's wording: cli/cli pkg/cmd/run/download/download.go)
  mkdirSync(join(store, '2001/artifacts/meshproof-reports'), { recursive: true });
  writeFileSync(
    join(store, '2001/run.json'),
    JSON.stringify({
      workflow: workflow.env.WORKFLOW_FILE,
      branch: 'main',
      event: 'push',
      status: 'success',
      artifactsExpired: true,
    }),
  );
  const dir = workspace();
  const r = await runWorkflow({
    event: 'pull_request',
    runId: 2002,
    dir,
    env: { SCENARIOS: 'scenarios/connection-pool-overflow.yaml' },
    only: ["Download main's reports", 'Diff against main'],
  });
  const download = r.step("Download main's reports");
  assert.is(download.outcome, 'success', download.output);
  assert.match(download.output, /^no valid artifacts found to download$/m);
  assert.match(
    download.output,
    /^::warning::main's reports \(run 2001\) have expired: nothing to diff against until main runs again$/m,
  );
  assert.is(r.step('Diff against main').outcome, 'success');
  assert.match(r.step('Diff against main').output, /::notice title=connection-pool-overflow::no report on main/);
  // any other failure of the download stays red: a token without actions: read must not pass for "nothing to diff"
  writeFileSync(
    join(store, '2001/run.json'),
    JSON.stringify({ workflow: workflow.env.WORKFLOW_FILE, branch: 'main', event: 'push', status: 'success' }),
  );
  rmSync(join(store, '2001/artifacts/meshproof-reports'), { recursive: true });
  const missing = await runWorkflow({
    event: 'pull_request',
    runId: 2003,
    dir: workspace(),
    env: { SCENARIOS: 'scenarios/connection-pool-overflow.yaml' },
    only: ["Download main's reports"],
  });
  assert.is(missing.step("Download main's reports").outcome, 'failure');
  rmSync(join(store, '2001'), { recursive: true });
  rmSync(join(store, '2002'), { recursive: true });
  rmSync(join(store, '2003'), { recursive: true });
});

test('the diff step on a pull request whose policy sheds half as much: exit 1, red, in words; the reports are still uploaded', async () => {
  // only the last two steps, on reports already in place: main's run and the PR's run of the
  // fixture scenario (45 % overflow on main, 22.5 % in the PR; tests/fixtures/report)
  const dir = workspace();
  const put = (root: string, report: Report) => {
    const folder = join(dir, root, 'connection-pool-overflow', '20261121T100000Z-connection-pool-overflow');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'report.json'), renderJson(report));
  };
  put('main-reports', buildFixtureReport());
  put('reports', buildFixtureReport({ overflowShare: 0.225 }));
  // the first test installed meshproof into the shared npm prefix; alone, this one installs it
  const only = ['Diff against main', 'Upload the reports'];
  if (!existsSync(join(prefix, 'bin/meshproof'))) only.unshift('Install meshproof');
  const env = {
    MESHPROOF_PACKAGE: (await packTarball()).tarball,
    SCENARIOS: 'scenarios/connection-pool-overflow.yaml',
  };
  const r = await runWorkflow({ event: 'pull_request', runId: 1003, dir, env, only });
  const diff = r.step('Diff against main');
  assert.is(diff.outcome, 'failure', diff.output);
  assert.is(diff.code, 1);
  assert.match(
    diff.output,
    /^regression: overflow share: the policy adds less overflow \(\+41\.8 pp \[40\.1–43\.4\] → \+20\.8 pp/m,
  );
  assert.match(diff.output, /::error title=connection-pool-overflow::the policy does less than on main/);
  assert.match(diff.summary, /^### meshproof diff: connection-pool-overflow\n```\n[^]*\d+ regressions\n```\n$/);
  assert.is(r.step('Upload the reports').outcome, 'success');
  assert.match(
    readFileSync(join(store, '1003/artifacts/meshproof-reports/connection-pool-overflow/diff.xml'), 'utf8'),
    /<failure type="regression" message="the policy adds less overflow/,
  );
});

test.run();
