/**
 * Policy minus baseline (design.md "Statistics"): ratio differences with Newcombe intervals
 * and percentile differences with intervals that hold jointly.
 */
import { CAUSES, type Cause } from '../load/classify.js';
import { deserializeHistogram } from '../load/histogram.js';
import type { PhaseResult } from '../load/model.js';
import type { Comparison, DiffStat, PhaseStats, RatioStat } from '../report/model.js';
import { REPORTED_PERCENTILES } from './phase.js';
import { DEFAULT_CONFIDENCE, newcombe, percentileInterval } from './stats.js';

/** What comparing needs of a phase: its stats and (for percentile intervals) its histograms. Report.phases[x] fits. */
export interface AnalyzedPhase {
  result: PhaseResult;
  stats: PhaseStats;
}

/** Newcombe interval of policy − baseline for two ratios over their own request counts. */
export function diffStat(baseline: Pick<RatioStat, 'count' | 'n'>, policy: Pick<RatioStat, 'count' | 'n'>, confidence = DEFAULT_CONFIDENCE): DiffStat {
  const d = newcombe(policy.count, policy.n, baseline.count, baseline.n, confidence);
  const ratio = (r: Pick<RatioStat, 'count' | 'n'>) => (r.n > 0 ? r.count / r.n : 0);
  return { baseline: ratio(baseline), policy: ratio(policy), delta: d.delta, lo: d.lo, hi: d.hi };
}

/**
 * Interval for a percentile difference: each side's order-statistic interval at confidence
 * 1 − α/2 (Bonferroni), so that both hold together with probability ≥ 1 − α, then
 * [policy.lo − baseline.hi, policy.hi − baseline.lo]. Conservative, and distribution-free.
 */
export function percentileDelta(baseline: AnalyzedPhase, policy: AnalyzedPhase, p: number, confidence = DEFAULT_CONFIDENCE, cause?: Cause) {
  const each = 1 - (1 - confidence) / 2;
  const histogram = (x: AnalyzedPhase) => deserializeHistogram((cause ? x.result.histograms.byCause[cause] : undefined) ?? x.result.histograms.overall);
  const b = percentileInterval(histogram(baseline), p, each);
  const q = percentileInterval(histogram(policy), p, each);
  return { baseline: b.value, policy: q.value, delta: q.value - b.value, lo: q.lo - b.hi, hi: q.hi - b.lo };
}

export function comparePhases(baseline: AnalyzedPhase, policy: AnalyzedPhase, confidence = DEFAULT_CONFIDENCE): Comparison {
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
    if (b.medianByCause[cause] && q.medianByCause[cause]) medianByCause[cause] = percentileDelta(baseline, policy, 50, confidence, cause);
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
