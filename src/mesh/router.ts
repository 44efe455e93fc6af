/**
 * Envoy's router filter for one downstream request (istio-envoy-semantics.md §4.3, §6 steps
 * 3–8): global route timer T from "request complete", per-try timer P from "connection
 * obtained", host selection (§3.3), pool admission (§2.2), outlier reporting for every attempt
 * (§3.2), retries (§4.2, decided by src/mesh/retry-state.ts) after their backoff, and the
 * final response: proxied (with `x-envoy-upstream-service-time`) or a local reply (§1) with
 * response flags.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { ClusterState } from './cluster.js';
import type { MeshRequest, MeshResponse } from './downstream.js';
import { requestHead, type ResponseSink } from './http1-client.js';
import type { Host } from './host.js';
import { LocalOrigin } from './outlier.js';
import type { Conn, Pool, PoolFailure, PoolWaiter } from './pool.js';
import {
  BODY,
  clientGoneFlag,
  Flag,
  RESET_REASON,
  resetBody,
  SERVER_NAME,
  sendLocalReply,
  type ResetReason,
} from './local-reply.js';
import type { CompiledRoute } from './route-config.js';
import { evaluate, type EntryMutations } from './header-mutation.js';
import { RETRY_ON_CONNECT_FAILURE, RETRY_ON_PER_TRY_TIMEOUT, RETRY_ON_RESET, RetryState } from './retry-state.js';
import { chargeCode, chargeRetriedCode } from './stats.js';
import type { Rng } from '../util/random.js';

/** What the gateway hands the router and gets told at the end (access log, downstream stats). */
export interface Downstream {
  req: MeshRequest;
  res: MeshResponse;
  body: Buffer | null;
  worker: number;
  /** the request's path as routed (canonical, §6.1): forwarded and logged */
  path: string;
  flags: number;
  /** filled by the router */
  upstreamHost: string;
  clusterName: string;
  serviceTimeMs: number;
  /** §6.3: the header mutations of the route entry (route + chosen weighted cluster) */
  mutations: EntryMutations;
  /**
   * response body bytes handed to the downstream codec (StreamInfo `bytesSent`, the access log's
   * `%BYTES_SENT%`): conn_manager_impl.cc `ActiveStream::encodeData` adds `data.length()` before
   * `response_encoder_->encodeData` — body only, before any chunk framing, headers not counted
   */
  bytesSent: number;
  /**
   * The gateway resets the downstream stream (conn_manager_impl.cc `ActiveStream::resetStream`:
   * `downstream_rq_tx_reset`, then `doEndStream`); on HTTP/1 that closes the connection.
   */
  resetStream(): void;
  finish(status: number): void;
}

/**
 * What the HCM strips from a proxied response (conn_manager_utility.cc mutateResponseHeaders
 * with clear_hop_by_hop, not an upgrade): connection, upgrade, transfer-encoding, keep-alive,
 * proxy-connection; `te`, `trailer` and `proxy-authenticate` from the upstream go downstream.
 * (The request side is the gateway's: request-headers.ts mutateRequestHeaders, before routing.)
 */
const RESPONSE_HOP_BY_HOP = new Set(['connection', 'upgrade', 'transfer-encoding', 'keep-alive', 'proxy-connection']);

type Phase = 'idle' | 'queued' | 'sent' | 'backoff' | 'done';

/**
 * One attempt: its claim on a pool (a `max_requests` slot, released exactly once) and the
 * listener of its upstream response, which hands the response to the router while the attempt
 * is the current one and drains it otherwise.
 */
class Stream implements ResponseSink {
  open = true;
  /** the response's body is being forwarded downstream */
  private forwarding = false;

  constructor(
    readonly conn: Conn,
    private readonly router: Router,
  ) {}

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.conn.pool.streamDone();
  }

  onResponseHead(status: number, headers: IncomingHttpHeaders): void {
    this.forwarding = this.router.onResponse(this, status, headers);
  }

  onResponseData(chunk: Buffer, last: boolean): void {
    if (last) this.close();
    if (this.forwarding) this.router.onResponseData(chunk, last);
  }

  onResponseReset(): void {
    this.router.onUpstreamReset(this);
  }
}

export class Router implements PoolWaiter {
  private phase: Phase = 'idle';
  private start = 0;
  private timeoutMs = 0;
  private perTryMs = 0;
  private readonly retries: RetryState;
  private readonly avoidTried: boolean;
  private attempts = 0;
  private tried: Host[] | null = null;
  private host: Host | null = null;
  private pool: Pool | null = null;
  private stream: Stream | null = null;
  private globalTimer: NodeJS.Timeout | undefined;
  private perTryTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private headers: OutgoingHttpHeaders | null = null;
  /** the status of the forwarded response */
  private status = 0;
  /** the forwarded response came with a content-length */
  private lengthKnown = false;
  /** the forwarded response's headers went downstream and its body is on its way */
  private streaming = false;

  constructor(
    private readonly d: Downstream,
    route: CompiledRoute,
    private readonly cluster: ClusterState,
    rng: Rng,
    private readonly now: () => number,
  ) {
    this.retries = new RetryState(route.retry, cluster.resources, cluster.stats, rng);
    this.avoidTried = route.retry?.avoidPreviousHosts ?? false;
    this.timeoutMs = route.timeoutMs;
    const perTry = route.retry?.perTryMs ?? 0;
    // §4.1: perTryTimeout is ignored when ≥ the route timeout
    this.perTryMs = perTry > 0 && (this.timeoutMs === 0 || perTry < this.timeoutMs) ? perTry : 0;
    d.clusterName = cluster.settings.name;
  }

  /** §6 step 3: timers start when the router has the whole request (after any fault delay). */
  run(): void {
    this.start = this.now();
    if (this.timeoutMs > 0) this.globalTimer = setTimeout(() => this.onGlobalTimeout(), this.timeoutMs);
    this.d.res.once('close', () => this.onDownstreamClose());
    this.attempt();
  }

  private attempt(): void {
    this.attempts++;
    const h = this.cluster.pickHost(this.d.worker, this.tried, this.avoidTried);
    if (!h) {
      chargeCode(this.cluster.stats, 503); // sendNoHealthyUpstreamResponse charges it too
      return this.localReply(503, BODY.noHealthyUpstream, Flag.UH);
    }
    this.host = h;
    this.d.upstreamHost = h.address;
    if (this.avoidTried) (this.tried ??= []).push(h);
    this.pool = this.cluster.pool(this.d.worker, h);
    this.phase = 'queued';
    this.pool.newStream(this);
  }

  // ---- pool callbacks ----

  onPoolReady(conn: Conn): void {
    if (this.phase !== 'queued') {
      // cannot happen (cancelled waiters are removed), but never leak a stream or a busy connection
      conn.pool.streamDone();
      conn.destroy();
      return;
    }
    const h = this.host as Host;
    this.phase = 'sent';
    const s = new Stream(conn, this);
    this.stream = s;
    this.cluster.outlier?.onLocalOrigin(h, LocalOrigin.connectOk);
    if (this.perTryMs > 0) this.perTryTimer = setTimeout(() => this.onPerTryTimeout(), this.perTryMs);
    const method = this.d.req.method ?? 'GET';
    conn.send(requestHead(method, this.d.path, this.upstreamHeaders()), this.d.body, s, method === 'HEAD');
  }

  onPoolFailure(why: PoolFailure): void {
    if (this.phase !== 'queued') return;
    // never retried (§4.2); after earlier attempts the reset text says so, like any reset (§1)
    if (why === 'overflow') {
      // onUpstreamReset → maybeRetryReset → shouldRetry(NoRetry): wouldRetryFromReset never
      // retries an overflow, but a retry armed earlier counts upstream_rq_retry_success
      this.retries.decide(false);
      chargeCode(this.cluster.stats, 503); // Envoy charges an overflow reset as a 503 ("dropped")
      return this.localReply(503, resetBody(RESET_REASON.overflow, this.attempts > 1), Flag.UO, true);
    }
    const h = this.host as Host;
    h.rqError++;
    this.cluster.outlier?.onLocalOrigin(h, LocalOrigin.connectFailed);
    const reason = why === 'connect-timeout' ? RESET_REASON.connectTimeout : RESET_REASON.connectFailure;
    this.onFailure(RETRY_ON_CONNECT_FAILURE, Flag.UF, 503, reason);
  }

  // ---- upstream events ----

  /**
   * An attempt's response head. Returns whether its body is to be forwarded (false: a stale
   * attempt's or a retried response, drained so that its connection can be reused).
   */
  onResponse(s: Stream, status: number, headers: IncomingHttpHeaders): boolean {
    if (s !== this.stream || this.phase !== 'sent') return false;
    clearTimeout(this.perTryTimer);
    const h = this.host as Host;
    this.cluster.outlier?.onStatus(h, status);
    const decision = this.retries.decide(this.retries.coversStatus(status, headers));
    if (decision === 'yes') {
      // router.cc: a retried response is an error of its host and is charged under `retry.`
      h.rqError++;
      chargeRetriedCode(this.cluster.stats, status);
      this.scheduleRetry();
      return false;
    }
    chargeCode(this.cluster.stats, status);
    if (status >= 500) h.rqError++;
    else h.rqSuccess++;
    if (decision === 'limit') this.d.flags |= Flag.URX;
    else if (decision === 'overflow') this.d.flags |= Flag.UO; // no x-envoy-overloaded (§4.4)
    return this.forward(headers, status);
  }

  onUpstreamReset(s: Stream): void {
    const wasOpen = s.open;
    s.close();
    if (s !== this.stream || !wasOpen) return;
    // the pod closed the connection under an active request. An HTTP/1.1 upstream counts that on
    // the connection (codec/pool), not as upstream_rq_rx_reset, which is for HTTP/2 stream resets
    const c = this.cluster.stats.c;
    c.upstream_cx_destroy_with_active_rq++;
    c.upstream_cx_destroy_remote_with_active_rq++;
    if (this.phase === 'done') {
      // died while the body was streaming downstream (router.cc onUpstreamReset → onUpstreamAbort:
      // the UC flag, then sendLocalReply resets a response already started). The request ends
      // here, with the status its headers went out with: counted and logged once. onUpstreamReset
      // reports LocalOriginConnectFailed to the outlier detector first, headers sent or not (a
      // 503 for consecutive_5xx / gateway errors unless split, §3.1); only the retry is skipped
      this.cluster.outlier?.onLocalOrigin(this.host as Host, LocalOrigin.reset);
      this.d.flags |= Flag.UC;
      this.cleanup();
      this.streaming = false;
      this.d.resetStream();
      this.d.finish(this.status);
      return;
    }
    if (this.phase !== 'sent') return;
    clearTimeout(this.perTryTimer);
    const h = this.host as Host;
    h.rqError++;
    this.cluster.outlier?.onLocalOrigin(h, LocalOrigin.reset);
    this.onFailure(RETRY_ON_RESET, Flag.UC, 503, RESET_REASON.connectionTermination);
  }

  private onPerTryTimeout(): void {
    if (this.phase !== 'sent') return;
    const h = this.host as Host;
    this.cluster.stats.c.upstream_rq_per_try_timeout++;
    h.rqTimeout++;
    this.abortUpstream();
    this.cluster.outlier?.onLocalOrigin(h, LocalOrigin.timeout);
    this.onFailure(RETRY_ON_PER_TRY_TIMEOUT, Flag.UT, 504, null);
  }

  /**
   * Envoy `onResponseTimeout`: every upstream request still in flight counts
   * `upstream_rq_timeout` and its host's `rq_timeout` ("in all the cases", headers seen or not);
   * one still awaiting headers (queued or sent) is also charged 504 and, once it has a host,
   * reported to the outlier detector. None is in flight during a retry backoff. A response
   * whose headers already went out has its downstream stream reset (§4.1).
   */
  private onGlobalTimeout(): void {
    if (this.phase === 'done') {
      // the timer is cleared when the response ends: its body is still streaming. The request
      // ends here with the status already sent, UT, its downstream stream reset
      this.cluster.stats.c.upstream_rq_timeout++;
      (this.host as Host).rqTimeout++;
      this.d.flags |= Flag.UT;
      this.abortUpstream();
      this.cleanup();
      this.streaming = false;
      this.d.resetStream();
      this.d.finish(this.status);
      return;
    }
    if (this.phase === 'queued') {
      this.pool?.cancel(this);
      this.cluster.stats.c.upstream_rq_timeout++;
      chargeCode(this.cluster.stats, 504);
    } else if (this.phase === 'sent') {
      const h = this.host as Host;
      h.rqTimeout++;
      this.abortUpstream();
      this.cluster.stats.c.upstream_rq_timeout++;
      chargeCode(this.cluster.stats, 504);
      this.cluster.outlier?.onLocalOrigin(h, LocalOrigin.timeout);
    }
    this.localReply(504, BODY.timeout, Flag.UT);
  }

  private onDownstreamClose(): void {
    if (this.phase === 'done') {
      if (!this.streaming) return;
      // the client left while the body was streaming: the connection's close resets the stream
      // (conn_manager_impl.cc resetAllStreams, DC) or the client's RST_STREAM does (DR); the
      // stream ends there, logged with the status its headers went out with, and the router's
      // onDestroy resets the upstream request (router.cc Filter::onDestroy → resetAll)
      this.streaming = false;
      this.d.flags |= clientGoneFlag(this.d.req);
      this.abortUpstream();
      this.cleanup();
      this.d.finish(this.status);
      return;
    }
    // client went away first (Envoy: DC, or DR for an HTTP/2 stream reset); give back whatever the request holds
    this.d.flags |= clientGoneFlag(this.d.req);
    if (this.phase === 'queued') this.pool?.cancel(this);
    else if (this.phase === 'sent') this.abortUpstream();
    this.phase = 'done';
    this.cleanup();
    this.d.finish(0);
  }

  private scheduleRetry(): void {
    this.phase = 'backoff';
    this.retryTimer = setTimeout(() => {
      if (this.phase === 'backoff') this.attempt();
    }, this.retries.backoffMs());
  }

  /** A failure without a response: retry if retryOn covers it, else a local reply with `flag`. */
  private onFailure(retryBits: number, flag: number, status: number, reason: ResetReason | null): void {
    const decision = this.retries.decide(this.retries.coversFailure(retryBits));
    if (decision === 'yes') return this.scheduleRetry();
    // router.cc charges a reset, connect failure or per-try timeout only when it is not retried
    chargeCode(this.cluster.stats, status);
    let flags = flag;
    if (decision === 'limit') flags |= Flag.URX;
    else if (decision === 'overflow') flags |= Flag.UO;
    const body = reason === null ? BODY.timeout : resetBody(reason, this.attempts > 1);
    this.localReply(status, body, flags);
  }

  // ---- plumbing ----

  /**
   * Request headers for this attempt: downstream headers minus hop-by-hop ones, copied once per
   * request, plus the attempt headers (written by http1-client.ts requestHead).
   */
  private upstreamHeaders(): OutgoingHttpHeaders {
    let h = this.headers;
    if (!h) {
      h = {};
      const src = this.d.req.headers;
      // (the connection manager mutated them for this hop already: request-headers.ts)
      for (const k in src) h[k] = src[k];
      h.connection = 'keep-alive';
      if (this.d.body) h['content-length'] = this.d.body.length;
      // router.cc decodeHeaders: route_entry_->finalizeRequestHeaders, once per request
      evaluate(this.d.mutations.request, h);
      this.headers = h;
    }
    h['x-envoy-attempt-count'] = this.attempts;
    // §4.3: x-envoy-expected-rq-timeout-ms = P || T, capped by what is left of T; Envoy sets it
    // at decodeHeaders for the first attempt (elapsed 0) and recomputes it on each retry. Out of
    // time it sends 1, not 0 (0 would mean "no timeout" to the upstream; setTimeoutHeaders)
    if (this.perTryMs > 0 || this.timeoutMs > 0) {
      const elapsed = this.attempts > 1 ? Math.floor(this.now() - this.start) : 0;
      const left = this.timeoutMs > 0 ? this.timeoutMs - elapsed : Infinity;
      h['x-envoy-expected-rq-timeout-ms'] = Math.max(1, Math.min(this.perTryMs || this.timeoutMs, left));
    }
    return h;
  }

  /** Starts the proxied response downstream; false when the client is already gone. */
  private forward(src: IncomingHttpHeaders, status: number): boolean {
    this.phase = 'done';
    this.lengthKnown = src['content-length'] !== undefined;
    const out: OutgoingHttpHeaders = {};
    for (const k in src) if (!RESPONSE_HOP_BY_HOP.has(k)) out[k] = src[k];
    // router.cc onUpstreamHeaders: duration_cast<milliseconds> truncates
    const serviceTime = Math.floor(this.now() - this.start);
    out['x-envoy-upstream-service-time'] = serviceTime;
    // router.cc onUpstreamHeaders → modify_headers_ → route_entry_->finalizeResponseHeaders
    evaluate(this.d.mutations.response, out);
    out.server = SERVER_NAME;
    this.d.serviceTimeMs = serviceTime;
    this.status = status;
    const dres = this.d.res;
    if (dres.destroyed) {
      // the client is gone and its 'close' (onDownstreamClose) will find the request done: finish
      // here. The response is drained (its connection reused), no longer this request's stream
      this.stream = null;
      this.cleanup();
      this.d.flags |= clientGoneFlag(this.d.req);
      this.d.finish(0);
      return false;
    }
    dres.writeHead(status, out);
    this.streaming = true;
    return true;
  }

  /**
   * The forwarded response's body: a body that arrives whole with a known length (the usual
   * case) goes out with its head in one write (the codec's end()); anything else is streamed
   * through. A response without `content-length` goes downstream without one even when its body
   * arrived whole: Envoy encodes the headers as they come (end_stream false for a body), and its
   * HTTP/1 encoder then chunks the body (`ResponseEncoderImpl::encodeHeaders`: no content-length,
   * not end_stream → `transfer-encoding: chunked`; HTTP/1.0 → the connection closes after it).
   */
  onResponseData(chunk: Buffer, last: boolean): void {
    const dres = this.d.res;
    if (!this.streaming) return; // the stream was reset: nothing more is encoded
    if (dres.destroyed) {
      // reset by the client, its h2 stream's 'close' a turn away (onDownstreamClose ends the
      // request then); an upstream response that ended meanwhile left its connection to the pool
      if (last) this.stream = null;
      return;
    }
    if (!last) {
      if (chunk.length > 0) {
        this.d.bytesSent += chunk.length;
        dres.write(chunk);
      }
      return;
    }
    this.streaming = false;
    this.cleanup();
    this.d.bytesSent += chunk.length;
    if (this.lengthKnown || dres.headersSent) dres.end(chunk);
    else {
      dres.write(chunk); // the head goes out first, without a length
      dres.end();
    }
    this.d.finish(this.status);
  }

  private localReply(status: number, body: string, flags: number, overloaded = false): void {
    this.phase = 'done';
    this.cleanup();
    this.d.flags |= flags;
    this.d.bytesSent += sendLocalReply(this.d.res, status, body, overloaded, undefined, this.d.mutations.response);
    this.d.finish(status);
  }

  private abortUpstream(): void {
    clearTimeout(this.perTryTimer);
    const s = this.stream;
    if (!s) return;
    this.stream = null;
    s.close();
    s.conn.destroy();
  }

  private cleanup(): void {
    clearTimeout(this.globalTimer);
    clearTimeout(this.perTryTimer);
    clearTimeout(this.retryTimer);
    this.retries.release();
  }
}
