/**
 * The gateway's downstream HTTP/1.1 codec (istio-envoy-semantics.md §6.1): requests parsed
 * straight from the socket, one at a time, and responses written as one head + body write.
 *
 * Envoy's HTTP/1 server codec dispatches one request at a time: it pauses its parser at the end
 * of each message ("so that the calling code can process 1 request at a time and apply back
 * pressure", http1/codec_impl.cc `ServerConnectionImpl::onMessageCompleteBase`), so a pipelined
 * request is routed only once the response before it is complete — here too (node's http server
 * dispatched them all at once and only ordered the responses).
 *
 * What a client sees that Envoy decides (each cited where it is written):
 * - a malformed head → the codec's local reply (`sendProtocolError`: the status and its name as
 *   body), `connection: close`, and the connection closed; 431 beyond 60 KiB or 100 headers;
 * - an absolute-form target → routed by the URL's host, which replaces Host (`originForm` below);
 * - `Expect: 100-continue` (any case, with a body or without) → `100 Continue` from the gateway
 *   itself and the header removed (conn_manager_impl.cc `ActiveStream::decodeHeaders`,
 *   `proxy_100_continue` false — Istio does not set it on a gateway);
 * - `date` on every response: the upstream's when it sent one, else the gateway's own
 *   (`ActiveStream::encodeHeaders`: `if (!headers.Date()) setDateHeader`);
 * - keep-alive: no `connection` header on an HTTP/1.1 keep-alive response, `connection: close`
 *   when the request asked for close (or HTTP/1.0 without keep-alive) and then the connection
 *   closed; an HTTP/1.0 request is answered with an `HTTP/1.0` status line when the listener
 *   accepts HTTP/1.0, else `HTTP/1.1` (codec_impl.cc `ResponseEncoderImpl::encodeHeaders`:
 *   `protocol() == Http10 && supportsHttp10()`), `connection: keep-alive` when it asked
 *   for it and the response has a length (`ActiveStream::encodeHeaders`, HTTP/1.0 block);
 * - `connection: close` on a reply to a request that never completed — a codec error's, the
 *   426 to a refused HTTP/1.0 request — keep-alive or not (`ActiveStream::encodeHeaders`:
 *   `!remoteDecodeComplete()` → drain state Closing → `connection: close`).
 * Not done: idle and header timeouts are not applied (Envoy's stream idle timeout is 5 min, its request headers
 * timeout off by default).
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import {
  ABSOLUTE_URL,
  ChunkedDecoder,
  CodecError,
  framingOf,
  httpDate,
  MAX_HEAD_BYTES,
  ONE_WRITE_MAX_BYTES,
  persists,
  findHead,
  parseRequestHead,
  reasonPhrase,
  type Framing,
} from './http1-head.js';

/**
 * Bytes read ahead while a request is being served before the socket stops being read. Envoy
 * stops reading at once: `onMessageCompleteBase` read-disables the connection with each complete
 * request (`response_encoder_.readDisable(true)`) and pauses its parser. Reading ahead up to this
 * much instead (one pause/resume per request would cost the data path) only changes when a
 * pipelining client's writes block; what is parsed, and when, is the same.
 */
const READ_AHEAD_MAX_BYTES = 1024 * 1024;

type Listener = () => void;

/**
 * The path a request is routed and forwarded with (http1/codec_impl.cc
 * `ServerConnectionImpl::handlePath`): an origin-form target (`/…`, or `*` for OPTIONS) as it
 * is. Any other target is read as an absolute URL, since `allow_absolute_url` defaults to true
 * (`parseHttp1Settings`: `PROTOBUF_GET_WRAPPED_OR_DEFAULT(config, allow_absolute_url, true)`)
 * and Istio does not set it. Its host[:port] replaces the Host header (RFC 9112 §3.2.2, "the proxy
 * MUST ignore the received Host header"), and the rest is the path: "/" when nothing follows the
 * authority (`kDefaultPath`). Codec errors, each the codec's local reply, then close:
 * - not an absolute URL (no scheme and host) → 400 (`InvalidUrl`);
 * - a scheme other than http/https, any case → 400 (`InvalidScheme`; the scheme is
 *   lower-cased first, `allow_absolute_url_with_mixed_scheme`);
 * - `https` on this plaintext listener → 403 (`HttpsInPlaintext`): `validate_scheme` is
 *   `xff_num_trusted_hops == 0 && use_remote_address` (http_connection_manager/config.cc), and a
 *   gateway's connection manager uses the remote address (Istio gateway.go) with no trusted hops
 *   unless `numTrustedProxies` is set [INF: Istio's gateway setting was not re-read at its source].
 */
export function originForm(method: string, target: string, headers: IncomingHttpHeaders): string {
  if (target.charCodeAt(0) === 47 || (method === 'OPTIONS' && target === '*')) return target; // '/'
  const m = ABSOLUTE_URL.exec(target);
  if (!m) throw new CodecError(400, 'invalid url in request line');
  const scheme = m[1].toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') throw new CodecError(400, 'invalid scheme');
  if (scheme === 'https') throw new CodecError(403, 'https in the clear');
  headers.host = m[2] + (m[3] ?? '');
  return m[4] === '' ? '/' : m[4];
}

/** One parsed request: the shape the gateway reads of node's IncomingMessage. */
export class H1Request {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly httpVersion: '1.0' | '1.1',
    readonly headers: IncomingHttpHeaders,
    readonly socket: Socket,
    /** the whole body, or null when it had none */
    readonly body: Buffer | null,
    readonly keepAlive: boolean,
    /** when the codec began it (its first byte parsed): the stream's start (downstream.ts MeshRequest) */
    readonly startedAt: number,
  ) {}
}

/** The response to one request: the part of node's ServerResponse the gateway uses. */
export class H1Response {
  statusCode = 200;
  headersSent = false;
  destroyed = false;
  writableEnded = false;
  writableFinished = false;
  private headers: OutgoingHttpHeaders | null = null;
  /** body framing chosen when the head went out without a length */
  private chunked = false;
  private closeListeners: Listener[] | null = null;
  private finishListeners: Listener[] | null = null;

  constructor(
    readonly req: H1Request,
    private readonly conn: H1Connection,
  ) {}

  getHeader(name: string): OutgoingHttpHeaders[string] {
    return this.headers?.[name];
  }

  writeHead(status: number, headers: OutgoingHttpHeaders): this {
    this.statusCode = status;
    this.headers = headers;
    return this;
  }

  once(event: 'close' | 'finish', listener: Listener): this {
    if (event === 'close') (this.closeListeners ??= []).push(listener);
    else (this.finishListeners ??= []).push(listener);
    return this;
  }

  /** Streams a body chunk (the head goes first, with chunked framing when no length was given). */
  write(chunk: Buffer): boolean {
    if (this.destroyed || this.writableEnded) return false;
    const socket = this.conn.socket;
    if (!this.headersSent) socket.write(this.head(-1), 'latin1');
    if (this.noBody() || chunk.length === 0) return true;
    if (this.chunked) socket.write(`${chunk.length.toString(16)}\r\n${chunk.toString('latin1')}\r\n`, 'latin1');
    else socket.write(chunk);
    return true;
  }

  /**
   * Ends the response, with a last chunk: one write of head and body when the head has not gone
   * out yet (a string is UTF-8 unless `encoding` says latin1, whose chars are the bytes).
   */
  end(chunk?: Buffer | string, encoding?: 'latin1'): this {
    if (this.destroyed || this.writableEnded) return this;
    const socket = this.conn.socket;
    let body: Buffer | string = chunk ?? '';
    if (typeof body === 'string' && encoding !== 'latin1') body = Buffer.from(body, 'utf8');
    const len = typeof body === 'string' ? body.length : body.length;
    const skipBody = this.noBody();
    let out = '';
    if (!this.headersSent) out = this.head(len);
    if (skipBody || len === 0) {
      if (this.chunked) out += '0\r\n\r\n';
      if (out !== '') socket.write(out, 'latin1');
    } else if (typeof body === 'string' || len <= ONE_WRITE_MAX_BYTES) {
      const data = typeof body === 'string' ? body : body.toString('latin1');
      out += this.chunked ? `${len.toString(16)}\r\n${data}\r\n0\r\n\r\n` : data;
      socket.write(out, 'latin1');
    } else {
      socket.cork();
      if (this.chunked) out += `${len.toString(16)}\r\n`;
      if (out !== '') socket.write(out, 'latin1');
      socket.write(body);
      if (this.chunked) socket.write('\r\n0\r\n\r\n', 'latin1');
      socket.uncork();
    }
    this.writableEnded = true;
    this.writableFinished = true;
    emit(this.finishListeners);
    this.finishListeners = null;
    this.emitClose();
    this.conn.onResponseDone(this);
    return this;
  }

  /** Resets the stream: on HTTP/1 that closes the connection (no more requests on it). */
  destroy(): void {
    if (this.destroyed) return;
    this.conn.socket.destroy();
    this.onConnectionClosed();
  }

  /** The connection closed under this response. */
  onConnectionClosed(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (!this.writableFinished) this.emitClose();
  }

  private emitClose(): void {
    const l = this.closeListeners;
    this.closeListeners = null;
    emit(l);
  }

  /** HEAD, 1xx, 204, 304: a head without a body (RFC 9112 §6.3), whatever the headers say. */
  private noBody(): boolean {
    const s = this.statusCode;
    return this.req.method === 'HEAD' || s === 204 || s === 304 || (s >= 100 && s < 200);
  }

  /** The status line and headers; `bodyLength` ≥ 0 when the whole body is known. */
  private head(bodyLength: number): string {
    this.headersSent = true;
    const req = this.req;
    const http10 = req.httpVersion === '1.0';
    let out = `HTTP/1.${http10 && this.conn.acceptHttp10 ? 0 : 1} ${this.statusCode} ${reasonPhrase(this.statusCode)}\r\n`;
    const h = this.headers;
    let length = false;
    let date = false;
    if (h)
      for (const k in h) {
        const v = h[k];
        // the connection manager's own: framing and connection (below)
        if (v === undefined || k === 'connection' || k === 'transfer-encoding') continue;
        if (k === 'content-length') length = true;
        else if (k === 'date') date = true;
        if (Array.isArray(v)) for (const e of v) out += `${k}: ${e}\r\n`;
        else out += `${k}: ${v}\r\n`;
      }
    // conn_manager_impl.cc ActiveStream::encodeHeaders: "We want to preserve the original date
    // header, but we add a date header if it is absent" — an upstream's date goes through
    if (!date) out += `date: ${httpDate()}\r\n`;
    if (!length && !this.noBody()) {
      if (bodyLength >= 0) out += `content-length: ${bodyLength}\r\n`;
      else if (!http10) {
        this.chunked = true;
        out += 'transfer-encoding: chunked\r\n';
      } else this.conn.closeAfterResponse = true; // HTTP/1.0: the body ends with the connection
    }
    // HTTP/1.0 the listener does not accept: the codec refused it at its head (checkProtocolVersion),
    // so the request never completed and the HCM closes — `!remoteDecodeComplete()` → drain
    // Closing → `connection: close`, overriding the keep-alive it set for HTTP/1.0 just before
    if (http10 && !this.conn.acceptHttp10) this.conn.closeAfterResponse = true;
    if (!req.keepAlive || this.conn.closeAfterResponse) out += 'connection: close\r\n';
    else if (http10) out += 'connection: keep-alive\r\n';
    return `${out}\r\n`;
  }
}

function emit(listeners: Listener[] | null): void {
  if (listeners) for (const l of listeners) l();
}

export type RequestHandler = (req: H1Request, res: H1Response) => void;

/**
 * A request the codec began but never dispatched: `status` is its codec error's reply (400 /
 * 431 / 501), 0 when the client closed the connection before the request was whole. Envoy's
 * codec opens the HCM stream at a request's first byte (`onMessageBeginBase` → `newStream`, or
 * `sendProtocolError` when there is none yet), whose constructor counts `downstream_rq_total`;
 * the stream is access-logged when it ends. `req` holds what was parsed of the head (`-` for
 * method and path when the head was not whole); `res` is never written (its headers say what
 * the codec sent, for the access log).
 */
export type UnfinishedHandler = (req: H1Request, res: H1Response, status: number, partialBody: Buffer | null) => void;

/** Reading state of the connection: a request head, or the body of the head just read. */
interface PendingBody {
  method: string;
  url: string;
  version: '1.0' | '1.1';
  headers: IncomingHttpHeaders;
  keepAlive: boolean;
  framing: Framing;
  chunks: Buffer[];
  decoder: ChunkedDecoder | null;
}

/** One downstream connection. */
export class H1Connection {
  private buf: Buffer | null = null;
  private active: H1Response | null = null;
  private body: PendingBody | null = null;
  /** inside parse(): a response finished synchronously lets the loop go on instead of recursing */
  private parsing = false;
  private closed = false;
  /**
   * when the codec began the request being read (-1: none begun): Envoy's HTTP/1 codec opens the
   * stream at a message's first byte (`onMessageBeginBase` → `newStream`), and a pipelined one
   * only once the parser resumes after the response before it
   */
  private begunAt = -1;
  closeAfterResponse = false;

  constructor(
    readonly socket: Socket,
    private readonly onRequest: RequestHandler,
    /** the listener accepts HTTP/1.0 (Istio's PILOT_HTTP10): only then is it answered as HTTP/1.0 */
    readonly acceptHttp10: boolean,
    private readonly onUnfinished: UnfinishedHandler | null = null,
    private readonly now: () => number = () => performance.now(),
  ) {
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', () => {}); // 'close' follows
    socket.once('close', () => {
      const wasClosed = this.closed;
      this.closed = true;
      if (this.active) this.active.onConnectionClosed();
      // the client left in the middle of a request the codec had begun to read
      else if (!wasClosed && (this.body !== null || this.requestBegun())) this.unfinished(0);
    });
  }

  /** Buffered bytes beyond the empty lines a request may start with (RFC 9112 §2.2). */
  private requestBegun(): boolean {
    const b = this.buf;
    if (b !== null) for (let i = 0; i < b.length; i++) if (b[i] !== 13 && b[i] !== 10) return true;
    return false;
  }

  private unfinished(status: number, replyBytes = 0): void {
    if (this.onUnfinished === null) return;
    const b = this.body;
    const startedAt = this.begunAt >= 0 ? this.begunAt : this.now();
    const req = b
      ? new H1Request(b.method, b.url, b.version, b.headers, this.socket, null, false, startedAt)
      : new H1Request('-', '-', '1.1', {}, this.socket, null, false, startedAt);
    const res = new H1Response(req, this);
    if (status > 0) res.writeHead(status, { 'content-length': replyBytes });
    const partial = b && b.chunks.length > 0 ? Buffer.concat(b.chunks) : null;
    this.onUnfinished(req, res, status, partial);
  }

  onData(d: Buffer): void {
    if (this.closed) return;
    this.buf = this.buf === null || this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    if (this.active === null) this.parse();
    else if (this.buf.length > READ_AHEAD_MAX_BYTES) this.socket.pause();
  }

  /** The response to the active request is complete: close, or go on with what is buffered. */
  onResponseDone(res: H1Response): void {
    if (res !== this.active) return;
    this.active = null;
    if (!res.req.keepAlive || this.closeAfterResponse) {
      this.closed = true;
      this.socket.end();
      return;
    }
    if (this.socket.isPaused()) this.socket.resume();
    if (!this.parsing) this.parse();
  }

  private parse(): void {
    this.parsing = true;
    try {
      while (this.active === null && !this.closed && this.buf !== null && this.buf.length > 0) {
        // a handler may have ended the connection (the gateway's 426): nothing more is dispatched
        if (this.socket.writableEnded || this.socket.destroyed) return;
        if (this.begunAt < 0 && this.requestBegun()) this.begunAt = this.now();
        if (!(this.body ? this.readBody() : this.readHead())) return;
      }
    } catch (e) {
      if (!(e instanceof CodecError)) throw e;
      this.protocolError(e.status);
    } finally {
      this.parsing = false;
    }
  }

  /** Reads one request head; false when more bytes are needed. */
  private readHead(): boolean {
    let buf = this.buf as Buffer;
    const { start, end } = findHead(buf);
    if (end < 0) {
      if (buf.length - start > MAX_HEAD_BYTES) throw new CodecError(431, 'headers size exceeds limit');
      return false;
    }
    if (end - start > MAX_HEAD_BYTES) throw new CodecError(431, 'headers size exceeds limit');
    const { method, target, version, headers } = parseRequestHead(buf.toString('latin1', start, end));
    const url = originForm(method, target, headers);
    const keepAlive = persists(version === '1.1', headers);
    const framing = framingOf(headers, false);
    buf = buf.subarray(end + 4);
    this.buf = buf;
    // conn_manager_impl.cc ActiveStream::decodeHeaders: with proxy_100_continue off, any request
    // the codec lets through with `Expect: 100-continue` (case-insensitive), body or not, gets
    // the gateway's own 100 and loses the header; an HTTP/1.0 one (accepted) gets an HTTP/1.0
    // status line (encode1xxHeaders → ResponseEncoderImpl::encodeHeaders). A refused HTTP/1.0
    // request never reaches it (the codec's 426 comes first)
    if ((version === '1.1' || this.acceptHttp10) && headers.expect?.toLowerCase() === '100-continue') {
      delete headers.expect;
      this.socket.write(`HTTP/${version} 100 Continue\r\n\r\n`, 'latin1');
    }
    if (framing.kind === 'none') {
      this.dispatch(method, url, version, headers, keepAlive, null);
      return true;
    }
    this.body = {
      method,
      url,
      version,
      headers,
      keepAlive,
      framing,
      chunks: [],
      decoder: framing.kind === 'chunked' ? new ChunkedDecoder() : null,
    };
    return true;
  }

  /** Reads body bytes of the pending request; dispatches it once whole. */
  private readBody(): boolean {
    const b = this.body as PendingBody;
    const buf = this.buf as Buffer;
    let rest: number;
    let done: boolean;
    if (b.decoder) {
      rest = b.decoder.feed(buf, 0, b.chunks);
      done = b.decoder.done;
    } else {
      const f = b.framing as { kind: 'length'; left: number };
      const n = Math.min(f.left, buf.length);
      b.chunks.push(buf.subarray(0, n));
      f.left -= n;
      rest = n;
      done = f.left === 0;
    }
    this.buf = rest < buf.length ? buf.subarray(rest) : null;
    if (!done) return false;
    this.body = null;
    const body = b.chunks.length === 1 ? b.chunks[0] : Buffer.concat(b.chunks);
    this.dispatch(b.method, b.url, b.version, b.headers, b.keepAlive, body);
    return true;
  }

  private dispatch(
    method: string,
    url: string,
    version: '1.0' | '1.1',
    headers: IncomingHttpHeaders,
    keepAlive: boolean,
    body: Buffer | null,
  ): void {
    const req = new H1Request(method, url, version, headers, this.socket, body, keepAlive, this.begunAt);
    this.begunAt = -1;
    const res = new H1Response(req, this);
    this.active = res;
    this.onRequest(req, res);
  }

  /**
   * The codec's own reply to a request it cannot parse (http1/codec_impl.cc `sendProtocolError`:
   * the code's name as body, then the connection manager closes the connection), not routed;
   * counted and logged like any request (`onUnfinished`).
   */
  private protocolError(status: number): void {
    this.closed = true;
    const body = reasonPhrase(status);
    this.unfinished(status, body.length);
    this.buf = null;
    this.body = null;
    this.socket.end(
      `HTTP/1.1 ${status} ${body}\r\ncontent-length: ${body.length}\r\ncontent-type: text/plain\r\ndate: ${httpDate()}\r\nserver: istio-envoy\r\nconnection: close\r\n\r\n${body}`,
      'latin1',
    );
  }
}
