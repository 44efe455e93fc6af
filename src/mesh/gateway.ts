/**
 * The ingress gateway's data plane, one hop (istio-envoy-semantics.md §6): the connection
 * manager's path checks and normalisation (§6.1 Paths: path-normalize.ts) and request-header
 * mutation (§6.1 Request headers: request-headers.ts) → route match (404 NR) → fault filter (§5: independent delay and abort draws, delay not charged to the
 * route's timers) → cluster resolution (503 NC) → router (src/mesh/router.ts). Each request
 * runs to completion under the configuration it started with. Downstream connections are
 * spread over `workers` like Envoy's listener (one connection → one worker, §2.3). The codec
 * is chosen per connection (src/mesh/downstream.ts: HTTP/1.1 or h2c, §6.1); HTTP/1.0 gets
 * `426 Upgrade Required` unless Istio's PILOT_HTTP10 is on (§6.1).
 */
import type { Socket } from 'node:net';
import type { Http2Stream } from 'node:http2';
import type { MeshConfig } from './config.js';
import {
  createDownstreamListener,
  type DownstreamListener,
  type MeshRequest,
  type MeshResponse,
} from './downstream.js';
import { BODY, clientGoneFlag, Flag, sendLocalReply } from './local-reply.js';
import type { CompiledRoute } from './route-config.js';
import { Router, type Downstream } from './router.js';
import { NO_MUTATIONS, type EntryMutations } from './header-mutation.js';
import type { StatsStore } from './stats.js';
import type { Rng } from '../util/random.js';
import { canonicalPath } from './path-normalize.js';
import { mutateRequestHeaders } from './request-headers.js';
import { localResetCode, type ProxyVersion } from './proxy.js';

export interface GatewayDeps {
  config(): MeshConfig;
  stats: StatsStore;
  workers: number;
  /**
   * serve HTTP/1.0 instead of answering 426: Istio sets the listener's `accept_http_10` only
   * with istiod's `PILOT_HTTP10=1` or the proxy's `ISTIO_META_HTTP10=1` (gateway.go
   * buildGatewayConnectionManager: `features.HTTP10 || enableHTTP10(node.Metadata.HTTP10)`)
   */
  acceptHttp10: boolean;
  /** the Envoy whose version-dependent rules run (proxy.ts): here, the code of an h2 reset */
  proxy: ProxyVersion;
  /** fault draws and weighted-cluster picks */
  rng: Rng;
  /** retry back-off jitter */
  backoffRng: Rng;
  /** the x-request-id of each request (request-headers.ts) */
  requestIdRng: Rng;
  now: () => number;
  /** called once per finished request (access log); null = none */
  log: ((d: Downstream, status: number, startedAt: number) => void) | null;
}

const WORKER = Symbol('meshproof.worker');
/** set on a connection whose codec failed (§6.1 426): Envoy dispatches nothing more from it */
const CODEC_ERROR = Symbol('meshproof.codecError');
type WorkerSocket = Socket & { [WORKER]?: number; [CODEC_ERROR]?: true };

/** Samples `perMillion` the way the fault filter does (§5.2: rand % 1e6 < numerator). */
function draw(rng: Rng, perMillion: number): boolean {
  return Math.floor(rng.next() * 1_000_000) < perMillion;
}

/** Index into `route.clusters` by weight (Envoy `WeightedClusterEntry` pick, §6 step 2). */
function pickCluster(route: CompiledRoute, rng: Rng): number {
  if (route.clusters.length === 1) return 0;
  let x = Math.floor(rng.next() * route.totalWeight);
  for (let i = 0; i < route.clusters.length; i++) {
    x -= route.weights[i];
    if (x < 0) return i;
  }
  return route.clusters.length - 1;
}

/**
 * One downstream request through the filter chain: its state for the router and the access log
 * (Downstream), as one object per request — no closures on the data path.
 */
class GatewayRequest implements Downstream {
  flags = 0;
  upstreamHost = '-';
  clusterName = '-';
  serviceTimeMs = -1;
  mutations: EntryMutations = NO_MUTATIONS;
  bytesSent = 0;
  readonly worker: number;
  /** the stream's start: when the codec began the request (MeshRequest.startedAt) */
  readonly startedAt: number;
  /** the path routed and forwarded: the request's, canonical once normalizePath() accepted it */
  path: string;
  /** answered before the codec read the whole request (a codec error, the 426) */
  requestIncomplete = false;
  /** set while a fault delay holds the request */
  private delay: NodeJS.Timeout | undefined;
  private route: CompiledRoute | null = null;
  private pick = 0;
  /** the configuration the request started under: it runs to completion under it */
  private cfg: MeshConfig | null = null;

  constructor(
    private readonly g: GatewayContext,
    readonly req: MeshRequest,
    readonly res: MeshResponse,
    readonly body: Buffer | null,
  ) {
    this.worker = (req.socket as WorkerSocket)[WORKER] ?? 0;
    this.path = req.url ?? '';
    this.startedAt = req.startedAt;
  }

  /**
   * conn_manager_impl.cc `ActiveStream::resetStream` (the filter manager's callback, e.g. for a
   * local reply after the response headers went out): `downstream_rq_tx_reset`, then
   * `doEndStream`, whose codec reset comes back through `onResetStream` (`downstream_rq_rx_reset`,
   * counted in finish()). A stream the client already reset is not reset again. On HTTP/2 the
   * codec sends RST_STREAM with `reasonToReset(LocalReset)`: INTERNAL_ERROR since Envoy 1.37
   * (`envoy.reloadable_features.reset_with_error`), NO_ERROR before (proxy.ts `localResetCode`).
   */
  resetStream(): void {
    if (this.res.destroyed) return;
    this.g.listener.downstream_rq_tx_reset++;
    const h2stream = (this.res as { stream?: Http2Stream }).stream;
    h2stream?.close(localResetCode(this.g.deps.proxy));
    this.res.destroy();
  }

  finish(status: number): void {
    const listener = this.g.listener;
    listener.downstream_rq_total++;
    if (status >= 500) listener.downstream_rq_5xx++;
    else if (status >= 400) listener.downstream_rq_4xx++;
    else if (status >= 200) listener.downstream_rq_2xx++;
    // its stream was reset: the client went away (DC, DR), the gateway reset a response it had
    // begun, or a reply ended a request the codec never read whole — `doEndStream` resets a stream
    // whose `!remoteDecodeComplete()` (a codec error's reply, the 426), and `onResetStream` counts it
    if (
      this.flags & (Flag.DC | Flag.DR) ||
      this.requestIncomplete ||
      (this.res.destroyed && !this.res.writableFinished)
    )
      listener.downstream_rq_rx_reset++;
    this.g.deps.log?.(this, status, this.startedAt);
  }

  /** §6 steps 1–2: the codec's HTTP/1.0 check, route match, weighted cluster, fault delay. */
  run(cfg: MeshConfig): void {
    const { req, res, g } = this;
    const { deps, listener } = g;
    this.cfg = cfg;
    if (req.httpVersion === '1.0') {
      if (!deps.acceptHttp10) {
        // §6.1: the HTTP/1 codec refuses it before routing (envoy http1/codec_impl.cc
        // ServerConnectionImpl::checkProtocolVersion): sendProtocolError sends the local reply
        // with the code's name as body (CodeUtility::toString: "Upgrade Required", details
        // low_version), then codecProtocolError makes the HCM close the connection
        // (conn_manager_impl.cc onData → handleCodecError), keep-alive or not; the reply says
        // `connection: close` (the codec writes it: http1-server.ts H1Response head).
        (req.socket as WorkerSocket)[CODEC_ERROR] = true;
        res.once('finish', () => req.socket.end()); // before the reply: the codec finishes it at once
        this.requestIncomplete = true;
        this.bytesSent = sendLocalReply(res, 426, 'Upgrade Required');
        return this.finish(426);
      }
      if (req.headers.host === undefined) {
        // accepted HTTP/1.0 without Host: Istio sets no default_host_for_http_10, so 400 (missing_host)
        this.bytesSent = sendLocalReply(res, 400, '');
        return this.finish(400);
      }
    }
    if (!this.normalizePath()) return;
    // the connection manager's header mutation, before the route is chosen (ActiveStream::decodeHeaders)
    mutateRequestHeaders(req.headers, req.socket.remoteAddress ?? '127.0.0.1', deps.requestIdRng);
    const route = cfg.routes.find(req.headers.host ?? '', this.path, req.headers, req.method ?? 'GET');
    if (!route) {
      listener.no_route++;
      this.flags |= Flag.NR;
      this.bytesSent = sendLocalReply(res, 404, '');
      return this.finish(404);
    }
    // Envoy resolves the weighted cluster with the route (RouteEntryImplBase::clusterEntry), before
    // any filter runs: a fault abort's local reply carries that entry's response headers too (§6.3)
    this.route = route;
    this.pick = pickCluster(route, deps.rng);
    this.mutations = route.mutations[this.pick];
    const f = route.fault;
    if (f && f.delayMs > 0 && draw(deps.rng, f.delayPerMillion)) {
      listener['fault.delays_injected']++;
      this.flags |= Flag.DI;
      this.delay = setTimeout(() => this.afterDelay(), f.delayMs);
      res.once('close', () => this.closedDuringDelay());
      return;
    }
    this.proceed(cfg);
  }

  /**
   * §6.1 Paths (conn_manager_impl.cc `ActiveStream::decodeHeaders`, before routing): a path that
   * does not start with `/` → 404 (`absolute_path_rejected`, `downstream_rq_non_relative_path`);
   * then `ConnectionManagerUtility::maybeNormalizePath`: a fragment (`#` and what follows) is
   * cut off the path — Envoy's own default refuses it (runtime guard
   * `http_reject_path_with_fragment`, on), but every Istio proxy's bootstrap turns that guard off
   * (istio/istio pkg/bootstrap/config.go `extractRuntimeFlags`:
   * `"envoy.reloadable_features.http_reject_path_with_fragment": false`), and with it off Envoy
   * strips the fragment (`setPath(path.substr(0, fragment_pos))`; Istio's
   * `HTTP_STRIP_FRAGMENT_FROM_PATH_UNSAFE_IF_DISABLED=false` would keep it, not emulated) —
   * and Istio's `normalize_path` canonicalises the path (path-normalize.ts) or refuses it → 400
   * (`path_normalization_failed`, `downstream_rq_failed_path_normalization`). The canonical path
   * is what is routed, forwarded and logged. False when a local reply ended the request.
   */
  private normalizePath(): boolean {
    const { req, res } = this;
    const listener = this.g.listener;
    const url = req.url ?? '';
    if (url.charCodeAt(0) !== 47) {
      listener.downstream_rq_non_relative_path++;
      this.bytesSent = sendLocalReply(res, 404, '');
      this.finish(404);
      return false;
    }
    const fragment = url.indexOf('#');
    const canonical = canonicalPath(fragment < 0 ? url : url.slice(0, fragment));
    if (canonical === null) {
      listener.downstream_rq_failed_path_normalization++;
      this.bytesSent = sendLocalReply(res, 400, '');
      this.finish(400);
      return false;
    }
    this.path = canonical;
    return true;
  }

  private afterDelay(): void {
    if (this.res.destroyed) return; // its 'close' is on the way and finishes the request
    this.delay = undefined;
    this.proceed(this.cfg as MeshConfig);
  }

  private closedDuringDelay(): void {
    if (this.delay === undefined) return;
    // the client left during the delay: the request still counts and is logged (DI,DC or DI,DR)
    clearTimeout(this.delay);
    this.delay = undefined;
    this.flags |= clientGoneFlag(this.req);
    this.finish(0);
  }

  /** §6 steps 2–3: fault abort, cluster resolution, the router. */
  private proceed(cfg: MeshConfig): void {
    const route = this.route as CompiledRoute;
    const { listener, deps } = this.g;
    const f = route.fault;
    if (f && f.abortStatus > 0 && draw(deps.rng, f.abortPerMillion)) {
      listener['fault.aborts_injected']++;
      this.flags |= Flag.FI;
      this.bytesSent = sendLocalReply(
        this.res,
        f.abortStatus,
        BODY.faultAbort,
        false,
        f.abortGrpc ?? undefined,
        this.mutations.response,
      );
      return this.finish(f.abortStatus);
    }
    const name = route.clusters[this.pick];
    const cluster = cfg.clusters.get(name);
    if (!cluster) {
      listener.no_cluster++;
      this.flags |= Flag.NC;
      this.clusterName = name;
      this.bytesSent = sendLocalReply(this.res, 503, '', false, undefined, this.mutations.response);
      return this.finish(503);
    }
    new Router(this, route, cluster, deps.backoffRng, deps.now).run();
  }
}

/** What every request of one gateway shares. */
interface GatewayContext {
  deps: GatewayDeps;
  listener: StatsStore['listener'];
}

export function createGateway(deps: GatewayDeps): DownstreamListener {
  let nextWorker = 0;
  const g: GatewayContext = { deps, listener: deps.stats.listener };
  // §4.1: the route timer starts when the proxy has the whole request (the codecs hand it whole)
  const handle = (req: MeshRequest, res: MeshResponse, body: Buffer | null) => {
    // a request pipelined behind a codec error: Envoy's codec never dispatches it
    if ((req.socket as WorkerSocket)[CODEC_ERROR]) return;
    new GatewayRequest(g, req, res, body).run(deps.config());
  };
  const assignWorker = (s: WorkerSocket) => {
    s.setNoDelay(true);
    s[WORKER] = nextWorker;
    nextWorker = (nextWorker + 1) % deps.workers;
  };
  // a request the HTTP/1 codec began but never dispatched: Envoy's stream exists from its first
  // byte, so it is counted and logged — DPE after a codec error's reply, DC when the client left
  // mid-request (the flags are [INF]: Envoy's codec-error stream flag was not traced to its source)
  // (its body as far as it came is its bytes received; a codec error's reply body its bytes sent)
  const unfinished = (req: MeshRequest, res: MeshResponse, status: number, partialBody: Buffer | null) => {
    const r = new GatewayRequest(g, req, res, partialBody);
    r.flags |= status === 0 ? clientGoneFlag(req) : Flag.DPE;
    r.requestIncomplete = status > 0;
    if (status > 0) r.bytesSent = Number(res.getHeader('content-length') ?? 0);
    r.finish(status);
  };
  return createDownstreamListener(handle, assignWorker, deps.acceptHttp10, unfinished, deps.now);
}
