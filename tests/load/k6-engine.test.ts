import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ExitCode, InfraError } from '../../src/errors.js';
import { BuiltinEngine } from '../../src/load/builtin/engine.js';
import { createEngine } from '../../src/load/engines.js';
import { deserializeHistogram } from '../../src/load/histogram.js';
import { K6Engine } from '../../src/load/k6/engine.js';
import { checkK6Exit, k6Environment } from '../../src/load/k6/process.js';
import type { LoadProfile, RequestPlan } from '../../src/load/model.js';
import type { ScriptedResponse } from '../fixtures/fake-k6/harness.mjs';
import { DEFAULT_VERSION } from '../fixtures/fake-k6/version.mjs';
import { ensureBundle, FAKE_K6, ROOT } from './helpers/bundle.js';

const script = ensureBundle();
const profile: LoadProfile = { executor: 'constant-vus', vus: 2, duration: '1s' };
const plan: RequestPlan = {
  method: 'GET',
  baseUrl: 'http://127.0.0.1:9',
  path: '/productpage',
  host: 'bookinfo.example.com',
};
const OVERFLOW = 'upstream connect error or disconnect/reset before headers. reset reason: overflow';

// 60 × 200 (10…69 ms), 30 overflow 503s (1 ms), 10 × 504 route timeouts (15 s)
const responses: ScriptedResponse[] = [
  ...Array.from({ length: 60 }, (_, i) => ({ status: 200, body: 'ok', duration: 10 + i })),
  ...Array.from({ length: 30 }, () => ({
    status: 503,
    body: OVERFLOW,
    headers: { 'x-envoy-overloaded': 'true' },
    duration: 1,
  })),
  ...Array.from({ length: 10 }, () => ({ status: 504, body: 'upstream request timeout', duration: 15000 })),
];

function fakeEnv(exit: number, extra: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'meshproof-fake-k6-test-'));
  const responsesFile = join(dir, 'responses.json');
  writeFileSync(responsesFile, JSON.stringify(responses));
  const log = join(dir, 'calls.log');
  const env = {
    ...process.env,
    FAKE_K6_RESPONSES: responsesFile,
    FAKE_K6_EXIT: String(exit),
    FAKE_K6_LOG: log,
    ...extra,
  };
  return {
    env,
    calls: () =>
      readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as string[]),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

for (const exit of [0, 99]) {
  test(`k6 exit ${exit} (data valid): the handleSummary file becomes a PhaseResult with exact counts and k6's percentiles`, async () => {
    const f = fakeEnv(exit, { FAKE_K6_DROPPED: '4' });
    try {
      const r = await new K6Engine({ k6: FAKE_K6, script, env: f.env }).run(profile, plan);
      assert.equal(r.engine, { name: 'k6', version: DEFAULT_VERSION });
      assert.is(r.requests, 100);
      assert.is(r.iterations, 100);
      assert.is(r.droppedIterations, 4);
      assert.equal(r.statuses, { 200: 60, 503: 30, 504: 10 });
      assert.equal(r.causes, { ok: 60, overflow: 30, route_timeout: 10 });
      assert.is(r.durationMs, 2000);
      // percentiles are k6's own trend values (linear interpolation over the 100 samples)
      assert.is(r.latency.overall.count, 100);
      assert.is(r.latency.overall.max, 15000);
      assert.is(r.latency.byCause.ok?.p50, 39.5);
      assert.is(r.latency.byCause.overflow?.p99, 1);
      // the rebuilt histogram holds every request, its percentiles within a bucket (±1.5 %)
      const h = deserializeHistogram(r.histograms.overall);
      assert.is(h.totalCount, 100);
      assert.ok(Math.abs(h.getValueAtPercentile(95) / 1000 - 15000) / 15000 < 0.02, String(h.getValueAtPercentile(95)));
      // rank 50 = 30 overflow replies + the 20th 200 (10 + 19 ms)
      assert.ok(Math.abs(h.getValueAtPercentile(50) / 1000 - 29) / 29 < 0.02, String(h.getValueAtPercentile(50)));
      assert.is(r.timeline[0].requests, 100);
      // the same per-cause histograms and per-second causes and p95 as the built-in engine
      assert.equal(r.timeline[0].causes, { ok: 60, overflow: 30, route_timeout: 10 });
      assert.is(r.timeline[0].p95, 15000); // k6's p(95) of that second: rank 94.05 of 100 lies among the 504s
      assert.is(deserializeHistogram(r.histograms.byCause.ok!).totalCount, 60);
      assert.is(deserializeHistogram(r.histograms.byCause.overflow!).totalCount, 30);
      assert.is(deserializeHistogram(r.histograms.byCause.route_timeout!).totalCount, 10);
      const okMedian = deserializeHistogram(r.histograms.byCause.ok!).getValueAtPercentile(50) / 1000;
      assert.ok(Math.abs(okMedian - 39) / 39 < 0.02, String(okMedian)); // the 30th of 10…69 ms
      // k6 was asked for its version, then run exactly as meshproof must run it
      const [version, run] = f.calls();
      assert.equal(version, ['version']);
      assert.equal(run.slice(0, 2), ['run', '--no-usage-report']);
      assert.is(run[run.length - 1], script);
      const envs = run.flatMap((a, i) => (run[i - 1] === '-e' ? [a] : []));
      assert.equal(
        envs.map((e) => e.split('=')[0]),
        ['MESHPROOF_PLAN', 'MESHPROOF_PROFILE', 'MESHPROOF_SUMMARY'],
      );
      assert.equal(JSON.parse(envs[0].slice('MESHPROOF_PLAN='.length)), plan);
      assert.equal(JSON.parse(envs[1].slice('MESHPROOF_PROFILE='.length)), profile);
    } finally {
      f.cleanup();
    }
  });
}

test("K6_* variables of meshproof's environment do not reach k6, which would read them as configuration over the script's options", async () => {
  // K6_DURATION would replace meshproof's scenario, K6_NO_SUMMARY skip handleSummary (no summary
  // file): the fake k6 skips the summary as k6 does and refuses the variables it does not imitate
  const f = fakeEnv(0, { K6_DURATION: '10m', K6_NO_SUMMARY: 'true', K6_SUMMARY_TREND_STATS: 'avg' });
  try {
    const r = await new K6Engine({ k6: FAKE_K6, script, env: f.env }).run(profile, plan);
    assert.is(r.requests, 100);
    assert.is(r.latency.overall.p99, 15000);
  } finally {
    f.cleanup();
  }
  // ... except K6_NO_USAGE_REPORT, which meshproof sets itself (a user's "false" does not survive)
  assert.equal(k6Environment({ PATH: '/bin', K6_VUS: '3', MY_K6_X: '1', k6_lower: 'x', K6_NO_USAGE_REPORT: 'false' }), {
    PATH: '/bin',
    MY_K6_X: '1',
    k6_lower: 'x',
    K6_NO_USAGE_REPORT: 'true',
  });
});

test('k6 exit 255 (an error root.go gives no code: an unknown flag, a bad segment) is named, not "unexpected exit"', () => {
  assert.throws(
    () => checkK6Exit({ code: 255, stdout: '', stderrTail: 'level=error msg="unknown flag: --x"' }),
    (e: Error) =>
      e instanceof InfraError &&
      e.message === 'k6 exited with code 255 (k6 error without an exit code):\nlevel=error msg="unknown flag: --x"',
  );
});

test('k6 exit 107 (script exception) is an InfraError, exit 3, quoting the tail of k6 stderr', async () => {
  const f = fakeEnv(107);
  try {
    const err = await new K6Engine({ k6: FAKE_K6, script, env: f.env }).run(profile, plan).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.instance(err, InfraError);
    assert.is((err as InfraError).exitCode, ExitCode.infra);
    assert.match((err as Error).message, /k6 exited with code 107 \(script exception\)/);
    assert.match((err as Error).message, /TypeError: Cannot read property 'status' of undefined/);
  } finally {
    f.cleanup();
  }
});

test('an aborted run: k6 gets SIGINT, still writes its summary and exits 105 — meshproof keeps that partial data', async () => {
  const ready = join(tmpdir(), `meshproof-fake-k6-ready-${process.pid}`);
  rmSync(ready, { force: true });
  const f = fakeEnv(0, { FAKE_K6_UNTIL_SIGINT: '1', FAKE_K6_READY: ready });
  try {
    const abort = new AbortController();
    // abort once the fake has its SIGINT handler (as real k6 does from start-up); bounded at 10 s
    const deadline = Date.now() + 10_000;
    const poll = setInterval(() => {
      if (existsSync(ready) || Date.now() > deadline) {
        clearInterval(poll);
        abort.abort();
      }
    }, 20);
    const r = await new K6Engine({ k6: FAKE_K6, script, env: f.env }).run(profile, plan, { signal: abort.signal });
    assert.is(r.requests, 100);
  } finally {
    f.cleanup();
    rmSync(ready, { force: true });
  }
});

/**
 * tests/load/helpers/k6-ctrl-c.ts (meshproof's k6 engine, running the fake k6 until SIGINT) in a
 * process of its own; `ready` appears, with k6's pid, once k6 can take a signal.
 */
function startWrapper(extra: string[], options: SpawnOptions) {
  const dir = mkdtempSync(join(tmpdir(), 'meshproof-k6-wrapper-'));
  const responsesFile = join(dir, 'responses.json');
  writeFileSync(responsesFile, JSON.stringify(responses));
  const ready = join(dir, 'ready');
  const fixture = join(ROOT, 'tests/load/helpers/k6-ctrl-c.ts');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fixture, FAKE_K6, script, responsesFile, ready, ...extra],
    options,
  );
  return { dir, ready, child };
}

test("a terminal's Ctrl-C (SIGINT to meshproof's process group) reaches k6 once, through meshproof: the partial summary is kept", async () => {
  // k6 takes a second SIGINT as a hard stop (exit 105, no handleSummary); in meshproof's group it
  // would get the terminal's and then meshproof's own
  // its own group, which the test then signals as a terminal would
  const { dir, ready, child } = startWrapper([], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  const killer = setTimeout(() => process.kill(-(child.pid as number), 'SIGKILL'), 30_000);
  try {
    const deadline = Date.now() + 25_000;
    while (!existsSync(ready) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    process.kill(-(child.pid as number), 'SIGINT');
    await new Promise((resolve) => child.on('close', resolve));
    assert.equal(JSON.parse(out), { requests: 100 });
  } finally {
    clearTimeout(killer);
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Whether a process runs (a zombie — exited, not yet reaped — does not). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

for (const [mode, runs] of [
  ['exit', 1],
  ['exit-2', 2],
] as const) {
  test(`k6 in its own process group does not outlive meshproof: a meshproof that exits under ${runs} k6 (a third Ctrl-C, a crash) takes ${runs === 1 ? 'it' : 'every one'} along (one exit hook for every live k6)`, async () => {
    const { dir, ready, child } = startWrapper([mode], { stdio: ['ignore', 'ignore', 'inherit'] });
    let pids: number[] = [];
    try {
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.is(code, 3);
      pids = [...readFileSync(ready, 'utf8').matchAll(/ready (\d+)/g)].map((m) => Number(m[1]));
      assert.is(pids.length, runs);
      // SIGKILL is immediate; give the kernel a moment to reap them (they were this test's grandchildren)
      const deadline = Date.now() + 2_000;
      while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(pids.filter(alive), [], 'k6 still runs after meshproof exited');
    } finally {
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone, as it should be
        }
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('a signal already aborted when k6 starts still stops it (the abort event fired before anyone listened)', async () => {
  const f = fakeEnv(0, { FAKE_K6_UNTIL_SIGINT: '1' });
  try {
    const abort = new AbortController();
    abort.abort();
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), 10_000)));
    const outcome = await Promise.race([
      new K6Engine({ k6: FAKE_K6, script, env: f.env }).run(profile, plan, { signal: abort.signal }).then(
        () => 'done',
        () => 'failed',
      ),
      hung,
    ]);
    clearTimeout(timer);
    assert.is.not(outcome, 'hung', 'k6 would run until its own end (here: forever) without the SIGINT');
  } finally {
    f.cleanup();
  }
});

test('missing k6: --engine k6 fails with an InfraError saying how to install it or pass --k6', async () => {
  const engine = createEngine('k6', { env: { PATH: '/nonexistent' } });
  const err = await engine.run(profile, plan).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.instance(err, InfraError);
  assert.match((err as Error).message, /k6 not found/);
  assert.match((err as Error).message, /--k6/);
  const wrong = await new K6Engine({ k6: '/nonexistent/k6' }).version().then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.instance(wrong, InfraError);
});

test('--engine auto picks k6 when one is on PATH (or MESHPROOF_K6), the built-in engine otherwise', () => {
  assert.is(createEngine('auto', { env: { PATH: dirname(FAKE_K6) } }).name, 'k6');
  assert.is(createEngine('auto', { env: { PATH: '/nonexistent', MESHPROOF_K6: FAKE_K6 } }).name, 'k6');
  assert.instance(createEngine('auto', { env: { PATH: '/nonexistent' } }), BuiltinEngine);
  assert.instance(createEngine('builtin', { env: { PATH: dirname(FAKE_K6) } }), BuiltinEngine);
});

test.run();
