/**
 * The clock and the two stop signals of one phase, shared by every executor:
 * `ended` — the scheduled duration is over (or the caller aborted): start no new iteration;
 * `hard` — gracefulStop has run out (or the caller aborted): interrupt what is in flight.
 * Interrupted requests are not measurements and are not recorded (k6 does the same with
 * iterations cut by gracefulStop).
 */
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Interrupted } from './http.js';
import type { Recorder } from './recorder.js';
import type { Vu } from './vu.js';

/** How many already-due sleepUntil calls may resolve at once before one yields to the event loop. */
const LATE_YIELD = 64;
/** VUs created per event-loop turn: a large VU count must not make the engine deaf to Ctrl-C while it builds them. */
const VU_BATCH = 100;

export class Phase {
  readonly t0 = performance.now();
  readonly startedAt = new Date();
  ended = false;
  readonly hard = new AbortController();
  private readonly wakers = new Set<() => void>();
  /** sleepUntil calls that found their time already past, in a row */
  private late = 0;

  constructor(readonly recorder: Recorder) {
    // every VU's connection listens on `hard` (one listener per VU, removed when it closes), so
    // hundreds of VUs are hundreds of listeners by design, not a leak
    setMaxListeners(0, this.hard.signal);
  }

  /** ms since the phase started */
  elapsed(): number {
    return performance.now() - this.t0;
  }

  /** Resolves at `atMs` (phase time), or early when the phase ends; returns whether the phase is still running. */
  sleepUntil(atMs: number): Promise<boolean> {
    const wait = atMs - this.elapsed();
    if (this.ended) return Promise.resolve(false);
    if (wait <= 0) {
      // a schedule that is behind (a rate the machine cannot keep up with) would otherwise run
      // on microtasks alone, deaf to timers and signals: every LATE_YIELD late calls, yield a turn
      if (++this.late % LATE_YIELD !== 0) return Promise.resolve(true);
      return new Promise((resolve) => setImmediate(() => resolve(!this.ended)));
    }
    this.late = 0;
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve(!this.ended);
      };
      const timer = setTimeout(wake, wait);
      this.wakers.add(wake);
    });
  }

  /** Adds VUs until there are `n`, yielding between batches; stops early when the phase ends (aborted). */
  async grow(vus: Vu[], n: number, makeVu: () => Vu): Promise<void> {
    while (vus.length < n && !this.ended) {
      const batch = Math.min(n, vus.length + VU_BATCH);
      while (vus.length < batch) vus.push(makeVu());
      if (vus.length < n) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Stops new iterations and wakes every sleeper. */
  end(): void {
    this.ended = true;
    for (const wake of [...this.wakers]) wake();
  }

  /** Interrupts everything in flight (gracefulStop over, or aborted by the caller). */
  stopHard(): void {
    this.end();
    this.hard.abort();
  }

  /**
   * One iteration on `vu`: one request, recorded on completion. `scheduledAtMs` (arrival-rate)
   * adds the scheduled-start latency, which includes any delay before the send. A plain async
   * function awaiting the connection's own promise: no further promise or closure per request.
   */
  async iterate(vu: Vu, scheduledAtMs?: number): Promise<void> {
    const started = this.elapsed();
    try {
      const r = await vu.send();
      const done = this.elapsed();
      // a timer may fire a hair early; an iteration never counts as starting before its schedule
      const scheduled = scheduledAtMs === undefined ? undefined : done - Math.min(scheduledAtMs, started);
      this.recorder.add(r.status, r.cause, r.durationMs, scheduled, done, r.subset);
    } catch (err) {
      if (!(err instanceof Interrupted)) throw err;
    } finally {
      vu.done();
    }
  }

  /** Ends the phase after `durationMs`, waits up to `graceMs` for `inFlight`, then interrupts the rest. */
  async finish(inFlight: () => Promise<unknown>, graceMs: number): Promise<void> {
    const drained = inFlight();
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([drained, grace]);
    clearTimeout(timer);
    this.stopHard();
    await drained;
  }
}
