// `instances` with the k6 engine (issue 17 item 1): N k6 processes with k6's execution segments,
// merged exactly. The fake k6 honours the segments as k6 does (tests/fixtures/fake-k6/segments.mjs):
// a scripted run takes the responses at its stripe's global iteration indexes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode, InfraError } from '../../src/errors.js';
import { deserializeHistogram, valueAtRankMs, type SerializedHistogram } from '../../src/load/histogram.js';
import { K6Engine } from '../../src/load/k6/engine.js';
import type { LoadProfile, PhaseResult, RequestPlan } from '../../src/load/model.js';
import type { ScriptedResponse } from '../fixtures/fake-k6/harness.mjs';
import { ensureBundle, FAKE_K6 } from './helpers/bundle.js';

const script = ensureBundle();
const profile: LoadProfile = { executor: 'constant-vus', vus: 6, duration: '1s' };
const plan: RequestPlan = { method: 'GET', baseUrl: 'http://127.0.0.1:9', path: '/productpage' };
const OVERFLOW = 'upstream connect error or disconnect/reset before headers. reset reason: overflow';

// 101 iterations, latencies spread over many buckets, three causes interleaved (so every stripe sees each)
const responses: ScriptedResponse[] = Array.from({ length: 101 }, (_, i) =>
  i % 7 === 3
    ? { status: 503, body: OVERFLOW, headers: { 'x-envoy-overloaded': 'true' }, duration: 1 + (i % 5) }
    : i % 11 === 5
      ? { status: 504, body: 'upstream request timeout', duration: 15000 + i }
      : { status: 200, body: 'ok', duration: 3 + ((i * 37) % 400) / 3 },
);

function fakeEnv(extra: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'meshproof-k6-instances-'));
  const file = join(dir, 'responses.json');
  writeFileSync(file, JSON.stringify(responses));
  const segments = join(dir, 'segments.log');
  const env = {
    ...process.env,
    FAKE_K6_RESPONSES: file,
    FAKE_K6_DROPPED: '7',
    FAKE_K6_SEGMENT_LOG: segments,
    ...extra,
  };
  const lines = () =>
    existsSync(segments)
      ? readFileSync(segments, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>)
      : [];
  return { env, dir, lines, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Same count at every rank ⇔ same count in every histogram bucket. */
function sameBuckets(a: SerializedHistogram | undefined, b: SerializedHistogram | undefined, what: string) {
  assert.ok(a && b, what);
  const ha = deserializeHistogram(a!),
    hb = deserializeHistogram(b!);
  assert.is(ha.totalCount, hb.totalCount, `${what}: count`);
  for (let r = 1; r <= ha.totalCount; r++) assert.is(valueAtRankMs(ha, r), valueAtRankMs(hb, r), `${what}: rank ${r}`);
}

for (const n of [2, 3]) {
  test(`${n} instances: the merge of the segments equals one run — counts, dropped iterations, every histogram bucket, the timeline`, async () => {
    const f = fakeEnv();
    try {
      const engine = new K6Engine({ k6: FAKE_K6, script, env: f.env });
      const one = await engine.run(profile, plan);
      const merged: PhaseResult = await engine.run(profile, plan, { instances: n });
      assert.is(one.instances, undefined);
      assert.is(merged.requests, 101);
      assert.is(merged.requests, one.requests);
      assert.is(merged.iterations, one.iterations);
      assert.is(merged.droppedIterations, 7); // ScaleInt64 shares of 7 add back to 7
      assert.equal(merged.statuses, one.statuses);
      assert.equal(merged.causes, one.causes);
      sameBuckets(merged.histograms.overall, one.histograms.overall, 'overall');
      for (const cause of Object.keys(one.causes) as (keyof typeof one.causes)[])
        sameBuckets(merged.histograms.byCause[cause], one.histograms.byCause[cause], cause);
      assert.is(merged.latency.overall.count, one.latency.overall.count);
      assert.is(
        merged.timeline.reduce((a, p) => a + p.requests, 0),
        101,
      );
      assert.equal(
        merged.timeline.map((p) => p.causes),
        one.timeline.map((p) => p.causes),
      );
      const segments = n === 2 ? ['0:1/2', '1/2:1'] : ['0:1/3', '1/3:2/3', '2/3:1'];
      const sequence = n === 2 ? '0,1/2,1' : '0,1/3,2/3,1';
      assert.equal(merged.instances, { count: n, sequence, segments });
      // what each k6 process was given (the first line is the unsegmented run)
      const given = f.lines().filter((l) => 'segment' in l);
      assert.equal(
        given
          .slice(1)
          .map((l) => l.segment)
          .sort(),
        segments,
      );
      assert.ok(given.slice(1).every((l) => l.sequence === sequence));
    } finally {
      f.cleanup();
    }
  });
}

test('an instance that fails fails the phase (exit 3) and stops the others (they run until SIGINT here)', async () => {
  const f = fakeEnv({ FAKE_K6_UNTIL_SIGINT: '1', FAKE_K6_EXIT: '107', FAKE_K6_EXIT_SEGMENT: '1/2:1' });
  try {
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), 15_000)));
    const outcome = await Promise.race([
      new K6Engine({ k6: FAKE_K6, script, env: f.env }).run(profile, plan, { instances: 2 }).then(
        () => 'resolved',
        (e: unknown) => e,
      ),
      hung,
    ]);
    clearTimeout(timer);
    assert.is.not(outcome, 'hung', 'the healthy instance was not stopped');
    assert.instance(outcome, InfraError);
    assert.is((outcome as InfraError).exitCode, ExitCode.infra);
    assert.match(
      (outcome as Error).message,
      /^instance 2 of 2 \(segment 1\/2:1\): k6 exited with code 107 \(script exception\)/,
    );
  } finally {
    f.cleanup();
  }
});

test('an abort (SIGINT) reaches every instance: each writes its summary, the merge keeps all of it', async () => {
  const ready = join(tmpdir(), `meshproof-k6-instances-ready-${process.pid}`);
  rmSync(ready, { force: true });
  const f = fakeEnv({ FAKE_K6_UNTIL_SIGINT: '1', FAKE_K6_READY: ready });
  try {
    const abort = new AbortController();
    const deadline = Date.now() + 15_000;
    const poll = setInterval(() => {
      const n = existsSync(ready) ? readFileSync(ready, 'utf8').trim().split('\n').length : 0;
      if (n >= 2 || Date.now() > deadline) {
        clearInterval(poll);
        abort.abort();
      }
    }, 20);
    const r = await new K6Engine({ k6: FAKE_K6, script, env: f.env }).run(profile, plan, {
      signal: abort.signal,
      instances: 2,
    });
    // both processes got SIGINT (else one would run forever) and both summaries were merged
    assert.is(r.requests, 101);
    assert.is(r.instances?.count, 2);
  } finally {
    f.cleanup();
    rmSync(ready, { force: true });
  }
});

test.run();
