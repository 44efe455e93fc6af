/**
 * Assembles a PhaseResult from counts and live histograms — shared by the built-in engine's
 * recorder and by mergePhaseResults, so every summary is computed one way: from a histogram.
 */
import type { Cause } from './classify.js';
import {
  deserializeHistogram,
  serializeHistogram,
  summarize,
  type Histogram,
  type LatencySummary,
  type SerializedHistogram,
} from './histogram.js';
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
> & {
  startedAt: Date;
  endedAt: Date;
  histograms: { overall: Histogram; byCause: Map<Cause, Histogram>; scheduled?: Histogram };
};

export function buildPhaseResult(t: PhaseTotals): PhaseResult {
  const byCauseSummary: Partial<Record<Cause, LatencySummary>> = {};
  const byCauseHist: Partial<Record<Cause, SerializedHistogram>> = {};
  for (const [cause, h] of t.histograms.byCause) [byCauseHist[cause], byCauseSummary[cause]] = serialized(h);
  const [overallHist, overall] = serialized(t.histograms.overall);
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
  if (t.histograms.scheduled) {
    [result.histograms.scheduled, result.latency.scheduled] = serialized(t.histograms.scheduled);
  }
  return result;
}

/**
 * The serialised histogram and its summary, computed from the serialised form: a live
 * histogram knows its exact max, a decoded one only the bucket's top, and a merged result
 * must read exactly like a single run.
 */
function serialized(h: Histogram): [SerializedHistogram, LatencySummary] {
  const s = serializeHistogram(h);
  return [s, summarize(deserializeHistogram(s))];
}

/** Adds `n` to a count map entry. */
export function addCount<K extends string>(map: Partial<Record<K, number>>, key: K, n = 1): void {
  map[key] = (map[key] ?? 0) + n;
}
