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
import type { GateResult, PhaseName, SplitCheck, SplitReason, Verdict } from './model.js';
import type { AnalyzedPhase } from './compare.js';
import { restrictPhase, type TagFilter } from './gate-filters.js';
import { analyzePhase } from './phase.js';

export const SPLIT_GATE = { expression: 'matches-weights', aggregation: 'rate', op: '==', threshold: 0 } as const;
/** Cochran's rule of thumb for Pearson's chi-square: every expected count at least 5. */
export const MIN_EXPECTED = 5;

function reasonOf(c: SplitCheck, alpha: number): SplitReason {
  if (c.n === 0) return 'no-requests';
  if (c.pValue < alpha) return 'weights-rejected';
  return c.minExpected < MIN_EXPECTED ? 'too-few-requests' : 'consistent';
}

const VERDICT_OF: Record<SplitReason, Verdict> = {
  'weights-rejected': 'fail',
  'no-requests': 'inconclusive',
  'too-few-requests': 'inconclusive',
  consistent: 'pass',
};

/** One gate result for all declared routes: the worst verdict, every route's evidence. */
export function judgeSplit(
  metric: string,
  scope: PhaseName,
  checks: SplitCheck[] | undefined,
  confidence: number,
): GateResult {
  const base = { expression: SPLIT_GATE.expression, metric, scope };
  const evidence = { kind: 'split' as const, confidence, minExpected: MIN_EXPECTED };
  if (!checks || checks.length === 0) {
    return {
      ...base,
      observed: NaN,
      interval: [NaN, NaN],
      verdict: 'inconclusive',
      evidence: { ...evidence, routes: [], undecided: checks ? 'no-weighted-route' : 'no-attribution' },
    };
  }
  const alpha = 1 - confidence;
  const routes = checks.map((check) => {
    const reason = reasonOf(check, alpha);
    return { check, verdict: VERDICT_OF[reason], reason };
  });
  const verdicts = routes.map((r) => r.verdict);
  const verdict: Verdict = verdicts.includes('fail')
    ? 'fail'
    : verdicts.includes('inconclusive')
      ? 'inconclusive'
      : 'pass';
  const first = checks[0];
  return {
    ...base,
    observed: first.pValue,
    interval: [first.pValue, first.pValue],
    verdict,
    evidence: { ...evidence, routes },
  };
}

/** Both phases restricted to a tag filter and analysed as phases; `no-attribution` when the run lacks per-subset results. */
export function restrictContext<C extends { baseline: AnalyzedPhase; policy: AnalyzedPhase }>(
  ctx: C,
  filter: TagFilter,
  confidence: number,
): C | 'no-attribution' {
  const b = restrictPhase(ctx.baseline.result, filter);
  const p = restrictPhase(ctx.policy.result, filter);
  if (b === 'no-attribution') return b;
  if (p === 'no-attribution') return p;
  return {
    ...ctx,
    baseline: { result: b, stats: analyzePhase(b, confidence) },
    policy: { result: p, stats: analyzePhase(p, confidence) },
  };
}

/** A tag-filtered gate that cannot be judged on this run: it attributed no responses to subsets. */
export function undecided(gate: { expression: string }, metric: string, scope: string, filter: TagFilter): GateResult {
  return {
    expression: gate.expression,
    metric,
    scope: scope as GateResult['scope'],
    observed: NaN,
    interval: [NaN, NaN],
    verdict: 'inconclusive',
    evidence: { kind: 'unjudged', filter, undecided: 'no-attribution' },
  };
}
