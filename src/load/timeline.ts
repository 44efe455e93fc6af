/**
 * The per-second timeline (PhaseResult.timeline) with bounded memory: counts per second plus
 * one live histogram for the current second, which is serialised when the second closes.
 * Responses are recorded as they complete, so seconds arrive in order; a late straggler
 * (timer jitter at a boundary) still counts, it just no longer moves that second's p95.
 */
import type { Cause } from './classify.js';
import { createHistogram, percentileMs, recordMs, serializeHistogram, type Histogram } from './histogram.js';
import type { TimelinePoint } from './model.js';

export class TimelineRecorder {
  private readonly points: TimelinePoint[] = [];
  private readonly current: Histogram = createHistogram();
  private currentSecond = -1;

  record(atMs: number, status: number, cause: Cause, latencyMs: number): void {
    const t = Math.max(0, Math.floor(atMs / 1000));
    if (t > this.currentSecond) this.advanceTo(t);
    const p = this.points[t];
    p.requests++;
    p.statuses[status] = (p.statuses[status] ?? 0) + 1;
    p.causes[cause] = (p.causes[cause] ?? 0) + 1;
    if (t === this.currentSecond) recordMs(this.current, latencyMs);
  }

  /** The timeline so far, every second from 0 to the last one with a response. */
  finish(): TimelinePoint[] {
    this.closeCurrent();
    this.currentSecond = Number.MAX_SAFE_INTEGER;
    return this.points;
  }

  private advanceTo(t: number): void {
    this.closeCurrent();
    for (let s = this.points.length; s <= t; s++)
      this.points.push({ t: s, requests: 0, statuses: {}, causes: {}, p95: null });
    this.currentSecond = t;
  }

  private closeCurrent(): void {
    const p = this.points[this.currentSecond];
    if (!p || this.current.totalCount === 0) return;
    p.p95 = percentileMs(this.current, 95);
    p.histogram = serializeHistogram(this.current);
    this.current.reset();
  }
}
