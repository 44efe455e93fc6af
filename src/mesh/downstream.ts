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
 * Both codecs hand the same request handler node's compat objects: HTTP/2 requests get
 * `host` from `:authority` and lose their pseudo-headers (what Envoy's HTTP/1 upstream codec
 * writes), so routing and the router see one shape.
 */
import type http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';

/** envoy `source/common/http/http2/codec_impl.h`: the smallest prefix that tells h2 from h1 */
export const CLIENT_MAGIC_PREFIX = 'PRI * HTTP/2';

export type RequestHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface DownstreamListener {
  /** the listening socket (listen() it) */
  server: net.Server;
  /** destroys every client connection, both codecs */
  closeAllConnections(): void;
}

/**
 * node's http2 compat objects cover what the gateway uses of http.IncomingMessage /
 * ServerResponse; the differences are mended here: the header shape (above, with `method`
 * and `url` kept), and `res.destroyed`, which the compat response lacks (its stream has it).
 */
function asHttp1Shape(
  req: http2.Http2ServerRequest,
  res: http2.Http2ServerResponse,
): [http.IncomingMessage, http.ServerResponse] {
  const h = req.headers;
  // method and url are getters over the pseudo-headers: pin them before those go
  Object.defineProperty(req, 'method', { value: req.method });
  Object.defineProperty(req, 'url', { value: req.url });
  if (h.host === undefined && h[':authority'] !== undefined) h.host = h[':authority'];
  for (const k of Object.keys(h)) if (k.startsWith(':')) delete h[k];
  Object.defineProperty(res, 'destroyed', { get: () => res.stream.destroyed });
  return [req as unknown as http.IncomingMessage, res as unknown as http.ServerResponse];
}

/**
 * Whether the request has no body: HTTP/1 by its framing headers, HTTP/2 by END_STREAM on
 * its HEADERS frame (an h2 body needs no content-length).
 */
export function hasNoBody(req: http.IncomingMessage): boolean {
  const h2 = (req as unknown as Partial<http2.Http2ServerRequest>).stream;
  if (req.httpVersion === '2.0' && h2) return h2.endAfterHeaders;
  const len = req.headers['content-length'];
  return (len === undefined || len === '0') && req.headers['transfer-encoding'] === undefined;
}

/**
 * `h1` is the HTTP/1 server (its options, keep-alive and 'request' handler as configured by
 * the caller); HTTP/2 requests go to `onRequest`. `onConnection` sees every accepted socket
 * before its codec is chosen (worker assignment).
 */
export function createDownstreamListener(
  h1: http.Server,
  onRequest: RequestHandler,
  onConnection: (s: net.Socket) => void,
): DownstreamListener {
  const h2 = http2.createServer();
  h2.on('request', (req, res) => onRequest(...asHttp1Shape(req, res)));
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    onConnection(s);
    s.once('data', (first: Buffer) => {
      s.pause();
      s.unshift(first);
      if (first.subarray(0, CLIENT_MAGIC_PREFIX.length).toString('latin1') === CLIENT_MAGIC_PREFIX) {
        // stays paused: the HTTP/2 session takes the buffered preface from the socket itself
        h2.emit('connection', s);
      } else {
        h1.emit('connection', s);
        s.resume();
      }
    });
  });
  return {
    server,
    closeAllConnections() {
      for (const s of sockets) s.destroy();
    },
  };
}
