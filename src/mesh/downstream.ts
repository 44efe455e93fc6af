/**
 * The gateway's downstream listener with Envoy's `codec_type: AUTO` (Istio sets AUTO on every
 * HTTP connection manager it builds: `listener_builder.go` buildHTTPConnectionManager):
 * the codec is chosen on a connection's first bytes — `ConnectionManagerUtility::
 * determineNextProtocol` (envoy `source/common/http/conn_manager_utility.cc`) picks HTTP/2
 * when they start with `CLIENT_MAGIC_PREFIX` "PRI * HTTP/2" (the h2c prior-knowledge
 * preface), HTTP/1 otherwise, including a preface split before its 12th byte (Envoy: "we
 * ignore the case where someone sends us the first few bytes of the HTTP/2 prefix").
 * istio-envoy-semantics.md §6.1.
 *
 * HTTP/1 is the gateway's own codec (http1-server.ts). HTTP/2 is node's http2 server, whose
 * compat objects are reshaped to the same request/response shape: `host` from `:authority` and
 * no pseudo-headers (what Envoy's HTTP/1 upstream codec writes), so routing and the router see
 * one shape.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { H1Connection } from './http1-server.js';

/** envoy `source/common/http/http2/codec_impl.h`: the smallest prefix that tells h2 from h1 */
export const CLIENT_MAGIC_PREFIX = 'PRI * HTTP/2';

/** A downstream request as the gateway reads it (http1-server.ts H1Request, or h2 reshaped). */
export interface MeshRequest {
  readonly method?: string;
  readonly url?: string;
  /** "1.0", "1.1", "2.0" */
  readonly httpVersion: string;
  readonly headers: IncomingHttpHeaders;
  readonly socket: net.Socket;
  /**
   * when the codec began the request, on the listener's clock: Envoy's stream — and its
   * StreamInfo start time, which `%START_TIME%` and `%DURATION%` count from — is created at the
   * request's first byte (HTTP/1 `onMessageBeginBase` → `newStream`) or its HEADERS frame (h2)
   */
  readonly startedAt: number;
}

/** Its response: the part of a response object both codecs give the gateway. */
export interface MeshResponse {
  readonly req: MeshRequest;
  readonly headersSent: boolean;
  readonly destroyed: boolean;
  readonly writableEnded: boolean;
  readonly writableFinished: boolean;
  getHeader(name: string): OutgoingHttpHeaders[string];
  writeHead(status: number, headers: OutgoingHttpHeaders): unknown;
  write(chunk: Buffer): unknown;
  /** a string is UTF-8 unless `encoding` is latin1 */
  end(chunk?: Buffer | string, encoding?: 'latin1'): unknown;
  destroy(): void;
  once(event: 'close' | 'finish', listener: () => void): unknown;
}

/** `body`: the whole request body (the proxy buffers it, §4.1), null when it had none. */
export type RequestHandler = (req: MeshRequest, res: MeshResponse, body: Buffer | null) => void;

export interface DownstreamListener {
  /** the listening socket (listen() it) */
  server: net.Server;
  /** destroys every client connection, both codecs */
  closeAllConnections(): void;
}

/**
 * node's http2 compat objects cover what the gateway uses; the differences are mended here: the
 * header shape (above, with `method` and `url` kept), and `res.destroyed`, which the compat
 * response lacks (its stream has it).
 */
function asMeshShape(
  req: http2.Http2ServerRequest,
  res: http2.Http2ServerResponse,
  socket: net.Socket,
  startedAt: number,
): [MeshRequest, MeshResponse] {
  const h = req.headers;
  Object.defineProperty(req, 'startedAt', { value: startedAt });
  // method and url are getters over the pseudo-headers: pin them before those go
  Object.defineProperty(req, 'method', { value: req.method });
  Object.defineProperty(req, 'url', { value: req.url });
  // the connection itself rather than the session's proxy of it, which forgets the socket once
  // the stream is gone: whether it still lives tells a stream reset from a closed connection
  Object.defineProperty(req, 'socket', { value: socket });
  if (h.host === undefined && h[':authority'] !== undefined) h.host = h[':authority'];
  for (const k of Object.keys(h)) if (k.startsWith(':')) delete h[k];
  Object.defineProperty(res, 'destroyed', { get: () => res.stream.destroyed });
  return [req as unknown as MeshRequest, res as unknown as MeshResponse];
}

/**
 * An h2 request's body, whole (END_STREAM on its HEADERS frame: none); `gone` with what had come
 * of it when its stream closes first (a reset, or the connection closed).
 */
function readH2Body(
  req: http2.Http2ServerRequest,
  done: (body: Buffer | null) => void,
  gone: (partial: Buffer | null) => void,
): void {
  if (req.stream.endAfterHeaders) {
    req.resume();
    return done(null);
  }
  const chunks: Buffer[] = [];
  let whole = false;
  req.on('data', (c: Buffer) => chunks.push(c));
  req.once('end', () => {
    if (req.aborted) return; // a reset stream's body ends too (node's compat layer): not whole
    whole = true;
    done(Buffer.concat(chunks));
  });
  req.stream.once('close', () => whole || gone(chunks.length > 0 ? Buffer.concat(chunks) : null));
}

/**
 * A request a codec began but never dispatched (http1-server.ts UnfinishedHandler): an HTTP/1
 * codec error's (`status` its reply), or a request whose client went away before it was whole
 * (status 0) — on HTTP/2 too, whose stream Envoy opens with the HEADERS frame. `partialBody`:
 * the body bytes read before it ended (Envoy counts each in `bytesReceived` as it decodes it).
 */
export type UnfinishedRequest = (
  req: MeshRequest,
  res: MeshResponse,
  status: number,
  partialBody: Buffer | null,
) => void;

/**
 * Requests of both codecs go to `onRequest` once whole. `onConnection` sees every accepted
 * socket before its codec is chosen (worker assignment). `acceptHttp10`: the gateway serves
 * HTTP/1.0 (the codec then answers it as HTTP/1.0). `onUnfinished`: a request begun, never
 * dispatched. `now`: the clock a request's `startedAt` is read from.
 */
export function createDownstreamListener(
  onRequest: RequestHandler,
  onConnection: (s: net.Socket) => void,
  acceptHttp10: boolean,
  onUnfinished: UnfinishedRequest | null = null,
  now: () => number = () => performance.now(),
): DownstreamListener {
  const h2 = http2.createServer();
  /** each HTTP/2 session's connection */
  const connectionOf = new WeakMap<http2.ServerHttp2Session, net.Socket>();
  h2.on('request', (req, res) => {
    // node emits 'request' on the stream's HEADERS frame, where Envoy's h2 codec opens the stream
    const [r, s] = asMeshShape(
      req,
      res,
      connectionOf.get(req.stream.session as http2.ServerHttp2Session) as net.Socket,
      now(),
    );
    readH2Body(
      req,
      (body) => onRequest(r, s, body),
      (partial) => onUnfinished?.(r, s, 0, partial),
    );
  });
  const h1 = (req: MeshRequest & { body: Buffer | null }, res: MeshResponse) => onRequest(req, res, req.body);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    s.on('error', () => {}); // a client's reset: 'close' follows
    onConnection(s);
    s.once('data', (first: Buffer) => {
      if (first.subarray(0, CLIENT_MAGIC_PREFIX.length).toString('latin1') === CLIENT_MAGIC_PREFIX) {
        // paused: the HTTP/2 session takes the buffered preface from the socket itself
        s.pause();
        s.unshift(first);
        h2.once('session', (session) => connectionOf.set(session, s)); // emitted within 'connection'
        h2.emit('connection', s);
      } else new H1Connection(s, h1, acceptHttp10, onUnfinished, now).onData(first);
    });
  });
  return {
    server,
    closeAllConnections() {
      for (const s of sockets) s.destroy();
    },
  };
}
