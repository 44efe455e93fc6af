/**
 * One phase's numbers with their intervals (design.md "Statistics"): every status and cause
 * as a share of requests with a Wilson interval, the failure rate k6 calls http_req_failed,
 * percentiles with order-statistic intervals from the merged histogram (overall, and the
 * median of each cause), throughput and goodput.
 */
import { CAUSES, isFailure, type Cause } from '../load/classify.js';
import type { Histogram } from '../load/histogram.js';
import { histogramOf } from './decoded.js';
import type { PhaseResult } from '../load/model.js';
import type { PercentileStat, PhaseStats, RatioStat } from './model.js';
import { DEFAULT_CONFIDENCE, percentileInterval, wilson } from './stats.js';

/** The percentiles every report carries, keyed as PhaseStats.percentiles is. */
export const REPORTED_PERCENTILES = [
  { key: 'p50', p: 50 },
  { key: 'p90', p: 90 },
  { key: 'p95', p: 95 },
  { key: 'p99', p: 99 },
  { key: 'p99.9', p: 99.9 },
] as const;

export function ratioStat(count: number, n: number, confidence = DEFAULT_CONFIDENCE): RatioStat {
  const { lo, hi } = wilson(count, n, confidence);
  return { count, n, ratio: n > 0 ? count / n : 0, lo, hi };
}

export function percentileStat(h: Histogram, p: number, confidence = DEFAULT_CONFIDENCE): PercentileStat {
  return { p, ...percentileInterval(h, p, confidence) };
}

/** Completed requests per second of measured wall time (0 for an empty window). */
export function throughputOf(result: Pick<PhaseResult, 'requests' | 'durationMs'>): number {
  return result.durationMs > 0 ? result.requests / (result.durationMs / 1000) : 0;
}

/**
 * Successful requests (cause ok) per second of measured wall time: goodput, the rate a
 * connection pool actually bounds (issue 12 item 4).
 */
export function goodputOf(result: Pick<PhaseResult, 'requests' | 'durationMs' | 'causes'>): number {
  return throughputOf({ requests: result.requests - failedCount(result), durationMs: result.durationMs });
}

/** Non-ok causes summed: what k6's http_req_failed counts (classify.ts isFailure). */
export function failedCount(result: Pick<PhaseResult, 'causes'>): number {
  let k = 0;
  for (const [cause, count] of Object.entries(result.causes)) if (isFailure(cause as Cause)) k += count ?? 0;
  return k;
}

export function analyzePhase(result: PhaseResult, confidence = DEFAULT_CONFIDENCE): PhaseStats {
  const n = result.requests;
  const statuses: Record<string, RatioStat> = {};
  for (const code of Object.keys(result.statuses).sort())
    statuses[code] = ratioStat(result.statuses[code], n, confidence);
  const causes: PhaseStats['causes'] = {};
  // CAUSES order (ok first, then the failure kinds) so every renderer lists them alike
  for (const cause of CAUSES) {
    const count = result.causes[cause];
    if (count !== undefined) causes[cause] = ratioStat(count, n, confidence);
  }
  const h = histogramOf(result.histograms.overall);
  const percentiles: Record<string, PercentileStat> = {};
  for (const { key, p } of REPORTED_PERCENTILES) percentiles[key] = percentileStat(h, p, confidence);
  const medianByCause: PhaseStats['medianByCause'] = {};
  for (const cause of CAUSES) {
    const hc = result.histograms.byCause[cause];
    if (hc && (result.causes[cause] ?? 0) > 0) medianByCause[cause] = percentileStat(histogramOf(hc), 50, confidence);
  }
  return {
    requests: n,
    durationMs: result.durationMs,
    throughput: throughputOf(result),
    goodput: goodputOf(result),
    droppedIterations: result.droppedIterations,
    statuses,
    causes,
    percentiles,
    failed: ratioStat(failedCount(result), n, confidence),
    medianByCause,
  };
}
