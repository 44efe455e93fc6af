/**
 * One HTTP/1.1 connection pool per (worker, endpoint), with Envoy's admission exactly as in
 * istio-envoy-semantics.md §2.2 (`conn_pool_base.cc`): ready connection → attach; else the
 * cluster-wide pending limit decides between queueing and 503 UO; a connection is opened when
 * queued requests outnumber connects in flight, within `max_connections` — except that a pool
 * with zero connections may always open one (§2.3); `max_requests` is checked at attach.
 * One socket carries one request at a time (the gateway's own HTTP/1.1 codec, http1-client.ts)
 * and is kept alive for the next, so every count below is exact.
 */
import net from 'node:net';
import { CodecError, ONE_WRITE_MAX_BYTES } from './http1-head.js';
import { ResponseParser, type ResponseSink } from './http1-client.js';
import type { ClusterSettings } from './cluster-config.js';
import type { Host } from './host.js';
import type { ClusterResources } from './resources.js';
import type { ClusterStats } from './stats.js';

/** Why a pool could not give a request a connection. */
export type PoolFailure = 'overflow' | 'connect-failure' | 'connect-timeout';

/** What a request waiting on the pool is told. */
export interface PoolWaiter {
  onPoolReady(conn: Conn): void;
  onPoolFailure(why: PoolFailure): void;
}

const LOOPBACK = '127.0.0.1';

export class Conn {
  /** requests this connection may still carry (Infinity = unlimited) */
  remaining: number;
  ready = false;
  busy = false;
  closed = false;
  /** finish the current request, then close: older than maxConnectionDuration, or its host was ejected */
  closeWhenFree = false;
  private idleTimer: NodeJS.Timeout | undefined;
  /** when the connection last became idle; -1 while it carries a request */
  private idleSince = -1;
  /** the response of the request this connection carries; null while idle */
  private parser: ResponseParser | null = null;
  private connectTimer: NodeJS.Timeout | undefined;
  private delayTimer: NodeJS.Timeout | undefined;
  private ageTimer: NodeJS.Timeout | undefined;
  readonly socket: net.Socket;

  constructor(readonly pool: Pool) {
    const limits = pool;
    this.remaining = limits.settings.maxRequestsPerConnection > 0 ? limits.settings.maxRequestsPerConnection : Infinity;
    this.socket = net.connect(pool.host.port, LOOPBACK);
    this.socket.setNoDelay(true);
    this.connectTimer = setTimeout(() => this.failConnect('connect-timeout'), limits.settings.connectTimeoutMs);
    const maxAge = limits.settings.maxConnectionDurationMs;
    // §2.1 maxConnectionDuration: an old connection takes no new request and closes when idle
    if (maxAge > 0) this.ageTimer = setTimeout(() => this.expire(), maxAge);
    this.socket.once('connect', () => {
      // a simulated handshake time (PodBehaviour.connectDelayMs) still counts against connectTimeout
      const delay = pool.host.connectDelayMs();
      if (delay > 0) this.delayTimer = setTimeout(() => this.onConnected(), delay);
      else this.onConnected();
    });
    this.socket.on('error', () => {
      if (!this.ready) this.failConnect('connect-failure');
    });
    this.socket.on('close', () => this.onClose());
    this.socket.on('data', (d: Buffer) => this.onData(d));
  }

  /**
   * Sends a request (its head from http1-client.ts `requestHead`, then its body) and hands the
   * response to `sink`. `isHead`: a HEAD request, whose response has no body.
   */
  send(head: string, body: Buffer | null, sink: ResponseSink, isHead: boolean): void {
    this.parser = new ResponseParser(sink, isHead);
    if (body === null || body.length === 0) this.socket.write(head, 'latin1');
    else if (body.length <= ONE_WRITE_MAX_BYTES) this.socket.write(head + body.toString('latin1'), 'latin1');
    else {
      this.socket.cork();
      this.socket.write(head, 'latin1');
      this.socket.write(body);
      this.socket.uncork();
    }
  }

  private onData(d: Buffer): void {
    const p = this.parser;
    // bytes nobody asked for: the connection's framing is lost, Envoy closes it (codec error)
    if (p === null) return this.destroy();
    let leftover: number;
    try {
      leftover = p.feed(d);
    } catch (e) {
      if (!(e instanceof CodecError)) throw e;
      return this.destroy(); // the request is reset by 'close'
    }
    if (!p.done) return;
    this.parser = null;
    if (!p.keepAlive || leftover > 0) return this.destroy();
    this.onFree();
  }

  private onConnected(): void {
    clearTimeout(this.connectTimer);
    this.delayTimer = undefined;
    if (this.closed) return;
    this.ready = true;
    this.pool.onConnected(this);
  }

  private failConnect(why: PoolFailure): void {
    if (this.ready || this.closed) return;
    const s = this.pool.stats.c;
    s.upstream_cx_connect_fail++;
    if (why === 'connect-timeout') s.upstream_cx_connect_timeout++;
    this.pool.onConnectFailed(this, why);
    this.destroy();
  }

  private onFree(): void {
    this.busy = false;
    if (this.closed) return;
    if (this.remaining <= 0 || this.closeWhenFree || this.pool.draining) {
      // maxRequestsPerConnection reached (§2.1) or the cluster was replaced: close, not reuse
      if (this.remaining <= 0) this.pool.stats.c.upstream_cx_max_requests++;
      this.destroy();
      return;
    }
    this.pool.onIdle(this);
  }

  private expire(): void {
    this.closeWhenFree = true;
    this.pool.stats.c.upstream_cx_max_duration_reached++;
    if (!this.busy) this.destroy();
  }

  /** The pool hands this idle connection a request. */
  attach(): void {
    this.busy = true;
    this.remaining--;
    this.idleSince = -1;
  }

  /**
   * Idle timeout (§2.1 idleTimeout, Envoy default 1 h). One timer per connection, re-armed
   * with refresh() — a new timer per request would cost more than the rest of the pool logic.
   */
  armIdleTimer(ms: number): void {
    this.idleSince = performance.now();
    if (ms === Infinity) return;
    if (this.idleTimer) this.idleTimer.refresh();
    else this.idleTimer = setTimeout(() => this.onIdleTimer(ms), ms);
  }

  private onIdleTimer(ms: number): void {
    if (this.idleSince < 0 || this.closed) return;
    const left = this.idleSince + ms - performance.now();
    if (left > 1) return void (this.idleTimer = setTimeout(() => this.onIdleTimer(ms), left));
    this.pool.stats.c.upstream_cx_idle_timeout++;
    this.destroy();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    const p = this.parser;
    this.parser = null;
    p?.onClose();
    clearTimeout(this.connectTimer);
    clearTimeout(this.idleTimer);
    clearTimeout(this.delayTimer);
    clearTimeout(this.ageTimer);
    this.pool.onClosed(this);
  }
}

export class Pool {
  /** FIFO of requests waiting for a connection (§2.2) */
  private queue: PoolWaiter[] = [];
  private idle: Conn[] = [];
  private connecting = 0;
  /** every connection of this pool, connecting or established */
  readonly conns = new Set<Conn>();
  /** set when the cluster is replaced by a push: finish what is queued, keep nothing */
  draining = false;

  constructor(
    private readonly resources: ClusterResources,
    readonly settings: ClusterSettings,
    readonly stats: ClusterStats,
    readonly host: Host,
  ) {}

  get pendingCount(): number {
    return this.queue.length;
  }

  /** §2.2 newStream */
  newStream(w: PoolWaiter): void {
    const c = this.idle.pop();
    if (c) return this.attach(c, w);
    const cl = this.resources;
    if (cl.pending >= this.settings.maxPending) {
      this.stats.c.upstream_rq_pending_overflow++;
      return w.onPoolFailure('overflow');
    }
    this.queue.push(w);
    cl.pending++;
    this.stats.c.upstream_rq_pending_total++;
    this.tryCreateConnection();
  }

  /** Removes a waiter that gave up (route timeout, downstream gone). */
  cancel(w: PoolWaiter): void {
    const i = this.queue.indexOf(w);
    if (i < 0) return;
    this.queue.splice(i, 1);
    this.resources.pending--;
  }

  /** §2.2 tryCreateConnection: one connect per queued request beyond those in flight. */
  private tryCreateConnection(): void {
    if (this.queue.length <= this.connecting) return;
    const cl = this.resources;
    const allowed = cl.cx < this.settings.maxConnections;
    if (!allowed) this.stats.c.upstream_cx_overflow++;
    // a pool with zero connections may ALWAYS open one (why maxConnections leaks with workers, §2.3)
    if (!allowed && this.conns.size > 0) return;
    this.connecting++;
    cl.cx++;
    this.stats.c.upstream_cx_total++;
    this.host.cxActive++;
    this.conns.add(new Conn(this));
  }

  /** §2.2 attach: `max_requests` is checked when a request meets a connection. */
  private attach(c: Conn, w: PoolWaiter): void {
    const cl = this.resources;
    if (cl.active >= this.settings.maxRequests) {
      this.stats.c.upstream_rq_pending_overflow++;
      w.onPoolFailure('overflow');
      // Envoy keeps dequeuing onto the ready connection; each attach re-checks the limit
      return this.onIdle(c);
    }
    cl.active++;
    this.stats.c.upstream_rq_total++;
    this.host.rqTotal++;
    this.host.rqActive++;
    c.attach();
    w.onPoolReady(c);
  }

  /** The router reports the end of a request on `c` (response complete, reset or abandoned). */
  streamDone(): void {
    // (upstream_rq_completed is charged with the request's final code, src/mesh/stats.ts)
    this.resources.active--;
    this.host.rqActive--;
  }

  onConnected(c: Conn): void {
    this.connecting--;
    this.onIdle(c);
  }

  /** A connection is ready for a request: serve the queue (FIFO) or park it. */
  onIdle(c: Conn): void {
    if (c.closed) return;
    if (this.queue.length > 0) {
      const w = this.queue.shift() as PoolWaiter;
      this.resources.pending--;
      return this.attach(c, w);
    }
    if (this.draining) return c.destroy();
    this.idle.push(c);
    c.armIdleTimer(this.settings.idleTimeoutMs);
  }

  /**
   * §2.2: on connect failure/timeout every request queued in this pool fails at once, each
   * counted as `upstream_rq_pending_failure_eject` (Envoy `purgePendingStreams`).
   */
  onConnectFailed(c: Conn, why: PoolFailure): void {
    this.connecting--;
    this.conns.delete(c);
    const waiting = this.queue;
    this.queue = [];
    this.resources.pending -= waiting.length;
    this.stats.c.upstream_rq_pending_failure_eject += waiting.length;
    for (const w of waiting) w.onPoolFailure(why);
  }

  onClosed(c: Conn): void {
    const cl = this.resources;
    if (!c.ready && this.conns.has(c)) {
      // closed while connecting without a connect error (e.g. destroyed by stop())
      this.connecting--;
    }
    this.conns.delete(c);
    const i = this.idle.indexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
    cl.cx--;
    this.stats.c.upstream_cx_destroy++;
    this.host.cxActive--;
    // pools are not told about each other's closes: a pool with queued requests always has a
    // connection of its own (zero-connection pools may always connect), whose events drive it
    if (this.queue.length > 0) this.tryCreateConnection();
  }

  /** Closes idle connections; busy ones close when their request ends. */
  drain(): void {
    this.draining = true;
    this.closeIdle();
  }

  /** Closes idle connections. */
  closeIdle(): void {
    for (const c of this.idle.splice(0)) c.destroy();
  }

  /**
   * Host ejected (§3.2): Envoy drains the host's pools (`DrainExistingConnections`): idle
   * connections close now, busy ones after their request, connects in flight close unless a
   * request waits for them. The pool keeps serving with new connections (panic mode, un-ejection).
   */
  drainExisting(): void {
    this.closeIdle();
    for (const c of this.conns) {
      if (c.busy) c.closeWhenFree = true;
      else if (!c.ready && this.queue.length === 0) c.destroy();
    }
  }

  /** Closes everything now (mesh stop, host ejected). */
  closeAll(): void {
    for (const c of [...this.conns]) c.destroy();
  }
}
