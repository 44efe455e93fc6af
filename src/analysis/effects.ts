/**
 * What a policy does, measured inside one run against that run's own baseline — the thing
 * `meshproof diff` compares between runs, because it survives a runner that is slower or
 * busier than last time:
 * - every failure share (http_req_failed and each failure cause) as policy − baseline, with
 *   the Newcombe interval (compare.ts diffStat);
 * - every reported latency percentile of the `ok` responses as policy ÷ baseline, with the
 *   interval derived from the two order-statistic intervals (compare.ts percentileRatio).
 *   A ratio, not a difference: a busier machine stretches both phases of a run by about the
 *   same factor, which a ratio cancels and a difference carries (issue 14: a same-code rerun
 *   on a busy machine moved the policy p95 by +13 ms, and the absolute diff called that a
 *   regression). Of the `ok` responses, not all: a local reply (overflow 503, fault abort)
 *   comes back in well under a millisecond, so its latency is the client's and the proxy's
 *   CPU time, which contention multiplies by far more than it stretches an answer that
 *   waited on the service. Measured on this project's 2-core machine, two same-code runs of
 *   connection-pool-overflow (97 % overflow): the overall policy p50 went from ×0.024 to
 *   ×0.19 of its baseline — no common factor to cancel. `ok` answers wait on the service in
 *   both phases, and still show the tail a timeout cuts (the slow answers become 504s).
 */
import { CAUSES, isFailure, type Cause } from '../load/classify.js';
import type { AnalyzedRun, PhaseStats, RatioStat } from './model.js';
import { diffStat, percentileRatio } from './compare.js';
import { ratioStat, REPORTED_PERCENTILES } from './phase.js';

export interface ShareEffect {
  kind: 'share';
  /** "failed" (http_req_failed) or a failure cause */
  metric: 'failed' | Cause;
  baseline: RatioStat;
  policy: RatioStat;
  /** policy − baseline share with its Newcombe 95 % interval */
  value: number;
  lo: number;
  hi: number;
}

export interface LatencyEffect {
  kind: 'latency';
  /** "p50" … "p99.9", of the `ok` responses */
  metric: string;
  baselineMs: number;
  policyMs: number;
  /** policy ÷ baseline percentile with its joint order-statistic 95 % interval */
  value: number;
  lo: number;
  hi: number;
}

export type Effect = ShareEffect | LatencyEffect;

/** The value of an effect that means "the policy changed nothing": 0 for shares, ×1 for latency. */
export const neutral = (e: Pick<Effect, 'kind'>): number => (e.kind === 'share' ? 0 : 1);

/**
 * Every effect of one run's policy, keyed "share failed", "share overflow", "latency p95".
 * `also`: failure causes to include even if neither phase saw them (the other run's), as 0/n.
 */
export function runEffects(report: AnalyzedRun, also: readonly Cause[] = []): Map<string, Effect> {
  const out = new Map<string, Effect>();
  const b = report.phases.baseline.stats;
  const q = report.phases.policy.stats;
  const seen = seenFailureCauses(report);
  const causes = CAUSES.filter((c) => seen.includes(c) || also.includes(c));
  for (const metric of ['failed' as const, ...causes]) {
    const baseline = shareOf(b, metric);
    const policy = shareOf(q, metric);
    const d = diffStat(baseline, policy);
    out.set(`share ${metric}`, { kind: 'share', metric, baseline, policy, value: d.delta, lo: d.lo, hi: d.hi });
  }
  const ok = (phase: 'baseline' | 'policy') => report.phases[phase].result.histograms.byCause.ok;
  for (const { key, p } of REPORTED_PERCENTILES) {
    const r = percentileRatio(ok('baseline'), ok('policy'), p);
    out.set(`latency ${key}`, {
      kind: 'latency',
      metric: key,
      baselineMs: r.baseline,
      policyMs: r.policy,
      value: r.ratio,
      lo: r.lo,
      hi: r.hi,
    });
  }
  return out;
}

/** Failure causes a run saw in either phase, in CAUSES order. */
export function seenFailureCauses(report: AnalyzedRun): Cause[] {
  const seen = (s: PhaseStats, c: Cause) => (s.causes[c]?.count ?? 0) > 0;
  return CAUSES.filter(
    (c) => isFailure(c) && (seen(report.phases.baseline.stats, c) || seen(report.phases.policy.stats, c)),
  );
}

/** A cause a phase never saw is 0 of its requests. */
function shareOf(s: PhaseStats, metric: 'failed' | Cause): RatioStat {
  if (metric === 'failed') return s.failed;
  return s.causes[metric] ?? ratioStat(0, s.requests);
}
