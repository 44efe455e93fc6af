/**
 * The three interval estimators meshproof's verdicts rest on (design.md "Statistics"):
 * Wilson score intervals for ratios, Newcombe's hybrid score interval for a difference of
 * ratios, and distribution-free order-statistic intervals for percentiles. Pure functions of
 * counts (and, for percentiles, a histogram), so every number in a report can be recomputed.
 */
import { valueAtRankMs, type Histogram } from '../load/histogram.js';
import { logGamma } from './chi-square.js';
import { tFor } from './student-t.js';

/** 95 %: the confidence every interval in a report is stated at unless the caller asks otherwise. */
export const DEFAULT_CONFIDENCE = 0.95;

export interface Interval {
  lo: number;
  hi: number;
}

/** Two-sided critical value z such that P(|Z| ≤ z) = confidence. */
export function zFor(confidence: number): number {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  return normalQuantile(1 - (1 - confidence) / 2);
}

/**
 * Inverse of the standard normal CDF (Acklam's rational approximation, |relative error| <
 * 1.2e-9 — far below anything a report prints). Written here because no dependency offers it.
 */
export function normalQuantile(p: number): number {
  const a = [
    -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
    2.506628277459239,
  ];
  const b = [
    -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1,
  ];
  const c = [
    -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) =>
    (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}

/**
 * Wilson score interval for k successes in n trials. Unlike the textbook p ± z·√(pq/n) it
 * stays inside [0, 1] and keeps its coverage at 0/n and n/n — the cases gates like
 * `count==0` or `rate<0.01` live in. n = 0 gives the uninformative [0, 1].
 */
export function wilson(k: number, n: number, confidence = DEFAULT_CONFIDENCE): Interval {
  if (n <= 0) return { lo: 0, hi: 1 };
  const z = zFor(confidence);
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // clamp away float dust so 0/n has lo exactly 0 and n/n has hi exactly 1
  return { lo: k === 0 ? 0 : Math.max(0, centre - half), hi: k === n ? 1 : Math.min(1, centre + half) };
}

/**
 * Newcombe's hybrid score interval (1998, method 10) for p1 − p2, built from the two Wilson
 * intervals. Good coverage even when one ratio is 0 — e.g. "no overflows before, 40 % after".
 */
export function newcombe(
  k1: number,
  n1: number,
  k2: number,
  n2: number,
  confidence = DEFAULT_CONFIDENCE,
): Interval & { delta: number } {
  const p1 = n1 > 0 ? k1 / n1 : 0;
  const p2 = n2 > 0 ? k2 / n2 : 0;
  const w1 = wilson(k1, n1, confidence);
  const w2 = wilson(k2, n2, confidence);
  const delta = p1 - p2;
  return {
    delta,
    lo: delta - Math.sqrt((p1 - w1.lo) ** 2 + (w2.hi - p2) ** 2),
    hi: delta + Math.sqrt((w1.hi - p1) ** 2 + (p2 - w2.lo) ** 2),
  };
}

/**
 * Ranks (1-based) of the order statistics bounding the p-quantile (p in (0, 1)) of n samples
 * with at least `confidence` coverage, equal-tailed. Distribution-free: with K = number of
 * samples below the true quantile, K ~ Binomial(n, p), and P(X(lo) ≤ ξ ≤ X(hi)) =
 * P(lo ≤ K ≤ hi − 1). `lo` may be 0 (no lower order statistic is low enough) and `hi` may
 * be n + 1 (none is high enough): the interval is then open on that side.
 *
 * Exact for every n: the binomial is summed only over np ± (12σ + 40), outside which its mass
 * is below 1e-30, so the cost is O(√n) rather than O(n). (A normal approximation with
 * continuity correction used to take over past 20 000 samples: in the far tails, where
 * np(1 − p) is small, it left up to 3.2 % on one side instead of 2.5 % — p(99.99) of 50 000.)
 */
export function quantileRanks(n: number, p: number, confidence = DEFAULT_CONFIDENCE): { lo: number; hi: number } {
  if (n <= 0) return { lo: 0, hi: 1 };
  const tail = (1 - confidence) / 2;
  const spread = 12 * Math.sqrt(n * p * (1 - p)) + 40;
  const from = Math.max(0, Math.floor(n * p - spread));
  const to = Math.min(n, Math.ceil(n * p + spread));
  const pmf = binomialPmfWindow(n, p, from, to);
  // lo = largest l with P(K ≤ l − 1) ≤ tail
  let lo = from;
  let below = 0; // P(K ≤ lo − 1)
  while (lo + 1 <= to && below + pmf[lo - from] <= tail) below += pmf[lo++ - from];
  // hi = smallest u with P(K ≥ u) ≤ tail
  let hi = to + 1;
  let above = 0; // P(K ≥ hi)
  while (hi - 1 >= Math.max(1, from) && above + pmf[hi - 1 - from] <= tail) above += pmf[--hi - from];
  return { lo, hi };
}

/** P(K = k) for K ~ Binomial(n, p), k = from..to (index k − from), in log space to survive large n. */
function binomialPmfWindow(n: number, p: number, from: number, to: number): Float64Array {
  const pmf = new Float64Array(to - from + 1);
  if (p <= 0 || p >= 1) {
    const k = p <= 0 ? 0 : n;
    if (k >= from && k <= to) pmf[k - from] = 1;
    return pmf;
  }
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  let log = logGamma(n + 1) - logGamma(from + 1) - logGamma(n - from + 1) + from * lp + (n - from) * lq;
  for (let k = from; k <= to; k++) {
    if (k > from) log += Math.log(n - k + 1) - Math.log(k) + lp - lq;
    pmf[k - from] = Math.exp(log);
  }
  return pmf;
}

/** cdf[k] = P(K ≤ k) for K ~ Binomial(n, p), k = 0..n, summed in log space to survive large n. */
export function binomialCdf(n: number, p: number): Float64Array {
  const cdf = new Float64Array(n + 1);
  if (p <= 0 || p >= 1) {
    cdf.fill(p <= 0 ? 1 : 0);
    cdf[n] = 1;
    return cdf;
  }
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  let logC = 0; // log C(n, k)
  let acc = 0;
  for (let k = 0; k <= n; k++) {
    if (k > 0) logC += Math.log(n - k + 1) - Math.log(k);
    acc += Math.exp(logC + k * lp + (n - k) * lq);
    cdf[k] = Math.min(1, acc);
  }
  return cdf;
}

/**
 * Point estimate and order-statistic interval (ms) of percentile `percent` (0..100) from a
 * latency histogram. Below rank 1 the bound is 0 (latencies are not negative); above rank n
 * the upper bound is +Infinity — too few samples to bound that tail (JSON writes it as null).
 */
export function percentileInterval(
  h: Histogram,
  percent: number,
  confidence = DEFAULT_CONFIDENCE,
): { value: number; lo: number; hi: number } {
  const n = h.totalCount;
  if (n === 0) return { value: NaN, lo: NaN, hi: NaN };
  const value = h.getValueAtPercentile(percent) / 1000;
  const q = Math.min(1 - 1e-12, Math.max(1e-12, percent / 100));
  const r = quantileRanks(n, q, confidence);
  return {
    value,
    lo: r.lo < 1 ? 0 : valueAtRankMs(h, r.lo, 'low'),
    hi: r.hi > n ? Infinity : valueAtRankMs(h, r.hi),
  };
}

/**
 * Student's t interval for a mean (ms): mean ± t(n − 1) · s/√n, s the sample standard deviation
 * (÷ (n − 1); the histogram's own is ÷ n). With one sample nothing bounds the spread, so the
 * interval is [0, ∞) — it used to be the zero-width [x, x], which decided an `avg` gate on one
 * request; and z in place of t made small samples' intervals far too narrow (n = 2: 1.96 for 12.71).
 */
export function meanInterval(h: Histogram, confidence = DEFAULT_CONFIDENCE): { value: number; lo: number; hi: number } {
  const n = h.totalCount;
  if (n === 0) return { value: NaN, lo: NaN, hi: NaN };
  const mean = h.mean / 1000;
  if (n < 2) return { value: mean, lo: 0, hi: Infinity };
  const half = tFor(confidence, n - 1) * standardErrorMs(h);
  return { value: mean, lo: Math.max(0, mean - half), hi: mean + half };
}

/** s/√n in ms, s the sample standard deviation (Bessel-corrected); needs n ≥ 2. */
export function standardErrorMs(h: Histogram): number {
  const n = h.totalCount;
  return h.stdDeviation / 1000 / Math.sqrt(n - 1);
}
