import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  binomialCdf,
  meanInterval,
  newcombe,
  normalQuantile,
  percentileInterval,
  quantileRanks,
  wilson,
  zFor,
} from '../../src/analysis/stats.js';
import { tFor } from '../../src/analysis/student-t.js';
import { createHistogram, recordMs } from '../../src/load/histogram.js';

const near = (actual: number, expected: number, tol: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: expected ${expected} ± ${tol}, got ${actual}`);

test('z for 95 % is 1.95996 and the normal quantile inverts known points', () => {
  near(zFor(0.95), 1.959964, 1e-6, 'z(0.95)');
  near(zFor(0.99), 2.575829, 1e-6, 'z(0.99)');
  near(normalQuantile(0.5), 0, 1e-12, 'median');
  near(normalQuantile(0.001), -3.090232, 1e-6, 'q(0.001)');
  assert.throws(() => zFor(1), /confidence must be in \(0, 1\)/);
});

test('Wilson interval of 30/100 at 95 % is 0.2189 to 0.3958', () => {
  const w = wilson(30, 100);
  near(w.lo, 0.2189, 5e-5, 'lo');
  near(w.hi, 0.3958, 5e-5, 'hi');
});

test('Wilson interval stays inside [0, 1] at 0/n and n/n (0/100: upper 0.0370; 100/100: lower 0.9630)', () => {
  assert.equal(wilson(0, 100).lo, 0);
  near(wilson(0, 100).hi, 0.037, 5e-5, '0/100 hi');
  assert.equal(wilson(100, 100).hi, 1);
  near(wilson(100, 100).lo, 0.963, 5e-5, '100/100 lo');
  assert.equal(wilson(0, 0), { lo: 0, hi: 1 });
});

test('Newcombe hybrid score interval, Newcombe 1998 example 56/70 vs 48/80: diff 0.2000, CI 0.0524 to 0.3339', () => {
  const d = newcombe(56, 70, 48, 80);
  near(d.delta, 0.2, 1e-12, 'delta');
  near(d.lo, 0.0524, 5e-5, 'lo');
  near(d.hi, 0.3339, 5e-5, 'hi');
});

test('Newcombe 1998 Table II, method 10, examples b–f (zero cells included)', () => {
  const table: [number, number, number, number, number, number][] = [
    [9, 10, 3, 10, 0.1705, 0.809],
    [6, 7, 2, 7, 0.0582, 0.8062],
    [5, 56, 0, 29, -0.0381, 0.1926],
    [0, 10, 0, 20, -0.1611, 0.2775],
    [10, 10, 0, 20, 0.6791, 1.0],
  ];
  for (const [k1, n1, k2, n2, lo, hi] of table) {
    const d = newcombe(k1, n1, k2, n2);
    near(d.lo, lo, 5e-5, `${k1}/${n1} − ${k2}/${n2} lo`);
    near(d.hi, hi, 5e-5, `${k1}/${n1} − ${k2}/${n2} hi`);
  }
});

test('order-statistic ranks for the p95 of n = 1000 are 936 and 964 (exact binomial, coverage ≥ 95 %)', () => {
  const r = quantileRanks(1000, 0.95);
  assert.equal(r, { lo: 936, hi: 964 });
  // coverage P(lo ≤ K ≤ hi − 1), K ~ Binomial(1000, 0.95): at least 95 %, and no rank can be tightened
  const cdf = binomialCdf(1000, 0.95);
  const coverage = (lo: number, hi: number) => cdf[hi - 1] - cdf[lo - 1];
  near(coverage(936, 964), 0.9581, 5e-4, 'coverage');
  assert.ok(cdf[935] <= 0.025 && cdf[936] > 0.025, 'lower rank is the largest with P(K ≤ lo−1) ≤ 2.5 %');
  assert.ok(1 - cdf[963] <= 0.025 && 1 - cdf[962] > 0.025, 'upper rank is the smallest with P(K ≥ hi) ≤ 2.5 %');
  // the symmetric normal-approximation ranks 937 and 963 (950 ± 1.96·√47.5 = ±13.5) cover only 94.1 %
  near(coverage(937, 963), 0.9409, 5e-4, 'normal-approximation coverage');
});

test('order-statistic ranks: median of n = 10 is bounded by X(2) and X(9) (textbook, 97.9 %)', () => {
  assert.equal(quantileRanks(10, 0.5), { lo: 2, hi: 9 });
  const cdf = binomialCdf(10, 0.5);
  near(cdf[8] - cdf[1], 0.9785, 5e-4, 'coverage');
});

test('order-statistic ranks are exact past 20 000 samples too: the same ranks as a brute-force binomial sum', () => {
  // reference: Python, math.lgamma pmf summed over k = 0..n, lo = largest l with P(K ≤ l − 1) ≤ 2.5 %,
  // hi = smallest u with P(K ≥ u) ≤ 2.5 %. The normal approximation with continuity correction
  // that used to take over here gave 94865 (p95 of 100 000), 49991 (p99.99 of 50 000: 3.2 %
  // below instead of 2.5 %) and 999984 (p99.999 of 10⁶: 2.7 %).
  assert.equal(quantileRanks(100_000, 0.95), { lo: 94864, hi: 95136 });
  assert.equal(quantileRanks(20_001, 0.999), { lo: 19972, hi: 19990 });
  assert.equal(quantileRanks(50_000, 0.9999), { lo: 49990, hi: 50000 });
  assert.equal(quantileRanks(200_000, 0.99), { lo: 197912, hi: 198088 });
  assert.equal(quantileRanks(1_000_000, 0.99999), { lo: 999983, hi: 999997 });
});

test('order-statistic ranks at the edges: one sample, and p → 0 / p → 1 of many', () => {
  assert.equal(quantileRanks(1, 0.5), { lo: 0, hi: 2 });
  assert.equal(quantileRanks(2, 0.5), { lo: 0, hi: 3 });
  assert.equal(quantileRanks(5, 0.5), { lo: 0, hi: 6 });
  assert.equal(quantileRanks(1_000_000, 1e-12), { lo: 0, hi: 1 });
  assert.equal(quantileRanks(1_000_000, 1 - 1e-12), { lo: 1_000_000, hi: 1_000_001 });
});

test('a percentile too far in the tail for the sample has an open upper bound (p99.9 of 100 samples)', () => {
  const h = createHistogram();
  for (let i = 1; i <= 100; i++) recordMs(h, i);
  const p = percentileInterval(h, 99.9);
  assert.is(p.hi, Infinity);
  near(p.value, 100, 0.1, 'value');
});

test('percentile interval of 1..1000 ms: p95 = 950 ms, bounded by the 936th and 964th values', () => {
  const h = createHistogram();
  for (let i = 1; i <= 1000; i++) recordMs(h, i);
  const p = percentileInterval(h, 95);
  near(p.value, 950, 1, 'value');
  near(p.lo, 936, 1, 'lo');
  near(p.hi, 964, 1, 'hi');
});

test("a percentile lower bound is its HDR bucket's lowest value: 1000 samples of 5.000 ms give p50 in [5.000, 5.003], not [5.003, 5.003]", () => {
  // 5000 µs sits in HDR's 4096–8191 µs range, 4 µs per bucket: [5000, 5003]. The point estimate is the
  // bucket's top (HdrHistogram's getValueAtPercentile), the lower bound its bottom, so it never exceeds
  // the samples; with the top, p(50)>5.001 passed although every sample was 5.000 ms
  const h = createHistogram();
  recordMs(h, 5, 1000);
  const p = percentileInterval(h, 50);
  assert.equal([p.lo, p.value, p.hi], [5, 5.003, 5.003]);
});

test('mean interval of 1..1000 ms is 500.5 ± 1.96·288.7/√1000 = ±17.9 ms', () => {
  const h = createHistogram();
  for (let i = 1; i <= 1000; i++) recordMs(h, i);
  const m = meanInterval(h);
  near(m.value, 500.5, 0.5, 'mean');
  near(m.hi - m.value, 17.89, 0.2, 'half width');
});

test("Student's t critical values match the published table (and a brute-force Simpson integration of the density)", () => {
  // two-sided 95 %: ν = 1 12.7062, 2 4.3027, 3 3.1824, 9 2.2622, 30 2.0423, 999 1.9623; 99 %, ν = 1: 63.6567
  // fractional ν (Welch): 4.5 → 2.658912 (Python, Simpson's rule on the t density, bisection)
  const table: [number, number, number][] = [
    [0.95, 1, 12.706205],
    [0.95, 2, 4.302653],
    [0.95, 3, 3.182446],
    [0.95, 9, 2.262157],
    [0.95, 30, 2.042272],
    [0.95, 999, 1.962341],
    [0.99, 1, 63.656741],
    [0.95, 4.5, 2.658912],
  ];
  for (const [c, df, t] of table) near(tFor(c, df), t, 1e-6, `t(${c}, ${df})`);
});

test("mean interval of few samples is Student's t with the sample standard deviation: 1.0, 1.2, 1.4 ms → 1.2 ± 4.3027·0.2/√3", () => {
  // reference (Python statistics.stdev, t from the Simpson integration above): [0.703172, 1.696828];
  // z with the ÷n standard deviation gave [1.0152, 1.3848], a third as wide
  const h = createHistogram();
  for (const ms of [1.0, 1.2, 1.4]) recordMs(h, ms);
  const m = meanInterval(h);
  near(m.value, 1.2, 1e-9, 'mean');
  near(m.lo, 0.703172, 1e-6, 'lo');
  near(m.hi, 1.696828, 1e-6, 'hi');
});

test('mean interval of one sample is [0, ∞): one request bounds nothing about the spread', () => {
  const h = createHistogram();
  recordMs(h, 5);
  const m = meanInterval(h);
  assert.is(m.lo, 0);
  assert.is(m.hi, Infinity);
});

test.run();
