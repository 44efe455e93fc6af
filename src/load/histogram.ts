/**
 * Latency histograms: HDR (hdr-histogram-js), microsecond resolution, 3 significant digits,
 * bounded memory whatever the sample count, and exactly mergeable — which is what lets
 * repetitions, workers and (later) distributed k6 runners be pooled (design.md "Past one
 * machine"). Every percentile meshproof prints comes from one of these.
 */
import * as hdr from 'hdr-histogram-js';

export type Histogram = hdr.Histogram;

/** The serialisable form carried in PhaseResult. `hdr` is HdrHistogram's compressed base64. */
export interface SerializedHistogram {
  unit: 'us';
  hdr: string;
}

/** Highest trackable latency: 1 hour in µs. Anything slower is clamped (and is a broken run anyway). */
export const HIGHEST_TRACKABLE_US = 3_600_000_000;
/** 3 significant digits: 0.1 % value resolution, ~200 KB per histogram at most. */
export const SIGNIFICANT_DIGITS = 3;

export function createHistogram(): Histogram {
  return hdr.build({
    bitBucketSize: 32,
    useWebAssembly: false, // the JS implementation is fast enough and needs no async init
    autoResize: false,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_US,
    numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
  });
}

/** Records a latency in milliseconds (fractional ok). */
export function recordMs(h: Histogram, ms: number, count = 1): void {
  const us = Math.min(HIGHEST_TRACKABLE_US, Math.max(1, Math.round(ms * 1000)));
  if (count === 1) h.recordValue(us);
  else h.recordValueWithCount(us, count);
}

export function serializeHistogram(h: Histogram): SerializedHistogram {
  return { unit: 'us', hdr: hdr.encodeIntoCompressedBase64(h) };
}

export function deserializeHistogram(s: SerializedHistogram): Histogram {
  const decoded = hdr.decodeFromCompressedBase64(s.hdr, 32, false);
  // decoded histograms are sized to their content; copy into a full-range one so merging never overflows
  const h = createHistogram();
  h.add(decoded);
  return h;
}

/** Sum of histograms (exact: HDR buckets add). */
export function mergeHistograms(parts: SerializedHistogram[]): SerializedHistogram {
  const h = createHistogram();
  for (const p of parts) h.add(deserializeHistogram(p));
  return serializeHistogram(h);
}

/** Value (ms) at percentile p in [0,100], HDR semantics (smallest value with ≥ p % at or below). */
export function percentileMs(h: Histogram, p: number): number {
  return h.totalCount === 0 ? NaN : h.getValueAtPercentile(p) / 1000;
}

/**
 * The k-th smallest sample (1-based rank), in ms, at histogram resolution. Order-statistic
 * confidence intervals for percentiles are expressed as ranks, so analysis needs this.
 * `bound`: which end of the sample's HDR bucket (its equivalent-value range, ≤ 0.1 % wide) to
 * give — 'high' (the default, what getValueAtPercentile reports) or 'low'. A lower confidence
 * bound takes 'low' so that it never exceeds the sample itself: with 'high', 1000 samples of
 * 5.000 ms had a p50 interval of [5.003, 5.003] and passed `p(50)>5.001`.
 */
export function valueAtRankMs(h: Histogram, rank: number, bound: 'low' | 'high' = 'high'): number {
  const n = h.totalCount;
  if (n === 0) return NaN;
  const k = Math.min(n, Math.max(1, Math.round(rank)));
  // getValueAtPercentile uses ceil(p/100 * n) as the target count; aim just below k/n to avoid float overshoot
  const p = Math.min(100, (100 * (k - 0.5)) / n);
  const top = h.getValueAtPercentile(p);
  // hdr.Histogram's interface omits lowestEquivalentValue; every histogram here is a JsHistogram, which has it
  return (bound === 'low' ? (h as unknown as EquivalentRange).lowestEquivalentValue(top) : top) / 1000;
}

interface EquivalentRange {
  lowestEquivalentValue(value: number): number;
}

/** Summary statistics in milliseconds, the shape PhaseResult uses everywhere. */
export interface LatencySummary {
  count: number;
  min: number;
  max: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
}

export function summarize(h: Histogram): LatencySummary {
  const n = h.totalCount;
  if (n === 0) return { count: 0, min: NaN, max: NaN, mean: NaN, p50: NaN, p90: NaN, p95: NaN, p99: NaN, p999: NaN };
  return {
    count: n,
    min: h.minNonZeroValue / 1000,
    max: h.maxValue / 1000,
    mean: h.mean / 1000,
    p50: percentileMs(h, 50),
    p90: percentileMs(h, 90),
    p95: percentileMs(h, 95),
    p99: percentileMs(h, 99),
    p999: percentileMs(h, 99.9),
  };
}

/**
 * The serialised histogram and its summary, computed from the serialised form: a live
 * histogram knows its exact max, a decoded one only the bucket's top, and a merged result
 * must read exactly like a single run.
 */
export function serializedWithSummary(h: Histogram): [SerializedHistogram, LatencySummary] {
  const s = serializeHistogram(h);
  return [s, summarize(deserializeHistogram(s))];
}
