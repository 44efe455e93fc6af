/**
 * Policy minus baseline (design.md "Statistics"): ratio differences with Newcombe intervals
 * and percentile differences with intervals that hold jointly.
 */
import { CAUSES, type Cause } from '../load/classify.js';
import type { SerializedHistogram } from '../load/histogram.js';
import { histogramOf } from './decoded.js';
import type { PhaseResult } from '../load/model.js';
import type { Comparison, DiffStat, PhaseStats, RatioStat } from './model.js';
import { REPORTED_PERCENTILES } from './phase.js';
import { DEFAULT_CONFIDENCE, newcombe, percentileInterval } from './stats.js';

/** What comparing needs of a phase: its stats and (for percentile intervals) its histograms. Report.phases[x] fits. */
export interface AnalyzedPhase {
  result: PhaseResult;
  stats: PhaseStats;
}

/** Newcombe interval of policy − baseline for two ratios over their own request counts. */
export function diffStat(
  baseline: Pick<RatioStat, 'count' | 'n'>,
  policy: Pick<RatioStat, 'count' | 'n'>,
  confidence = DEFAULT_CONFIDENCE,
): DiffStat {
  const d = newcombe(policy.count, policy.n, baseline.count, baseline.n, confidence);
  const ratio = (r: Pick<RatioStat, 'count' | 'n'>) => (r.n > 0 ? r.count / r.n : 0);
  return { baseline: ratio(baseline), policy: ratio(policy), delta: d.delta, lo: d.lo, hi: d.hi };
}

/**
 * Each phase's order-statistic interval for percentile p at confidence 1 − α/2 (Bonferroni),
 * so that both hold together with probability ≥ 1 − α: what a difference or a ratio of the
 * two percentiles derives its interval from.
 */
function jointPercentileIntervals(
  baseline: SerializedHistogram | undefined,
  policy: SerializedHistogram | undefined,
  p: number,
  confidence: number,
) {
  const each = 1 - (1 - confidence) / 2;
  const interval = (h: SerializedHistogram | undefined) =>
    h ? percentileInterval(histogramOf(h), p, each) : { value: NaN, lo: NaN, hi: NaN };
  return { b: interval(baseline), q: interval(policy) };
}

/**
 * Interval for a percentile difference: [policy.lo − baseline.hi, policy.hi − baseline.lo]
 * from the joint intervals above. Conservative, and distribution-free.
 */
export function percentileDelta(
  baseline: AnalyzedPhase,
  policy: AnalyzedPhase,
  p: number,
  confidence = DEFAULT_CONFIDENCE,
  cause?: Cause,
) {
  // `cause`: that cause's histogram (each phase's median of ok answers, of overflow 503s, …)
  const histogram = (x: AnalyzedPhase) => (cause ? x.result.histograms.byCause[cause] : x.result.histograms.overall);
  const { b, q } = jointPercentileIntervals(histogram(baseline), histogram(policy), p, confidence);
  return { baseline: b.value, policy: q.value, delta: q.value - b.value, lo: q.lo - b.hi, hi: q.hi - b.lo };
}

/**
 * Policy percentile ÷ baseline percentile of two latency histograms (e.g. each phase's `ok`
 * responses), with [policy.lo / baseline.hi, policy.hi / baseline.lo] from the same joint
 * intervals: conservative and distribution-free like the difference. A baseline bound of 0
 * or ∞ leaves that side open (∞, or 0); a missing histogram gives NaN. `meshproof diff`
 * compares runs by this ratio rather than the difference because a busy machine stretches
 * both phases of a run by about the same factor — the ratio cancels it, the difference grows
 * with it.
 */
export function percentileRatio(
  baseline: SerializedHistogram | undefined,
  policy: SerializedHistogram | undefined,
  p: number,
  confidence = DEFAULT_CONFIDENCE,
) {
  const { b, q } = jointPercentileIntervals(baseline, policy, p, confidence);
  const div = (x: number, y: number) => (y > 0 ? x / y : y === 0 && x > 0 ? Infinity : NaN);
  return {
    baseline: b.value,
    policy: q.value,
    ratio: div(q.value, b.value),
    lo: b.hi === Infinity ? 0 : div(q.lo, b.hi),
    hi: div(q.hi, b.lo),
  };
}

export function comparePhases(
  baseline: AnalyzedPhase,
  policy: AnalyzedPhase,
  confidence = DEFAULT_CONFIDENCE,
): Comparison {
  const b = baseline.stats;
  const q = policy.stats;
  const zero = (n: number) => ({ count: 0, n });
  const statuses: Record<string, DiffStat> = {};
  for (const code of [...new Set([...Object.keys(b.statuses), ...Object.keys(q.statuses)])].sort()) {
    statuses[code] = diffStat(b.statuses[code] ?? zero(b.requests), q.statuses[code] ?? zero(q.requests), confidence);
  }
  const causes: Comparison['causes'] = {};
  for (const cause of CAUSES) {
    if (!b.causes[cause] && !q.causes[cause]) continue;
    causes[cause] = diffStat(b.causes[cause] ?? zero(b.requests), q.causes[cause] ?? zero(q.requests), confidence);
  }
  const percentiles: Comparison['percentiles'] = {};
  for (const { key, p } of REPORTED_PERCENTILES) percentiles[key] = percentileDelta(baseline, policy, p, confidence);
  const medianByCause: Comparison['medianByCause'] = {};
  for (const cause of CAUSES) {
    if (b.medianByCause[cause] && q.medianByCause[cause])
      medianByCause[cause] = percentileDelta(baseline, policy, 50, confidence, cause);
  }
  return {
    statuses,
    causes,
    failed: diffStat(b.failed, q.failed, confidence),
    percentiles,
    throughput: { baseline: b.throughput, policy: q.throughput, delta: q.throughput - b.throughput },
    goodput: { baseline: b.goodput, policy: q.goodput, delta: q.goodput - b.goodput },
    medianByCause,
  };
}
