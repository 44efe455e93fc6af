/**
 * One VU's HTTP connection: an undici Client (one keep-alive connection, no pipelining), so
 * each closed-loop VU holds its own connection the way a k6 VU does — which is what makes
 * Envoy's per-connection limits (istio-envoy-semantics.md §2) bite the same way.
 */
import { performance } from 'node:perf_hooks';
import { Client } from 'undici';
import { classify, type Cause } from '../classify.js';
import type { RequestPlan } from '../model.js';
import { DEFAULT_REQUEST_TIMEOUT } from '../model.js';
import { parseDurationMs } from '../../util/duration.js';

/** Local replies are ≤ ~200 bytes (§1); 256 bytes classify every one and bound memory per request. */
export const BODY_CAPTURE_BYTES = 256;
/** Keep idle connections this long (k6 keeps them for the whole test). */
const KEEP_ALIVE_MS = 60_000;

export interface Response {
  status: number;
  cause: Cause;
  /**
   * k6's http_req_duration: sending + waiting + receiving, without the TCP connect of a new
   * connection (k6 reports that apart, as http_req_connecting). ms.
   */
  durationMs: number;
}

/** Thrown (as the rejection) when the engine interrupted the request: not a measurement. */
export class Interrupted extends Error {}

export class VuConnection {
  private readonly client: Client;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly path: string;
  /** when the current connection was established (performance.now()) */
  private connectedAt = -Infinity;

  constructor(private readonly plan: RequestPlan) {
    const base = new URL(plan.baseUrl);
    // a base URL with a path prefix is joined as the k6 script joins it: baseUrl + path
    this.path = base.pathname.replace(/\/$/, '') + plan.path;
    this.client = new Client(base.origin, {
      pipelining: 1,
      keepAliveTimeout: KEEP_ALIVE_MS,
      keepAliveMaxTimeout: KEEP_ALIVE_MS,
    });
    this.client.on('connect', () => {
      this.connectedAt = performance.now();
    });
    this.headers = { ...(plan.headers ?? {}) };
    if (plan.host) this.headers.host = plan.host;
    this.timeoutMs = parseDurationMs(plan.timeout ?? DEFAULT_REQUEST_TIMEOUT) ?? 60_000;
  }

  /**
   * Sends the plan's request and reads the response to its end (keep-alive needs the body
   * drained), keeping only its first BODY_CAPTURE_BYTES for classification. No response
   * (refused, reset, timed out) is status 0 → network_error, as in k6. Rejects with
   * Interrupted when one of `stops` fires first.
   */
  async send(stops: AbortSignal[]): Promise<Response> {
    // One controller per request, linked by listeners that are removed afterwards: long-lived
    // signals then hold nothing per request (AbortSignal.any/timeout would, until GC).
    const ctl = new AbortController();
    const abort = () => ctl.abort();
    for (const s of stops) s.addEventListener('abort', abort);
    const timer = setTimeout(abort, this.timeoutMs);
    const start = performance.now();
    const duration = () => performance.now() - Math.max(start, this.connectedAt);
    try {
      if (stops.some((s) => s.aborted)) throw new Interrupted('interrupted by the engine');
      const res = await this.client.request({
        method: this.plan.method as 'GET',
        path: this.path,
        headers: this.headers,
        body: this.plan.body,
        signal: ctl.signal,
      });
      const chunks: Buffer[] = [];
      let kept = 0;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        if (kept < BODY_CAPTURE_BYTES) {
          chunks.push(chunk);
          kept += chunk.length;
        }
      }
      const body = Buffer.concat(chunks).subarray(0, BODY_CAPTURE_BYTES).toString('utf8');
      const overloaded = res.headers['x-envoy-overloaded'];
      const status = res.statusCode;
      const cause = classify({ status, body, overloaded: Array.isArray(overloaded) ? overloaded[0] : overloaded });
      return { status, cause, durationMs: duration() };
    } catch (err) {
      if (stops.some((s) => s.aborted)) throw new Interrupted('interrupted by the engine');
      return { status: 0, cause: 'network_error', durationMs: duration() };
    } finally {
      clearTimeout(timer);
      for (const s of stops) s.removeEventListener('abort', abort);
    }
  }

  /** Closes the connection; `force` resets in-flight requests. */
  async close(force = false): Promise<void> {
    try {
      if (force) await this.client.destroy();
      else await this.client.close();
    } catch {
      // already closed/destroyed: nothing left to release
    }
  }
}
