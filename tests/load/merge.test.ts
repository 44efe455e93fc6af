import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Recorder } from '../../src/load/builtin/recorder.js';
import { CAUSES, type Cause } from '../../src/load/classify.js';
import { deserializeHistogram, type SerializedHistogram } from '../../src/load/histogram.js';
import { mergePhaseResults } from '../../src/load/merge.js';
import { evenSegments, Tuple } from '../../src/load/segments.js';
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

/** Every non-empty HDR bucket as [lowest value of the bucket, count]. */
function buckets(s: SerializedHistogram | undefined): [number, number][] {
  if (!s) return [];
  const h = deserializeHistogram(s) as unknown as {
    countsArrayLength: number;
    getCountAtIndex(i: number): number;
    valueFromIndex(i: number): number;
  };
  const out: [number, number][] = [];
  for (let i = 0; i < h.countsArrayLength; i++) {
    const n = h.getCountAtIndex(i);
    if (n > 0) out.push([h.valueFromIndex(i), n]);
  }
  return out;
}

test('merge of 3 execution segments = the one run they were cut from, bucket by bucket (overall, per cause, scheduled, per second)', () => {
  const all = samples(7, 4000);
  // each segment gets the iterations its stripe owns, as constant-arrival-rate instances do
  const seq = evenSegments(3);
  const owner = new Map<number, number>();
  seq.forEach((s, k) => {
    const stripe = Tuple.of(s, seq).stripe();
    for (let gi = stripe.next().value as number; gi < all.length; gi = stripe.next().value as number) owner.set(gi, k);
  });
  const parts = seq.map((_s, k) => all.filter((_x, i) => owner.get(i) === k));
  assert.equal(
    parts.map((p) => p.length),
    [1334, 1333, 1333],
  );
  const start = '2026-01-01T00:00:00Z';
  const merged = mergePhaseResults(parts.map((p, k) => resultOf(p, start, 5000, k)));
  const one = resultOf(all, start, 5000, 0 + 1 + 2);
  assert.is(merged.requests, 4000);
  assert.is(merged.droppedIterations, 3);
  assert.equal(merged.statuses, one.statuses);
  assert.equal(merged.causes, one.causes);
  assert.ok(buckets(one.histograms.overall).length > 100, 'the samples fill many buckets');
  assert.equal(buckets(merged.histograms.overall), buckets(one.histograms.overall));
  assert.equal(buckets(merged.histograms.scheduled), buckets(one.histograms.scheduled));
  for (const cause of CAUSES)
    assert.equal(buckets(merged.histograms.byCause[cause]), buckets(one.histograms.byCause[cause]), cause);
  assert.is(merged.timeline.length, one.timeline.length);
  merged.timeline.forEach((p, t) => {
    assert.equal(
      [p.requests, p.statuses, p.causes, p.p95],
      [one.timeline[t].requests, one.timeline[t].statuses, one.timeline[t].causes, one.timeline[t].p95],
      `t=${t}`,
    );
    assert.equal(buckets(p.histogram), buckets(one.timeline[t].histogram), `t=${t}`);
  });
  assert.equal(merged.latency, one.latency);
});

test.run();
