/**
 * Assembles a PhaseResult from counts and live histograms — shared by the built-in engine's
 * recorder and by mergePhaseResults, so every summary is computed one way: from a histogram.
 */
import type { Cause } from './classify.js';
import { serializeHistogram, summarize, type Histogram, type LatencySummary, type SerializedHistogram } from './histogram.js';
import type { EngineInfo, LoadProfile, PhaseResult, RequestPlan, TimelinePoint } from './model.js';

export interface PhaseTotals {
  profile: LoadProfile;
  plan: RequestPlan;
  engine: EngineInfo;
  startedAt: Date;
  endedAt: Date;
  durationMs: number;
  requests: number;
  iterations: number;
  droppedIterations: number;
  statuses: Record<string, number>;
  causes: Partial<Record<Cause, number>>;
  histograms: { overall: Histogram; byCause: Map<Cause, Histogram>; scheduled?: Histogram };
  timeline: TimelinePoint[];
}

export function buildPhaseResult(t: PhaseTotals): PhaseResult {
  const byCauseSummary: Partial<Record<Cause, LatencySummary>> = {};
  const byCauseHist: Partial<Record<Cause, SerializedHistogram>> = {};
  for (const [cause, h] of t.histograms.byCause) {
    byCauseSummary[cause] = summarize(h);
    byCauseHist[cause] = serializeHistogram(h);
  }
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
    latency: { overall: summarize(t.histograms.overall), byCause: byCauseSummary },
    histograms: { overall: serializeHistogram(t.histograms.overall), byCause: byCauseHist },
    timeline: t.timeline,
  };
  if (t.histograms.scheduled) {
    result.latency.scheduled = summarize(t.histograms.scheduled);
    result.histograms.scheduled = serializeHistogram(t.histograms.scheduled);
  }
  return result;
}

/** Adds `n` to a count map entry. */
export function addCount<K extends string>(map: Partial<Record<K, number>>, key: K, n = 1): void {
  map[key] = (map[key] ?? 0) + n;
}
