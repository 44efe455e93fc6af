/**
 * A virtual user: its own connection, and a way to interrupt just its current iteration
 * (ramping-vus' gracefulRampDown) besides the phase-wide hard stop.
 */
import type { RequestPlan } from '../model.js';
import { VuConnection, type ClientClass, type Response } from './http.js';

export class Vu {
  private readonly conn: VuConnection;
  /** whether an iteration is in flight */
  busy = false;
  /** gracefulRampDown deadline of the iteration in flight; cleared when that iteration ends */
  private rampDown: NodeJS.Timeout | undefined;

  /** `Client` from loadClient(); `hard` is the phase's stop signal (Phase.hard): it interrupts this VU's request in flight. */
  constructor(plan: RequestPlan, Client: ClientClass, hard?: AbortSignal) {
    this.conn = new VuConnection(plan, Client, hard);
  }

  /** Starts an iteration's request; end the iteration with `done()`. The Response is reused: read it before the next send. */
  send(): Promise<Response> {
    this.busy = true;
    return this.conn.send();
  }

  /** The iteration in flight ended (measured or interrupted). */
  done(): void {
    this.busy = false;
    if (this.rampDown) {
      clearTimeout(this.rampDown);
      this.rampDown = undefined;
    }
  }

  /**
   * ramping-vus: this VU is no longer needed; its iteration in flight (if any) gets `graceMs`
   * to finish, then is interrupted unless `stillUnneeded()` says the VU was needed again.
   */
  retire(graceMs: number, stillUnneeded: () => boolean): void {
    if (!this.busy || this.rampDown) return;
    this.rampDown = setTimeout(() => {
      this.rampDown = undefined;
      if (stillUnneeded()) this.interrupt();
    }, graceMs);
  }

  /** Interrupts this VU's in-flight iteration only. */
  interrupt(): void {
    this.conn.interrupt();
  }

  close(force: boolean): Promise<void> {
    if (this.rampDown) clearTimeout(this.rampDown);
    return this.conn.close(force);
  }
}
