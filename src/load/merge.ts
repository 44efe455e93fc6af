/**
 * mergePhaseResults: one PhaseResult from several — parallel runners of one phase (k6
 * operator pods, design.md "Past one machine") or repetitions of it. Exact: counts add,
 * histograms merge bucket by bucket, timelines add per second offset, and every summary is
 * recomputed from a merged histogram, never averaged from percentiles.
 */
import type { Cause } from './classify.js';
import {
  createHistogram,
  deserializeHistogram,
  percentileMs,
  serializeHistogram,
  type Histogram,
  type LatencySummary,
  type SerializedHistogram,
} from './histogram.js';
import type { PhaseResult, TimelinePoint } from './model.js';
import { addCounts } from './counts.js';
import { buildPhaseResult } from './result.js';
import { mergeSubsetResults } from './subsets.js';

export function mergePhaseResults(parts: PhaseResult[]): PhaseResult {
  if (parts.length === 0) throw new Error('mergePhaseResults: nothing to merge');
  if (parts.length === 1) return parts[0];
  const first = parts[0];
  const starts = parts.map((p) => Date.parse(p.startedAt));
  const ends = parts.map((p) => Date.parse(p.endedAt));
  const statuses: Record<string, number> = {};
  const causes: Partial<Record<Cause, number>> = {};
  for (const p of parts) {
    addCounts(statuses, p.statuses);
    addCounts(causes, p.causes);
  }
  const byCause = new Map<Cause, Histogram>();
  for (const cause of Object.keys(causes) as Cause[]) {
    const hs = parts.map((p) => p.histograms.byCause[cause]).filter((h): h is SerializedHistogram => h !== undefined);
    if (hs.length > 0) byCause.set(cause, mergeLive(hs));
  }
  const scheduledParts = parts
    .map((p) => p.histograms.scheduled)
    .filter((h): h is SerializedHistogram => h !== undefined);
  const merged = buildPhaseResult({
    profile: first.profile,
    plan: first.plan,
    engine: first.engine,
    startedAt: new Date(Math.min(...starts)),
    endedAt: new Date(Math.max(...ends)),
    durationMs: mergedDuration(parts, starts, ends),
    requests: sum(parts.map((p) => p.requests)),
    iterations: sum(parts.map((p) => p.iterations)),
    droppedIterations: sum(parts.map((p) => p.droppedIterations)),
    statuses,
    causes,
    histograms: {
      overall: mergeLive(parts.map((p) => p.histograms.overall)),
      byCause,
      scheduled: scheduledParts.length === parts.length ? mergeLive(scheduledParts) : undefined,
    },
    timeline: mergeTimelines(parts.map((p) => p.timeline)),
    subsets: mergeSubsetResults(parts.map((p) => p.subsets)),
  });
  // repetitions of one N-instance phase are still N instances each
  const same = parts.every((p) => JSON.stringify(p.instances) === JSON.stringify(first.instances));
  if (first.instances && same) merged.instances = first.instances;
  const threads = parts.flatMap((p) => p.threads ?? []);
  if (threads.length > 0) merged.threads = [...new Set(threads)].sort((a, b) => a - b);
  for (const cause of Object.keys(causes) as Cause[]) {
    if (byCause.has(cause)) continue;
    const summaries = parts
      .map((p) => p.latency.byCause[cause])
      .filter((l): l is LatencySummary => l !== undefined && l.count > 0);
    if (summaries.length > 0) merged.latency.byCause[cause] = poolSummaries(summaries);
  }
  return merged;
}

/**
 * Fallback for outcomes that came with summaries but no histogram (the k6 path has one
 * bucketed histogram overall, not one per cause): count, min, max and mean pool exactly;
 * percentiles are count-weighted means of the parts' percentiles — an approximation, used
 * only where no histogram exists.
 */
export function poolSummaries(parts: LatencySummary[]): LatencySummary {
  const count = sum(parts.map((p) => p.count));
  const weighted = (k: keyof LatencySummary) => sum(parts.map((p) => p[k] * p.count)) / count;
  return {
    count,
    min: Math.min(...parts.map((p) => p.min)),
    max: Math.max(...parts.map((p) => p.max)),
    mean: weighted('mean'),
    p50: weighted('p50'),
    p90: weighted('p90'),
    p95: weighted('p95'),
    p99: weighted('p99'),
    p999: weighted('p999'),
  };
}

/**
 * Parallel runners overlap in time: the merged phase lasted from the first start to the last
 * end. Repetitions do not: their measured time is the sum, not the span with the gaps.
 */
function mergedDuration(parts: PhaseResult[], starts: number[], ends: number[]): number {
  const order = starts.map((_s, i) => i).sort((a, b) => starts[a] - starts[b]);
  const disjoint = order.every((i, k) => k === 0 || starts[i] >= ends[order[k - 1]]);
  return disjoint ? sum(parts.map((p) => p.durationMs)) : Math.max(...ends) - Math.min(...starts);
}

function mergeLive(parts: SerializedHistogram[]): Histogram {
  const h = createHistogram();
  for (const p of parts) h.add(deserializeHistogram(p));
  return h;
}

/**
 * Adds timelines second by second (offset from each part's own start). p95 is recomputed from
 * the merged per-second histograms when every contributing part has one; otherwise (a k6
 * part) the larger p95 is kept — an upper bound, since per-second percentiles cannot be pooled.
 */
export function mergeTimelines(timelines: TimelinePoint[][]): TimelinePoint[] {
  const length = Math.max(0, ...timelines.map((t) => t.length));
  const merged: TimelinePoint[] = [];
  for (let t = 0; t < length; t++) {
    const points = timelines.map((tl) => tl[t]).filter((p): p is TimelinePoint => p !== undefined && p.requests > 0);
    const out: TimelinePoint = { t, requests: 0, statuses: {}, causes: {}, p95: null };
    for (const p of points) {
      out.requests += p.requests;
      addCounts(out.statuses, p.statuses);
      addCounts(out.causes, p.causes);
    }
    const hists = points.map((p) => p.histogram).filter((h): h is SerializedHistogram => h !== undefined);
    if (hists.length > 0 && hists.length === points.length) {
      const h = mergeLive(hists);
      out.p95 = percentileMs(h, 95);
      out.histogram = serializeHistogram(h);
    } else {
      const p95s = points.map((p) => p.p95).filter((v): v is number => v !== null);
      out.p95 = p95s.length > 0 ? Math.max(...p95s) : null;
    }
    merged.push(out);
  }
  return merged;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
