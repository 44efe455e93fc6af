/**
 * One VU's HTTP connection: an undici Client (one keep-alive connection, no pipelining), so
 * each closed-loop VU holds its own connection the way a k6 VU does — which is what makes
 * Envoy's per-connection limits (istio-envoy-semantics.md §2) bite the same way.
 *
 * This is the engine's per-request path, so it allocates almost nothing per request: the
 * request options are built once, the connection object itself is undici's dispatch handler
 * (no response stream, no async iterator), the stop signals are listened to once per
 * connection instead of once per request, and the request timeout is one timer per
 * connection, re-armed with `refresh()` (README "Performance", "What limits the figures").
 */
import { performance } from 'node:perf_hooks';
import type { Client, Dispatcher } from 'undici';
import { classify, type Cause, type ResponseFacts } from '../classify.js';
import type { RequestPlan } from '../model.js';
import { DEFAULT_REQUEST_TIMEOUT } from '../model.js';
import { parseDurationMs } from '../../util/duration.js';
import { SUBSET_BODY_BYTES, subsetOf, UNATTRIBUTED, type SubsetFrom } from '../subset-from.js';

/** Local replies are ≤ ~200 bytes (§1); 256 bytes classify every one and bound memory per request. */
export const BODY_CAPTURE_BYTES = 256;
/** Keep idle connections this long (k6 keeps them for the whole test). */
const KEEP_ALIVE_MS = 60_000;
/** The response header of an Envoy overflow reply (§1), lower-case as undici hands names over unchanged. */
const OVERLOADED_HEADER = 'x-envoy-overloaded';

export interface Response {
  status: number;
  cause: Cause;
  /**
   * k6's http_req_duration: sending + waiting + receiving, without the TCP connect of a new
   * connection (k6 reports that apart, as http_req_connecting). ms.
   */
  durationMs: number;
  /** the subset that served it (subset-from.ts); UNATTRIBUTED when the plan does not attribute */
  subset: string;
}

/** undici's Client class: what each VuConnection opens its connection with. */
export type ClientClass = typeof Client;

/**
 * undici, imported when the first phase starts rather than with the CLI (about 0.15 s of
 * start-up that `--help`, `validate`, `lint` and the demo's main thread — whose load comes from
 * the engine's thread — never use; tests/cli/startup-imports.test.ts). Node imports it once.
 */
export async function loadClient(): Promise<ClientClass> {
  return (await import('undici')).Client;
}

/** Thrown (as the rejection) when the engine interrupted the request: not a measurement. */
export class Interrupted extends Error {}

const INTERRUPTED = new Interrupted('interrupted by the engine');

/** Why the in-flight request was aborted by us (not by the network). */
const Abort = { none: 0, timeout: 1, stop: 2 } as const;
type AbortKind = (typeof Abort)[keyof typeof Abort];

export class VuConnection implements Dispatcher.DispatchHandler {
  private readonly client: Client;
  private readonly options: Dispatcher.DispatchOptions;
  private readonly timeoutMs: number;
  /** when the current connection was established (performance.now()) */
  private connectedAt = -Infinity;
  private readonly timer: NodeJS.Timeout;
  private readonly onHardStop = () => this.interrupt();

  // the request in flight (at most one: no pipelining)
  private pending = false;
  private start = 0;
  private status = 0;
  private overloaded: string | undefined;
  private readonly captured: Buffer;
  /** where the subset comes from (plan.subsetFrom) and, for `{ header }`, its value in this response */
  private readonly subsetFrom: SubsetFrom | undefined;
  private readonly subsetHeader: string | undefined;
  private subsetValue: string | null = null;
  /** subsetOf()'s header lookup, made once: onHeaders already found the value (no closure per response) */
  private readonly subsetHeaderValue = (): string | null => this.subsetValue;
  private kept = 0;
  private abortFn: ((err?: Error) => void) | undefined;
  /** set when we decided to abort before undici handed us the abort function (still connecting) */
  private aborting: AbortKind = Abort.none;
  /** the last response, reused for every request (no allocation): valid until the next send() */
  private readonly response: Response = { status: 0, cause: 'ok', durationMs: 0, subset: UNATTRIBUTED };
  /** classify()'s input, likewise reused */
  private readonly facts: ResponseFacts = { status: 0, body: '', overloaded: undefined };
  /**
   * true while undici's dispatch() runs: undici reports a request it refuses (a bad method or
   * header, lib/core/request.js) by calling onError synchronously, inside dispatch. Settling
   * then would let a VU loop run on microtasks alone — never yielding to timers or signals
   * (issue 13 item 1) — so such a settlement waits for the next turn of the event loop.
   */
  private dispatching = false;
  private resolve: (r: Response) => void = () => {};
  private reject: (e: Error) => void = () => {};

  /** `Client` from loadClient(); `hard` is the phase's stop signal: it interrupts whatever is in flight. */
  constructor(
    plan: RequestPlan,
    Client: ClientClass,
    private readonly hard?: AbortSignal,
  ) {
    this.subsetFrom = plan.subsetFrom;
    this.subsetHeader =
      plan.subsetFrom && 'header' in plan.subsetFrom ? plan.subsetFrom.header.toLowerCase() : undefined;
    // a `{ body }` regex needs more of the body than classification does
    this.captured = Buffer.allocUnsafe(
      plan.subsetFrom && 'body' in plan.subsetFrom ? SUBSET_BODY_BYTES : BODY_CAPTURE_BYTES,
    );
    const base = new URL(plan.baseUrl);
    const headers: Record<string, string> = { ...(plan.headers ?? {}) };
    if (plan.host) headers.host = plan.host;
    this.options = {
      method: plan.method as Dispatcher.HttpMethod,
      // a base URL with a path prefix is joined as the k6 script joins it: baseUrl + path
      path: base.pathname.replace(/\/$/, '') + plan.path,
      // a flat [name, value, …] list: undici walks it without Object.keys per request
      headers: Object.entries(headers).flat(),
      body: plan.body === undefined ? undefined : Buffer.from(plan.body),
    };
    this.client = new Client(base.origin, {
      pipelining: 1,
      keepAliveTimeout: KEEP_ALIVE_MS,
      keepAliveMaxTimeout: KEEP_ALIVE_MS,
    });
    this.client.on('connect', () => {
      this.connectedAt = performance.now();
    });
    this.timeoutMs = parseDurationMs(plan.timeout ?? DEFAULT_REQUEST_TIMEOUT) ?? 60_000;
    // armed per request with refresh(); firing while idle does nothing. Unref'd: an in-flight
    // request's socket keeps the process alive on its own.
    this.timer = setTimeout(() => this.pending && this.abort(Abort.timeout), this.timeoutMs);
    this.timer.unref();
    hard?.addEventListener('abort', this.onHardStop, { once: true });
  }

  /**
   * Sends the plan's request and reads the response to its end (keep-alive needs the body
   * drained), keeping only its first BODY_CAPTURE_BYTES for classification. No response
   * (refused, reset, timed out) is status 0 → network_error, as in k6. Rejects with
   * Interrupted when the phase's hard stop or `interrupt()` comes first. The resolved
   * Response is this connection's one reused object: read it before the next send().
   */
  send(): Promise<Response> {
    if (this.hard?.aborted) return Promise.reject(INTERRUPTED);
    return new Promise<Response>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      this.pending = true;
      this.status = 0;
      this.overloaded = undefined;
      this.subsetValue = null;
      this.kept = 0;
      this.abortFn = undefined;
      this.aborting = Abort.none;
      this.start = performance.now();
      this.timer.refresh();
      this.dispatching = true;
      try {
        this.client.dispatch(this.options, this);
      } finally {
        this.dispatching = false;
      }
    });
  }

  /** Interrupts the request in flight, if any (the next one is not affected). */
  interrupt(): void {
    if (this.pending) this.abort(Abort.stop);
  }

  private abort(kind: AbortKind): void {
    // a stop outranks a timeout that is still waiting for the connection: the request is then interrupted
    if (kind > this.aborting) this.aborting = kind;
    // before onConnect there is nothing to abort yet; onConnect aborts it (as undici's own signal handling does)
    this.abortFn?.();
  }

  private durationMs(): number {
    return performance.now() - Math.max(this.start, this.connectedAt);
  }

  // --- undici dispatch handler (called for this connection's single in-flight request) ---

  onConnect(abort: (err?: Error) => void): void {
    this.abortFn = abort;
    if (this.aborting !== Abort.none) abort();
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    this.status = statusCode;
    let found = this.subsetHeader === undefined;
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = rawHeaders[i];
      // first occurrence wins, as undici's parsed headers gave headers[name][0]
      if (
        this.overloaded === undefined &&
        name.length === OVERLOADED_HEADER.length &&
        name.toString('latin1').toLowerCase() === OVERLOADED_HEADER
      ) {
        this.overloaded = rawHeaders[i + 1].toString('utf8');
        if (found) break;
      } else if (
        !found &&
        name.length === this.subsetHeader!.length &&
        name.toString('latin1').toLowerCase() === this.subsetHeader
      ) {
        this.subsetValue = rawHeaders[i + 1].toString('utf8');
        found = true;
        if (this.overloaded !== undefined) break;
      }
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    const cap = this.captured.length;
    if (this.kept < cap) this.kept += chunk.copy(this.captured, this.kept, 0, cap - this.kept);
    return true;
  }

  onComplete(): void {
    if (!this.pending) return;
    this.pending = false;
    const r = this.response;
    r.status = this.status;
    const f = this.facts;
    f.status = r.status;
    const body = this.captured.toString('utf8', 0, this.kept);
    f.body = body.length > BODY_CAPTURE_BYTES ? body.slice(0, BODY_CAPTURE_BYTES) : body;
    f.overloaded = this.overloaded;
    r.cause = classify(f);
    if (this.subsetFrom) r.subset = subsetOf(this.subsetFrom, this.subsetHeaderValue, body);
    r.durationMs = this.durationMs();
    this.settle(r);
  }

  onError(): void {
    if (!this.pending) return;
    this.pending = false;
    if (this.aborting === Abort.stop || this.hard?.aborted) this.reject(INTERRUPTED);
    else {
      const r = this.response;
      r.status = 0;
      r.cause = 'network_error';
      r.subset = UNATTRIBUTED;
      r.durationMs = this.durationMs();
      this.settle(r);
    }
  }

  /** Resolves the request in flight; a synchronous failure inside dispatch() resolves on the next event-loop turn. */
  private settle(r: Response): void {
    if (this.dispatching) setImmediate(this.resolve, r);
    else this.resolve(r);
  }

  /** Closes the connection; `force` resets in-flight requests. */
  async close(force = false): Promise<void> {
    clearTimeout(this.timer);
    this.hard?.removeEventListener('abort', this.onHardStop);
    try {
      if (force) await this.client.destroy();
      else await this.client.close();
    } catch {
      // already closed/destroyed: nothing left to release
    }
  }
}
