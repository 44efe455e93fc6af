/**
 * The gates issue 16 adds beside k6's: `split: ["matches-weights"]` and tag-filtered metrics
 * (gate-filters.ts), evaluated here so gates.ts only dispatches.
 *
 * matches-weights — the observed split of the phase is consistent with the weights the policy
 * declares for each weighted route (analysis/subsets.ts checkSplit). Test: Pearson's chi-square
 * goodness of fit at the run's confidence c (α = 1 − c), chosen because it judges all subsets at
 * once with one error rate; the per-subset Bonferroni-simultaneous Wilson intervals are the
 * evidence a reader checks by eye.
 *   fail         p < α (the counts are not what the weights would give), or a zero-weight
 *                destination served requests;
 *   inconclusive no attributed requests, or an expected count below 5 (Cochran's rule: the
 *                chi-square approximation does not hold; more requests decide it);
 *   pass         otherwise — no evidence against the weights at this confidence.
 */
import type { GateResult, PhaseName, SplitCheck, Verdict } from './model.js';
import { formatNumber } from '../util/format.js';
import type { AnalyzedPhase } from './compare.js';
import { restrictPhase, type TagFilter } from './gate-filters.js';
import { analyzePhase } from './phase.js';

export const SPLIT_GATE = { expression: 'matches-weights', aggregation: 'rate', op: '==', threshold: 0 } as const;
/** Cochran's rule of thumb for Pearson's chi-square: every expected count at least 5. */
export const MIN_EXPECTED = 5;

const pct = (x: number) => `${formatNumber(x * 100)} %`;

function verdictOf(c: SplitCheck, alpha: number): Verdict {
  if (c.n === 0) return 'inconclusive';
  if (c.pValue < alpha) return 'fail';
  return c.minExpected < MIN_EXPECTED ? 'inconclusive' : 'pass';
}

/** One gate result for all declared routes: the worst verdict, every route's evidence in the message. */
export function judgeSplit(
  metric: string,
  scope: PhaseName,
  checks: SplitCheck[] | undefined,
  confidence: number,
): GateResult {
  const base = { expression: SPLIT_GATE.expression, metric, scope };
  if (!checks || checks.length === 0) {
    const why = checks
      ? 'the policy declares no weighted route (no http[] entry with two or more destinations)'
      : 'this run did not attribute responses to subsets';
    return {
      ...base,
      observed: NaN,
      interval: [NaN, NaN],
      verdict: 'inconclusive',
      message: `${scope} split cannot be judged: ${why}`,
    };
  }
  const alpha = 1 - confidence;
  const verdicts = checks.map((c) => verdictOf(c, alpha));
  const verdict: Verdict = verdicts.includes('fail')
    ? 'fail'
    : verdicts.includes('inconclusive')
      ? 'inconclusive'
      : 'pass';
  const lines = checks.map((c, i) => {
    const each = c.subsets
      .map(
        (s) =>
          `${s.subset} ${pct(s.share)} [${pct(s.lo)}, ${pct(s.hi)}] vs ${pct(s.declared)}${s.inside ? '' : ' (outside)'}`,
      )
      .join(', ');
    const why =
      verdicts[i] === 'fail'
        ? `p = ${formatNumber(c.pValue)} < ${formatNumber(alpha)}: not the declared weights`
        : c.n === 0
          ? 'no attributed requests'
          : verdicts[i] === 'inconclusive'
            ? `smallest expected count ${formatNumber(c.minExpected)} < ${MIN_EXPECTED}: too few requests for the chi-square test`
            : `p = ${formatNumber(c.pValue)} ≥ ${formatNumber(alpha)}: consistent with the declared weights`;
    return `${c.route}: ${c.n} requests; ${each}; Pearson chi-square X² = ${formatNumber(c.statistic)}, df ${c.df}, ${why}`;
  });
  const first = checks[0];
  return {
    ...base,
    observed: first.pValue,
    interval: [first.pValue, first.pValue],
    verdict,
    message: `${scope} split (chi-square goodness of fit at ${Math.round(confidence * 100)} %; intervals simultaneous per route): ${lines.join('; ')}`,
  };
}

/** Both phases restricted to a tag filter and analysed as phases; a string when the run lacks what it needs. */
export function restrictContext<C extends { baseline: AnalyzedPhase; policy: AnalyzedPhase }>(
  ctx: C,
  filter: TagFilter,
  confidence: number,
): C | string {
  const b = restrictPhase(ctx.baseline.result, filter);
  const p = restrictPhase(ctx.policy.result, filter);
  if (typeof b === 'string') return b;
  if (typeof p === 'string') return p;
  return {
    ...ctx,
    baseline: { result: b, stats: analyzePhase(b, confidence) },
    policy: { result: p, stats: analyzePhase(p, confidence) },
  };
}

/** A gate that cannot be judged on this run, and why. */
export function undecided(gate: { expression: string }, metric: string, scope: string, why: string): GateResult {
  return {
    expression: gate.expression,
    metric,
    scope: scope as GateResult['scope'],
    observed: NaN,
    interval: [NaN, NaN],
    verdict: 'inconclusive',
    message: `${scope} ${metric}: ${why}, so ${gate.expression} cannot be decided`,
  };
}
