/**
 * Log-spaced latency buckets: how a k6 run hands back a *mergeable* histogram. k6's Trends
 * give exact percentiles but only as numbers, and per-VU JavaScript state cannot be
 * aggregated; a fixed set of Counters, one per bucket, is summed by k6 itself across VUs
 * (and across runners). The Node side rebuilds an HDR histogram from the counts.
 * Shared by scripts/resilience.ts and src/load/k6/summary.ts; ES2017, no Node APIs.
 */

/** Lower edge of bucket 1 in ms; bucket 0 holds everything faster. */
export const BUCKET_MIN_MS = 0.1;
/** Each bucket is 3 % wider than the last: rebuilt percentiles are within ±1.5 %. */
export const BUCKET_GROWTH = 1.03;
/** Buckets 1…N cover 0.1 ms to ~130 s (> k6's 60 s default timeout); the last one also takes anything slower. */
export const BUCKET_COUNT = 475;

export const BUCKET_PREFIX = 'latency_bucket_';

/** The Counter of bucket `i` of one cause: "latency_bucket_overflow_12". */
export function bucketName(cause: string, i: number): string {
  return `${BUCKET_PREFIX}${cause}_${i}`;
}

/** The bucket of a latency in ms: 0 below BUCKET_MIN_MS, else 1 + ⌊log_growth(ms / min)⌋, capped. */
export function bucketOf(ms: number): number {
  if (!(ms >= BUCKET_MIN_MS)) return 0;
  const i = 1 + Math.floor(Math.log(ms / BUCKET_MIN_MS) / Math.log(BUCKET_GROWTH));
  return Math.min(BUCKET_COUNT, i);
}

/** A representative latency for a bucket (its geometric centre; half the floor for bucket 0). */
export function bucketValueMs(i: number): number {
  if (i <= 0) return BUCKET_MIN_MS / 2;
  return BUCKET_MIN_MS * BUCKET_GROWTH ** (i - 1) * Math.sqrt(BUCKET_GROWTH);
}
