/**
 * Everything the built-in engine remembers about a run: counters, HDR histograms and the
 * per-second timeline — never a per-request array, so memory is bounded whatever the
 * request count.
 */
import type { Cause } from '../classify.js';
import { createHistogram, recordMs, type Histogram } from '../histogram.js';
import type { EngineInfo, LoadProfile, PhaseResult, Progress, RequestPlan } from '../model.js';
import { addCount } from '../counts.js';
import { buildPhaseResult } from '../result.js';
import { TimelineRecorder } from '../timeline.js';
import { SubsetRecorder } from '../subsets.js';

export class Recorder {
  requests = 0;
  droppedIterations = 0;
  readonly statuses: Record<string, number> = {};
  private readonly causes: Partial<Record<Cause, number>> = {};
  private readonly overall = createHistogram();
  private readonly byCause = new Map<Cause, Histogram>();
  private readonly scheduled: Histogram | undefined;
  private readonly timeline = new TimelineRecorder();
  /** only when the plan attributes responses to subsets (issue 16) */
  private readonly subsets: SubsetRecorder | undefined;

  /** `declared`: the plan's subsets; others count as UNATTRIBUTED (SubsetRecorder). Unset: every name kept. */
  constructor(measureScheduled: boolean, attributes = false, declared?: readonly string[]) {
    this.scheduled = measureScheduled ? createHistogram() : undefined;
    this.subsets = attributes ? new SubsetRecorder(declared && new Set(declared)) : undefined;
  }

  /**
   * One completed request: latency is actual send → response complete (k6's
   * http_req_duration), scheduledLatencyMs (arrival-rate only) scheduled start → response
   * complete, atMs the completion time since phase start. Positional arguments, so the
   * engine's per-request path allocates nothing here.
   */
  add(
    status: number,
    cause: Cause,
    latencyMs: number,
    scheduledLatencyMs: number | undefined,
    atMs: number,
    subset?: string,
  ): void {
    this.requests++;
    if (this.subsets && subset !== undefined) this.subsets.add(subset, status, cause, latencyMs);
    addCount(this.statuses, String(status));
    addCount(this.causes, cause);
    recordMs(this.overall, latencyMs);
    let h = this.byCause.get(cause);
    if (!h) this.byCause.set(cause, (h = createHistogram()));
    recordMs(h, latencyMs);
    if (this.scheduled && scheduledLatencyMs !== undefined) recordMs(this.scheduled, scheduledLatencyMs);
    this.timeline.record(atMs, status, cause, latencyMs);
  }

  progress(elapsedMs: number, totalMs: number): Progress {
    return { elapsedMs, totalMs, requests: this.requests, statuses: { ...this.statuses } };
  }

  result(meta: {
    profile: LoadProfile;
    plan: RequestPlan;
    engine: EngineInfo;
    startedAt: Date;
    durationMs: number;
  }): PhaseResult {
    return buildPhaseResult({
      ...meta,
      endedAt: new Date(meta.startedAt.getTime() + meta.durationMs),
      requests: this.requests,
      // one request per iteration in meshproof's model
      iterations: this.requests,
      droppedIterations: this.droppedIterations,
      statuses: this.statuses,
      causes: this.causes,
      histograms: { overall: this.overall, byCause: this.byCause, scheduled: this.scheduled },
      timeline: this.timeline.finish(),
      subsets: this.subsets?.result(),
    });
  }
}
