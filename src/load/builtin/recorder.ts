/**
 * Everything the built-in engine remembers about a run: counters, HDR histograms and the
 * per-second timeline — never a per-request array, so memory is bounded whatever the
 * request count.
 */
import type { Cause } from '../classify.js';
import { createHistogram, recordMs, type Histogram } from '../histogram.js';
import type { EngineInfo, LoadProfile, PhaseResult, Progress, RequestPlan } from '../model.js';
import { addCount, buildPhaseResult } from '../result.js';
import { TimelineRecorder } from '../timeline.js';

export interface Sample {
  status: number;
  cause: Cause;
  /** actual send → response complete (k6 http_req_duration) */
  latencyMs: number;
  /** arrival-rate only: scheduled start → response complete */
  scheduledLatencyMs?: number;
  /** completion time, ms since phase start */
  atMs: number;
}

export class Recorder {
  requests = 0;
  droppedIterations = 0;
  readonly statuses: Record<string, number> = {};
  private readonly causes: Partial<Record<Cause, number>> = {};
  private readonly overall = createHistogram();
  private readonly byCause = new Map<Cause, Histogram>();
  private readonly scheduled: Histogram | undefined;
  private readonly timeline = new TimelineRecorder();

  constructor(measureScheduled: boolean) {
    this.scheduled = measureScheduled ? createHistogram() : undefined;
  }

  record(s: Sample): void {
    this.requests++;
    addCount(this.statuses, String(s.status));
    addCount(this.causes, s.cause);
    recordMs(this.overall, s.latencyMs);
    let h = this.byCause.get(s.cause);
    if (!h) this.byCause.set(s.cause, (h = createHistogram()));
    recordMs(h, s.latencyMs);
    if (this.scheduled && s.scheduledLatencyMs !== undefined) recordMs(this.scheduled, s.scheduledLatencyMs);
    this.timeline.record(s.atMs, s.status, s.cause, s.latencyMs);
  }

  progress(elapsedMs: number, totalMs: number): Progress {
    return { elapsedMs, totalMs, requests: this.requests, statuses: { ...this.statuses } };
  }

  result(meta: { profile: LoadProfile; plan: RequestPlan; engine: EngineInfo; startedAt: Date; durationMs: number }): PhaseResult {
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
    });
  }
}
