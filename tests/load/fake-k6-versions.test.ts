// meshproof against the k6 releases in k6's sources: v0.5x, v1.x (new end-of-test summary,
// --summary-mode), v1.5+ (--new-machine-readable-summary), v2.x (--no-summary and
// --summary-mode=legacy removed, the REST API only with --address). The fake pretends to be the
// version FAKE_K6_VERSION names (tests/fixtures/fake-k6/version.mjs, which cites the sources).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { type AddressInfo, createServer } from 'node:net';
import { K6Engine } from '../../src/load/k6/engine.js';
import { parseK6Version } from '../../src/load/k6/version.js';
import type { LoadProfile, RequestPlan } from '../../src/load/model.js';
import { runScript } from '../fixtures/fake-k6/harness.mjs';
import { DEFAULT_VERSION } from '../fixtures/fake-k6/version.mjs';
import { ensureBundle, FAKE_K6 } from './helpers/bundle.js';
import { runFakeK6 } from './helpers/fake-k6-cli.js';

const bundle = ensureBundle();
const dir = mkdtempSync(join(tmpdir(), 'meshproof-fake-k6-versions-'));
const responses = join(dir, 'responses.json');
writeFileSync(
  responses,
  JSON.stringify([
    { status: 200, body: 'ok', duration: 3 },
    { status: 503, body: 'no healthy upstream', duration: 1 },
    { status: 200, body: 'ok', duration: 5 },
  ]),
);
const summary = join(dir, 'summary.json');
const PROFILE = '{"executor":"constant-vus","vus":1,"duration":"1s"}';

/** The fake as `version` pretends, with extra flags and environment; whether it wrote the summary file. */
function k6(version: string, flags: string[] = [], env: Record<string, string> = {}) {
  rmSync(summary, { force: true });
  const r = runFakeK6({
    profile: PROFILE,
    summary,
    flags,
    env: { FAKE_K6_RESPONSES: responses, FAKE_K6_VERSION: version, ...env },
  });
  return { ...r, summary: existsSync(summary) };
}

function versionOutput(env: Record<string, string>): string {
  return spawnSync(FAKE_K6, ['version'], { encoding: 'utf8', env: { ...process.env, ...env } }).stdout;
}

test('`k6 version` as root.go/version.go print it, and the version meshproof reads from it', () => {
  assert.is(versionOutput({ FAKE_K6_VERSION: '1.8.1' }), 'k6 v1.8.1 (commit/0123456789, go1.25.10, linux/amd64)\n');
  for (const v of ['0.54.0', '1.0.0-rc1', '1.8.1', '2.3.0'])
    assert.is(parseK6Version(versionOutput({ FAKE_K6_VERSION: v })), v);
  // an xk6 build lists its extensions after the version line
  const withExt = versionOutput({ FAKE_K6_EXTENSIONS: 'github.com/grafana/xk6-faker v0.4.0, k6/x/faker [js]' });
  assert.is(
    withExt,
    `k6 v${DEFAULT_VERSION} (commit/0123456789, go1.25.10, linux/amd64)\nExtensions:\n  github.com/grafana/xk6-faker v0.4.0, k6/x/faker [js]\n\n`,
  );
  assert.is(parseK6Version(withExt), DEFAULT_VERSION);
  // before v1 the parentheses held the build date and commit (root.go of v0.4x)
  assert.is(
    parseK6Version('k6 v0.45.0 (2023-06-19T08:40:52+0000/v0.45.0-0-gc3b4587b, go1.20.5, linux/amd64)\n'),
    '0.45.0',
  );
  assert.is(parseK6Version('something else 1.2.3\n'), 'unknown');
});

test('a k6 built from a checkout says v(devel): meshproof records "(devel)", not the Go version that follows it', async () => {
  const out = versionOutput({ FAKE_K6_VERSION: '(devel)' });
  assert.is(out, 'k6 v(devel) (commit/0123456789, go1.25.10, linux/amd64)\n');
  // the old reading took the first x.y.z anywhere in the output: Go's "1.25.10,"
  const engine = new K6Engine({ k6: FAKE_K6, env: { ...process.env, FAKE_K6_VERSION: '(devel)' } });
  assert.is(await engine.version(), '(devel)');
});

test('every k6 meshproof starts gets K6_NO_USAGE_REPORT=true: `k6 version` has no --no-usage-report flag', async () => {
  const envLog = join(dir, 'env.log');
  rmSync(envLog, { force: true });
  const env = { ...process.env, FAKE_K6_RESPONSES: responses, FAKE_K6_ENV_LOG: envLog, K6_NO_USAGE_REPORT: 'false' };
  const engine = new K6Engine({ k6: FAKE_K6, script: bundle, env });
  const plan: RequestPlan = { method: 'GET', baseUrl: 'http://127.0.0.1:9', path: '/' };
  const profile: LoadProfile = { executor: 'constant-vus', vus: 1, duration: '1s' };
  const r = await engine.run(profile, plan);
  assert.is(r.requests, 3);
  const calls = readFileSync(envLog, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { command: string; env: Record<string, string> });
  assert.equal(calls, [
    { command: 'version', env: { K6_NO_USAGE_REPORT: 'true' } },
    { command: 'run', env: { K6_NO_USAGE_REPORT: 'true' } },
  ]);
});

test('meshproof runs the same on k6 v0.54, v1.0, v1.8 and v2.3: same counts, the version recorded', async () => {
  const plan: RequestPlan = { method: 'GET', baseUrl: 'http://127.0.0.1:9', path: '/' };
  const profile: LoadProfile = { executor: 'constant-vus', vus: 1, duration: '1s' };
  for (const v of ['0.54.0', '1.0.0', '1.8.1', '2.3.0']) {
    const env = { ...process.env, FAKE_K6_RESPONSES: responses, FAKE_K6_VERSION: v };
    const r = await new K6Engine({ k6: FAKE_K6, script: bundle, env }).run(profile, plan);
    assert.equal(r.engine, { name: 'k6', version: v });
    assert.is(r.requests, 3);
    assert.equal(r.statuses, { 200: 2, 503: 1 });
    assert.is(r.latency.overall.max, 5);
  }
});

test('--no-summary: honoured before v2, an unknown flag (exit 255) in v2 (release notes v2.0.0 #5729)', () => {
  assert.equal(k6('1.8.1', ['--no-summary']), { status: 0, stderr: '', summary: false });
  const v2 = k6('2.0.0', ['--no-summary']);
  assert.is(v2.status, 255);
  assert.match(v2.stderr, /level=error msg="unknown flag: --no-summary"/);
  assert.not.ok(v2.summary);
  // K6_NO_SUMMARY: read before v2 (runtime_options.go); on v2 the fake refuses it as not imitated
  assert.is(k6('1.8.1', [], { K6_NO_SUMMARY: 'true' }).summary, false);
  assert.is(k6('2.3.0', [], { K6_NO_SUMMARY: 'true' }).status, 2);
});

test('--summary-mode: unknown before v1 (255); compact/full/legacy/disabled on v1; legacy gone in v2 (#5730)', () => {
  const v0 = k6('0.54.0', ['--summary-mode=compact']);
  assert.is(v0.status, 255);
  assert.match(v0.stderr, /unknown flag: --summary-mode/);
  // a variable v0.5x does not read changes nothing there
  assert.equal(k6('0.54.0', [], { K6_SUMMARY_MODE: 'disabled' }), { status: 0, stderr: '', summary: true });
  for (const mode of ['compact', 'full', 'legacy']) assert.is(k6('1.8.1', ['--summary-mode', mode]).summary, true);
  assert.is(k6('1.8.1', ['--summary-mode=disabled']).summary, false);
  assert.is(k6('2.3.0', ['--summary-mode=full']).summary, true);
  assert.is(k6('2.3.0', ['--summary-mode=disabled']).summary, false);
  assert.is(k6('2.3.0', ['--summary-mode=legacy']).status, 2);
  // the flag wins over the variable (runtime_options.go populateRuntimeOptionsFromEnv)
  assert.is(k6('2.3.0', ['--summary-mode=full'], { K6_SUMMARY_MODE: 'disabled' }).summary, true);
});

test("--new-machine-readable-summary (v1.5+): handleSummary gets the new shape and meshproof's script refuses it, loudly", () => {
  const old = k6('1.4.0', ['--new-machine-readable-summary']);
  assert.is(old.status, 255);
  assert.match(old.stderr, /unknown flag: --new-machine-readable-summary/);
  for (const how of [
    { flags: ['--new-machine-readable-summary'] },
    { env: { K6_NEW_MACHINE_READABLE_SUMMARY: 'true' } },
  ]) {
    const r = k6('2.3.0', how.flags, how.env);
    // runner.go runUserProvidedHandleSummaryCallback logs the exception; the run keeps exit 0
    assert.is(r.status, 0);
    assert.not.ok(r.summary);
    assert.match(r.stderr, /handleSummary got a summary not in k6's legacy shape/);
  }
  assert.is(k6('2.3.0', ['--new-machine-readable-summary=false']).summary, true);
  const bad = k6('2.3.0', ['--new-machine-readable-summary=maybe']);
  assert.is(bad.status, 255);
  assert.match(bad.stderr, /invalid argument \\"maybe\\" for \\"--new-machine-readable-summary\\" flag/);
});

test('the machine-readable summary as types_gen.go Summary shapes it: results.metrics[] of {name, type, contains, values}', async () => {
  const script = join(dir, 'dump-summary.js');
  writeFileSync(
    script,
    `import http from 'k6/http';
import { Counter } from 'k6/metrics';
const hits = new Counter('hits');
export const options = { scenarios: { s: { executor: 'constant-vus', vus: 1, duration: '1s', exec: 'default' } } };
export default function () { http.get('http://127.0.0.1:9/'); hits.add(2); }
export function handleSummary(data) { return { stdout: JSON.stringify(data) }; }
`,
  );
  const run = await runScript(script, {}, [{ status: 200, body: 'ok', duration: 4 }], {
    durationMs: 1500,
    machineReadable: '2.3.0',
  });
  const data = JSON.parse(run.outputs.stdout);
  assert.equal(Object.keys(data).sort(), ['config', 'metadata', 'results', 'version']);
  assert.equal(data.config, { duration: 1.5, execution: 'local' });
  assert.is(data.metadata.k6Version, '2.3.0');
  const byName = Object.fromEntries(
    (data.results.metrics as { name: string; type: string; values: unknown }[]).map((m) => [m.name, m]),
  );
  assert.equal(byName.hits, { name: 'hits', type: 'counter', contains: 'default', values: { count: 2 } });
  assert.equal(byName.http_req_duration.values, { avg: 4, min: 4, med: 4, max: 4, 'p(90)': 4, 'p(95)': 4 });
  assert.is(data.root_group, undefined);
});

test('--address on a port already in use: exit 106, as run.go does when the address was given explicitly', async () => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const port = (busy.address() as AddressInfo).port;
  try {
    const r = k6(DEFAULT_VERSION, ['--address', `127.0.0.1:${port}`]);
    assert.is(r.status, 106);
    assert.match(
      r.stderr,
      `level=error msg="Error from API server" error="listen tcp 127.0.0.1:${port}: bind: address already in use"`,
    );
    assert.not.ok(r.summary);
  } finally {
    busy.close();
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
