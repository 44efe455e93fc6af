import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Recorder } from '../../src/load/builtin/recorder.js';
import { CAUSES, type Cause } from '../../src/load/classify.js';
import { mergePhaseResults } from '../../src/load/merge.js';
import type { LoadProfile, PhaseResult, RequestPlan } from '../../src/load/model.js';
import { createRng } from '../../src/util/random.js';

const profile: LoadProfile = { executor: 'constant-arrival-rate', rate: 100, duration: '5s', preAllocatedVUs: 10 };
const plan: RequestPlan = { method: 'GET', baseUrl: 'http://127.0.0.1:1', path: '/productpage' };
const engine = { name: 'builtin' as const, version: 'test' };

/** One completed request as the engine hands it to Recorder.add. */
interface Sample {
  status: number;
  cause: Cause;
  latencyMs: number;
  scheduledLatencyMs: number;
  atMs: number;
}

function samples(seed: number, n: number): Sample[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => {
    const cause = CAUSES[rng.int(CAUSES.length)];
    const latencyMs = Math.exp(3 + rng.normal());
    return {
      status: cause === 'ok' ? 200 : 503,
      cause,
      latencyMs,
      scheduledLatencyMs: latencyMs + rng.next() * 50,
      atMs: rng.next() * 5000,
    };
  }).sort((a, b) => a.atMs - b.atMs);
}

function resultOf(all: Sample[], start: string, durationMs: number, dropped = 0): PhaseResult {
  const r = new Recorder(true);
  for (const s of all) r.add(s.status, s.cause, s.latencyMs, s.scheduledLatencyMs, s.atMs);
  r.droppedIterations = dropped;
  return r.result({ profile, plan, engine, startedAt: new Date(start), durationMs });
}

test('mergePhaseResults is exact: counts add and every summary equals the one computed over the pooled samples', () => {
  const a = samples(1, 3000),
    b = samples(2, 2000);
  const merged = mergePhaseResults([
    resultOf(a, '2026-01-01T00:00:00Z', 5000, 3),
    resultOf(b, '2026-01-01T00:00:00.200Z', 5000, 4),
  ]);
  const pooled = resultOf(
    [...a, ...b].sort((x, y) => x.atMs - y.atMs),
    '2026-01-01T00:00:00Z',
    5000,
    7,
  );
  assert.is(merged.requests, 5000);
  assert.is(merged.droppedIterations, 7);
  assert.equal(merged.statuses, pooled.statuses);
  assert.equal(merged.causes, pooled.causes);
  assert.equal(merged.latency, pooled.latency);
  assert.equal(
    merged.timeline.map((p) => [p.requests, p.p95, p.causes]),
    pooled.timeline.map((p) => [p.requests, p.p95, p.causes]),
  );
  // runners overlapping in time: the merged phase spans first start → last end
  assert.is(merged.durationMs, 5200);
  assert.is(merged.startedAt, '2026-01-01T00:00:00.000Z');
});

test('mergePhaseResults of repetitions (disjoint in time) sums their measured durations', () => {
  const merged = mergePhaseResults([
    resultOf(samples(3, 10), '2026-01-01T00:00:00Z', 5000),
    resultOf(samples(4, 10), '2026-01-01T00:01:00Z', 5000),
  ]);
  assert.is(merged.durationMs, 10000);
  assert.is(merged.requests, 20);
});

test('a timeline point without a per-second histogram (k6) keeps the larger p95 as an upper bound', () => {
  const a = resultOf(samples(5, 100), '2026-01-01T00:00:00Z', 5000);
  const b = resultOf(samples(6, 100), '2026-01-01T00:00:00Z', 5000);
  const k6like = {
    ...b,
    timeline: b.timeline.map((p) => ({
      t: p.t,
      requests: p.requests,
      statuses: p.statuses,
      causes: p.causes,
      p95: p.p95,
    })),
  };
  const merged = mergePhaseResults([a, k6like]);
  assert.is(merged.timeline[0].p95, Math.max(a.timeline[0].p95!, b.timeline[0].p95!));
  assert.is(merged.timeline[0].requests, a.timeline[0].requests + b.timeline[0].requests);
});

test.run();
