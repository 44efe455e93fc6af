/**
 * A gate's `message`: the one sentence every format prints under its verdict, worded here
 * from the evidence analysis returns (analysis/model.ts GateEvidence), one function per kind.
 * Analysis decides; this file only says it.
 */
import type {
  GateEvidence,
  GateReport,
  GateResult,
  SplitEvidence,
  ThresholdEvidence,
  UnjudgedEvidence,
} from './model.js';
import { formatNumber } from './format.js';

type Judged<E extends GateEvidence> = Omit<GateResult, 'evidence'> & { evidence: E };

/** The sentence for one gate result. */
export function gateMessage(g: GateResult): string {
  const e = g.evidence;
  if (e.kind === 'threshold') return thresholdMessage({ ...g, evidence: e });
  if (e.kind === 'split') return splitMessage({ ...g, evidence: e });
  return unjudgedMessage({ ...g, evidence: e });
}

/** The gates as report.json carries them: the sentence in place of the evidence, fields in their order. */
export function reportGates(gates: GateResult[]): GateReport[] {
  return gates.map((g) => ({
    expression: g.expression,
    metric: g.metric,
    scope: g.scope,
    observed: g.observed,
    interval: g.interval,
    verdict: g.verdict,
    message: gateMessage(g),
  }));
}

const percent = (confidence: number) => `${Math.round(confidence * 100)} %`;

/** "policy cause_overflow rate = 0.3; the whole 95 % interval [0.28, 0.32] satisfies rate>=0.25" */
export function thresholdMessage(g: Judged<ThresholdEvidence>): string {
  const { evidence: e, expression } = g;
  const what = `${g.scope} ${g.metric} ${e.aggregation === 'p' ? `p(${e.percentile})` : e.aggregation}`;
  if (e.undecided === 'no-data')
    return `${what} has no data (no requests in the phase), so ${expression} cannot be decided`;
  const [lo, hi] = g.interval;
  const value = `${what} = ${formatNumber(g.observed)}`;
  if (e.exact) return `${value} (exact) ${g.verdict === 'pass' ? 'satisfies' : 'violates'} ${expression}`;
  const ci = `${percent(e.confidence)} interval [${formatNumber(lo)}, ${formatNumber(hi)}]`;
  if (g.verdict === 'pass') return `${value}; the whole ${ci} satisfies ${expression}`;
  if (g.verdict === 'fail') return `${value}; the whole ${ci} violates ${expression}`;
  return `${value}; the ${ci} straddles ${formatNumber(e.threshold)}, so ${expression} cannot be decided at this confidence (more requests would narrow it)`;
}

const pct = (x: number) => `${formatNumber(x * 100)} %`;

const SPLIT_UNDECIDED: Record<NonNullable<SplitEvidence['undecided']>, string> = {
  'no-weighted-route': 'the policy declares no weighted route (no http[] entry with two or more destinations)',
  'no-attribution': 'this run did not attribute responses to subsets',
};

/** Every declared route's split: per subset observed share, interval and declared weight; the chi-square and why. */
export function splitMessage(g: Judged<SplitEvidence>): string {
  const e = g.evidence;
  if (e.undecided) return `${g.scope} split cannot be judged: ${SPLIT_UNDECIDED[e.undecided]}`;
  const alpha = 1 - e.confidence;
  const lines = e.routes.map(({ check: c, reason }) => {
    // with no request there is no share, interval or test statistic to show
    if (reason === 'no-requests') return `${c.route}: 0 requests; no attributed requests`;
    const each = c.subsets
      .map(
        (s) =>
          `${s.subset} ${pct(s.share)} [${pct(s.lo)}, ${pct(s.hi)}] vs ${pct(s.declared)}${s.inside ? '' : ' (outside)'}`,
      )
      .join(', ');
    const why =
      reason === 'weights-rejected'
        ? `p = ${formatNumber(c.pValue)} < ${formatNumber(alpha)}: not the declared weights`
        : reason === 'too-few-requests'
          ? `smallest expected count ${formatNumber(c.minExpected)} < ${e.minExpected}: too few requests for the chi-square test`
          : `p = ${formatNumber(c.pValue)} ≥ ${formatNumber(alpha)}: consistent with the declared weights`;
    return `${c.route}: ${c.n} requests; ${each}; Pearson chi-square X² = ${formatNumber(c.statistic)}, df ${c.df}, ${why}`;
  });
  return `${g.scope} split (chi-square goodness of fit at ${percent(e.confidence)}; intervals simultaneous per route): ${lines.join('; ')}`;
}

const UNJUDGED: Record<UnjudgedEvidence['undecided'], string> = {
  'no-attribution':
    'this run did not attribute responses to subsets (set target.subsetFrom, or route to DestinationRule subsets so meshproof adds its attribution header)',
};

/** A tag-filtered gate the run could not restrict to its filter. */
export function unjudgedMessage(g: Judged<UnjudgedEvidence>): string {
  return `${g.scope} ${g.metric}: ${UNJUDGED[g.evidence.undecided]}, so ${g.expression} cannot be decided`;
}
