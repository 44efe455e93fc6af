/**
 * A virtual user: its own connection, and a way to interrupt just its current iteration
 * (ramping-vus' gracefulRampDown) besides the phase-wide hard stop.
 */
import type { RequestPlan } from '../model.js';
import { VuConnection, type Response } from './http.js';

export class Vu {
  private readonly conn: VuConnection;
  /** the iteration in flight, if any */
  current: Promise<void> | undefined;

  /** `hard` is the phase's stop signal (Phase.hard): it interrupts this VU's request in flight. */
  constructor(plan: RequestPlan, hard?: AbortSignal) {
    this.conn = new VuConnection(plan, hard);
  }

  send(): Promise<Response> {
    return this.conn.send();
  }

  /** Tracks `iteration` as this VU's current one. */
  run(iteration: Promise<void>): Promise<void> {
    const p = iteration.finally(() => {
      if (this.current === p) this.current = undefined;
    });
    this.current = p;
    return p;
  }

  /** Interrupts this VU's in-flight iteration only. */
  interrupt(): void {
    this.conn.interrupt();
  }

  close(force: boolean): Promise<void> {
    return this.conn.close(force);
  }
}
