/**
 * Per-subset statistics of a phase (issue 16 item 4): each subset's share of the phase's requests
 * with a Wilson interval, its failure rate, status and cause counts and latency percentiles; and
 * the split check against the weights the policy declares (item 5).
 *
 * The split check: Pearson's chi-square goodness of fit of the attributed counts against the
 * declared weights (k − 1 degrees of freedom), at the run's confidence. Evidence per subset: a
 * Wilson interval at the Bonferroni-adjusted confidence 1 − (1 − c)/k, so the k intervals hold
 * together with probability ≥ c; `inside` says whether the declared share lies in it.
 */
import type { PhaseResult } from '../load/model.js';
import type { DeclaredSplit } from '../load/subset-from.js';
import type { SplitCheck, SubsetStats } from './subset-model.js';
import { chiSquareGoodnessOfFit } from './chi-square.js';
import { histogramOf } from './decoded.js';
import { failedCount, percentileStat, ratioStat } from './phase.js';
import { DEFAULT_CONFIDENCE, wilson } from './stats.js';

const SUBSET_PERCENTILES = [
  { key: 'p50', p: 50 },
  { key: 'p90', p: 90 },
  { key: 'p95', p: 95 },
  { key: 'p99', p: 99 },
] as const;

export function analyzeSubsets(result: PhaseResult, confidence = DEFAULT_CONFIDENCE): SubsetStats[] | undefined {
  if (!result.subsets) return undefined;
  return Object.entries(result.subsets).map(([subset, s]) => {
    const h = histogramOf(s.histogram);
    const percentiles: SubsetStats['percentiles'] = {};
    for (const { key, p } of SUBSET_PERCENTILES) percentiles[key] = percentileStat(h, p, confidence);
    return {
      subset,
      requests: s.requests,
      share: ratioStat(s.requests, result.requests, confidence),
      failed: ratioStat(failedCount(s), s.requests, confidence),
      statuses: s.statuses,
      causes: s.causes,
      percentiles,
    };
  });
}

/** The observed split of `result` against one declared route (undefined when the phase attributes nothing). */
export function checkSplit(
  result: PhaseResult,
  declared: DeclaredSplit,
  confidence = DEFAULT_CONFIDENCE,
): SplitCheck | undefined {
  if (!result.subsets) return undefined;
  const counts = declared.weights.map((w) => result.subsets?.[w.subset]?.requests ?? 0);
  const n = counts.reduce((a, b) => a + b, 0);
  const total = declared.weights.reduce((a, w) => a + w.weight, 0);
  const fit = chiSquareGoodnessOfFit(
    counts,
    declared.weights.map((w) => w.weight),
  );
  const simultaneous = 1 - (1 - confidence) / declared.weights.length;
  const subsets = declared.weights.map((w, i) => {
    const share = total > 0 ? w.weight / total : 0;
    const { lo, hi } = wilson(counts[i], n, simultaneous);
    return {
      subset: w.subset,
      declared: share,
      count: counts[i],
      share: n > 0 ? counts[i] / n : 0,
      lo,
      hi,
      inside: n > 0 && share >= lo && share <= hi,
    };
  });
  const positive = fit.expected.filter((e) => e > 0);
  return {
    route: declared.route,
    subsets,
    n,
    test: 'chi-square',
    statistic: fit.statistic,
    df: fit.df,
    pValue: fit.pValue,
    minExpected: positive.length ? Math.min(...positive) : 0,
  };
}
