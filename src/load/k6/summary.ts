/**
 * The file scripts/resilience.ts's handleSummary writes (src/load/k6/metrics/summary-file.ts) → PhaseResult.
 * Percentiles come from k6's own Trends (exact); the mergeable histogram is rebuilt from the
 * log-spaced bucket Counters (src/load/k6/metrics/buckets.ts), one set per cause, at ±1.5 % resolution;
 * the overall histogram is their sum. The timeline comes from the per-second Trends (request
 * count and k6's own p95 of that second) and per-second cause Counters. Not carried (k6's
 * end-of-test data cannot give them without a metric per second and status, or a streamed
 * output): per-second statuses, per-second histograms (merged timelines keep the larger p95,
 * merge.ts), and scheduled-start latency (k6 does not tell a script when an arrival-rate
 * iteration was scheduled).
 */
import { BUCKET_COUNT, bucketName, bucketValueMs } from './metrics/buckets.js';
import {
  CAUSE_PREFIX,
  LATENCY_PREFIX,
  SECOND_PREFIX,
  secondCauseName,
  STATUS_PREFIX,
  subsetBucketName,
  subsetCauseName,
  subsetKey,
  subsetStatusName,
} from './metrics/names.js';
import { UNATTRIBUTED } from '../subset-from.js';
import { SubsetRecorder, type SubsetResults } from '../subsets.js';
import { SUMMARY_FORMAT, type SummaryFile } from './metrics/summary-file.js';
import { CAUSES, type Cause } from '../classify.js';
import {
  createHistogram,
  recordMs,
  serializeHistogram,
  type Histogram,
  type LatencySummary,
  type SerializedHistogram,
} from '../histogram.js';
import type { LoadProfile, PhaseResult, RequestPlan, TimelinePoint } from '../model.js';

export interface SummaryContext {
  profile: LoadProfile;
  plan: RequestPlan;
  version: string;
  /** when k6 exited; the run started testRunDurationMs before */
  endedAt: Date;
}

/** Throws a plain Error naming what is wrong; the caller wraps it as an InfraError. */
export function parseSummaryFile(text: string, ctx: SummaryContext): PhaseResult {
  const file = JSON.parse(text) as SummaryFile;
  if (file?.format !== SUMMARY_FORMAT)
    throw new Error(`expected a ${SUMMARY_FORMAT} document, got ${JSON.stringify(text.slice(0, 80))}`);
  const c = file.counters ?? {};
  const statuses = withPrefix(c, STATUS_PREFIX);
  const causes = withPrefix(c, CAUSE_PREFIX) as Partial<Record<Cause, number>>;
  const requests = c.http_reqs ?? Object.values(causes).reduce((a, n) => a + (n ?? 0), 0);

  const overall = createHistogram();
  const byCause: Partial<Record<Cause, LatencySummary>> = {};
  const causeHistograms: Partial<Record<Cause, SerializedHistogram>> = {};
  for (const cause of CAUSES) {
    const t = file.trends?.[LATENCY_PREFIX + cause];
    if (t && causes[cause]) byCause[cause] = fromTrend(t, causes[cause] ?? 0);
    const h = bucketHistogram(c, (i) => bucketName(cause, i));
    if (h.totalCount > 0) {
      causeHistograms[cause] = serializeHistogram(h);
      overall.add(h);
    }
  }
  const durationMs = file.testRunDurationMs;
  return {
    profile: ctx.profile,
    plan: ctx.plan,
    engine: { name: 'k6', version: ctx.version },
    startedAt: new Date(ctx.endedAt.getTime() - durationMs).toISOString(),
    endedAt: ctx.endedAt.toISOString(),
    durationMs,
    requests,
    iterations: c.iterations ?? requests,
    droppedIterations: c.dropped_iterations ?? 0,
    statuses,
    causes,
    latency: { overall: fromTrend(file.trends?.http_req_duration ?? {}, requests), byCause },
    histograms: { overall: serializeHistogram(overall), byCause: causeHistograms },
    timeline: timelineFrom(file),
    ...(ctx.plan.subsetFrom ? { subsets: subsetsFrom(c, ctx.plan.subsets ?? []) } : {}),
  };
}

/** The per-subset Counters (metrics/names.ts) of the declared subsets and UNATTRIBUTED → SubsetResults. */
function subsetsFrom(c: Record<string, number>, declared: string[]): SubsetResults {
  const names = [...new Set([...declared, UNATTRIBUTED])];
  return SubsetRecorder.fromParts(
    names.map((subset) => {
      const key = subsetKey(subset);
      const causes: Partial<Record<Cause, number>> = {};
      for (const cause of CAUSES) if (c[subsetCauseName(key, cause)]) causes[cause] = c[subsetCauseName(key, cause)];
      const statuses = withPrefix(c, subsetStatusName(key, ''));
      const histogram = bucketHistogram(c, (i) => subsetBucketName(key, i));
      return { subset, statuses, causes, histogram };
    }),
  );
}

/** k6 trend values (ms, keys 'avg', 'med', 'p(95)', …) → LatencySummary. */
export function fromTrend(v: Record<string, number>, count: number): LatencySummary {
  const n = (k: string) => (typeof v[k] === 'number' ? v[k] : NaN);
  return {
    count: v.count ?? count,
    min: n('min'),
    max: n('max'),
    mean: n('avg'),
    p50: n('med'),
    p90: n('p(90)'),
    p95: n('p(95)'),
    p99: n('p(99)'),
    p999: n('p(99.9)'),
  };
}

/** A histogram rebuilt from one set of log-spaced bucket Counters (metrics/buckets.ts), `name(i)` naming bucket i. */
function bucketHistogram(counters: Record<string, number>, name: (i: number) => string): Histogram {
  const h = createHistogram();
  for (let i = 0; i <= BUCKET_COUNT; i++) {
    const n = counters[name(i)];
    if (n) recordMs(h, bucketValueMs(i), n);
  }
  return h;
}

function withPrefix(counters: Record<string, number>, prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(counters)) if (k.startsWith(prefix) && n > 0) out[k.slice(prefix.length)] = n;
  return out;
}

/** Seconds 0…last from the per-second Trends ("second_<t>") and cause Counters ("second_<t>_<cause>"). */
function timelineFrom(file: SummaryFile): TimelinePoint[] {
  const trends = file.trends ?? {};
  const counters = file.counters ?? {};
  const seconds = Object.keys(trends).filter(
    (k) => /^\d+$/.test(k.slice(SECOND_PREFIX.length)) && k.startsWith(SECOND_PREFIX),
  );
  const last = Math.max(-1, ...seconds.map((k) => Number(k.slice(SECOND_PREFIX.length))));
  const points: TimelinePoint[] = [];
  for (let t = 0; t <= last; t++) {
    const trend = trends[SECOND_PREFIX + t];
    const causes: Partial<Record<Cause, number>> = {};
    for (const cause of CAUSES) {
      const n = counters[secondCauseName(t, cause)];
      if (n) causes[cause] = n;
    }
    const requests = trend?.count ?? 0;
    points.push({
      t,
      requests,
      statuses: {},
      causes,
      p95: requests > 0 && typeof trend['p(95)'] === 'number' ? trend['p(95)'] : null,
    });
  }
  return points;
}
