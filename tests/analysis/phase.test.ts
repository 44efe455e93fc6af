import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { analyzePhase } from '../../src/analysis/phase.js';
import { comparePhases } from '../../src/analysis/compare.js';
import { percentileInterval, wilson } from '../../src/analysis/stats.js';
import { deserializeHistogram } from '../../src/load/histogram.js';
import { HEALTHY, syntheticPhase } from '../fixtures/report/synthetic.js';

const overflow = { cause: 'overflow' as const, status: 503, share: 0.4, medianMs: 1, p99Ms: 3 };
const timeout = { cause: 'route_timeout' as const, status: 504, share: 0.1, medianMs: 500, p99Ms: 510 };
const base = syntheticPhase({
  seed: 7,
  requests: 3000,
  durationS: 6,
  startedAt: '2026-01-01T00:00:00.000Z',
  mix: [HEALTHY],
  droppedIterations: 4,
});
const pol = syntheticPhase({
  seed: 8,
  requests: 2000,
  durationS: 5,
  startedAt: '2026-01-01T00:00:10.000Z',
  mix: [{ ...HEALTHY, share: 0.5 }, overflow, timeout],
});

test('analyzePhase: every status and cause as a share with its Wilson interval, failed = non-ok causes', () => {
  const s = analyzePhase(pol);
  assert.is(s.requests, 2000);
  assert.is(s.throughput, 400);
  assert.equal(Object.keys(s.statuses), ['200', '503', '504']);
  assert.equal(Object.keys(s.causes), ['ok', 'overflow', 'route_timeout']); // CAUSES order
  const k503 = pol.statuses['503'];
  assert.equal(s.statuses['503'], { count: k503, n: 2000, ratio: k503 / 2000, ...wilson(k503, 2000) });
  assert.is(s.failed.count, pol.causes.overflow! + pol.causes.route_timeout!);
  assert.is(s.failed.count + s.causes.ok!.count, 2000);
  // the draw is seeded; the shares are where the mix puts them (±3 standard errors)
  assert.ok(Math.abs(s.causes.overflow!.ratio - 0.4) < 3 * Math.sqrt(0.24 / 2000), String(s.causes.overflow!.ratio));
  assert.is(analyzePhase(base).droppedIterations, 4);
});

test('analyzePhase: percentiles p50 … p99.9 with order-statistic intervals around the point estimate', () => {
  const s = analyzePhase(base);
  assert.equal(Object.keys(s.percentiles), ['p50', 'p90', 'p95', 'p99', 'p99.9']);
  for (const p of Object.values(s.percentiles)) assert.ok(p.lo <= p.value && p.value <= p.hi, JSON.stringify(p));
  // lognormal p50 25 ms, p99 60 ms (DEFAULT_APP)
  assert.ok(Math.abs(s.percentiles.p50.value - 25) < 1.5, String(s.percentiles.p50.value));
  assert.ok(Math.abs(s.percentiles.p99.value - 60) < 6, String(s.percentiles.p99.value));
});

test('goodput: successful requests per second — 2000 requests in 5 s of which the ok share is what counts; comparison carries both', () => {
  const s = analyzePhase(pol);
  assert.is(s.goodput, pol.causes.ok! / 5);
  assert.ok(s.goodput < s.throughput);
  const b = analyzePhase(base);
  assert.is(b.goodput, b.throughput, 'all ok: goodput is throughput');
  const c = comparePhases({ result: base, stats: b }, { result: pol, stats: s });
  assert.equal(c.goodput, { baseline: 500, policy: s.goodput, delta: s.goodput - 500 });
});

test('medianByCause: each cause its own median with an interval (the fast overflow 503s apart from the 200s); compared where both phases saw the cause', () => {
  const s = analyzePhase(pol);
  assert.equal(Object.keys(s.medianByCause), ['ok', 'overflow', 'route_timeout']);
  assert.ok(Math.abs(s.medianByCause.ok!.value - 25) < 2, String(s.medianByCause.ok!.value));
  assert.ok(Math.abs(s.medianByCause.overflow!.value - 1) < 0.2, String(s.medianByCause.overflow!.value));
  assert.ok(Math.abs(s.medianByCause.route_timeout!.value - 500) < 10, String(s.medianByCause.route_timeout!.value));
  for (const m of Object.values(s.medianByCause)) assert.ok(m.lo <= m.value && m.value <= m.hi, JSON.stringify(m));
  const c = comparePhases({ result: base, stats: analyzePhase(base) }, { result: pol, stats: s });
  assert.equal(Object.keys(c.medianByCause), ['ok'], 'only ok is in both phases');
  const d = c.medianByCause.ok!;
  assert.ok(d.lo <= d.delta && d.delta <= d.hi && Math.abs(d.delta) < 3, JSON.stringify(d));
});

test('comparePhases: Newcombe intervals for every status and cause (0 where a phase never saw it), policy − baseline', () => {
  const b = { result: base, stats: analyzePhase(base) };
  const q = { result: pol, stats: analyzePhase(pol) };
  const c = comparePhases(b, q);
  assert.equal(Object.keys(c.statuses), ['200', '503', '504']);
  assert.is(c.statuses['503'].baseline, 0);
  assert.is(c.statuses['503'].delta, pol.statuses['503'] / 2000);
  assert.ok(c.statuses['503'].lo > 0.35 && c.statuses['503'].hi < 0.45, JSON.stringify(c.statuses['503']));
  assert.ok(c.causes.ok!.delta < 0);
  assert.is(c.throughput.delta, 400 - 500);
  // percentile deltas use 97.5 % intervals on each side (Bonferroni): wider than the 95 % ones
  const p99 = c.percentiles.p99;
  const at95 = percentileInterval(deserializeHistogram(pol.histograms.overall), 99);
  assert.is(p99.delta, p99.policy - p99.baseline);
  assert.ok(p99.hi - p99.lo > at95.hi - at95.lo, 'joint interval is wider');
  assert.ok(p99.delta > 300, `route timeouts at 500 ms dominate the policy p99: ${p99.delta}`);
  assert.ok(p99.lo > 0, 'and the rise is certain');
});

test.run();
