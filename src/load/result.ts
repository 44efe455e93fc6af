/**
 * Assembles a PhaseResult from counts and live histograms — shared by the built-in engine's
 * recorder and by mergePhaseResults, so every summary is computed one way: from a histogram.
 */
import type { Cause } from './classify.js';
import { serializedWithSummary, type Histogram, type LatencySummary, type SerializedHistogram } from './histogram.js';
import type { PhaseResult } from './model.js';

/** What a PhaseResult is built from: its counts as they are, timestamps as Dates, histograms live. */
export type PhaseTotals = Pick<
  PhaseResult,
  | 'profile'
  | 'plan'
  | 'engine'
  | 'durationMs'
  | 'requests'
  | 'iterations'
  | 'droppedIterations'
  | 'statuses'
  | 'causes'
  | 'timeline'
  | 'subsets'
> & {
  startedAt: Date;
  endedAt: Date;
  histograms: { overall: Histogram; byCause: Map<Cause, Histogram>; scheduled?: Histogram };
};

export function buildPhaseResult(t: PhaseTotals): PhaseResult {
  const byCauseSummary: Partial<Record<Cause, LatencySummary>> = {};
  const byCauseHist: Partial<Record<Cause, SerializedHistogram>> = {};
  for (const [cause, h] of t.histograms.byCause) [byCauseHist[cause], byCauseSummary[cause]] = serializedWithSummary(h);
  const [overallHist, overall] = serializedWithSummary(t.histograms.overall);
  const result: PhaseResult = {
    profile: t.profile,
    plan: t.plan,
    engine: t.engine,
    startedAt: t.startedAt.toISOString(),
    endedAt: t.endedAt.toISOString(),
    durationMs: t.durationMs,
    requests: t.requests,
    iterations: t.iterations,
    droppedIterations: t.droppedIterations,
    statuses: t.statuses,
    causes: t.causes,
    latency: { overall, byCause: byCauseSummary },
    histograms: { overall: overallHist, byCause: byCauseHist },
    timeline: t.timeline,
  };
  if (t.subsets) result.subsets = t.subsets;
  if (t.histograms.scheduled) {
    [result.histograms.scheduled, result.latency.scheduled] = serializedWithSummary(t.histograms.scheduled);
  }
  return result;
}
