/**
 * The simulated pods' HTTP/1.1 server: what node's http server puts on the wire for the way a
 * pod answers (a whole response with its content-length), byte for byte — without node's
 * IncomingMessage / ServerResponse per request, which cost a pod about as much CPU as the
 * gateway's whole hop (issue 18). tests/mesh/wire.test.ts compares it with node's http server
 * for keep-alive, `Connection: close`, HTTP/1.0, pipelining, bodies (length and chunked), HEAD,
 * `Expect: 100-continue`, a malformed head and merged request headers.
 *
 * node's behaviour it follows (lib/_http_server.js, lib/_http_outgoing.js, Node 20):
 * - a request is dispatched as soon as its head is parsed (its body, read and dropped, may come
 *   later or never), and pipelined ones are answered in request order (a response waits until
 *   those before it are written);
 * - the head: status line (`HTTP/1.1` whatever the request's version), the headers as given,
 *   then `Date`, then `Connection: keep-alive` or `Connection: close` (no `Keep-Alive` header:
 *   the pods' keepAliveTimeout was 0); a connection that is not kept alive is ended after its
 *   response;
 * - `Expect: 100-continue` on HTTP/1.1: `HTTP/1.1 100 Continue` at once, the header kept; any
 *   other expectation: 417, the request not served (nor counted);
 * - a head it cannot parse: `HTTP/1.1 400 Bad Request` + `Connection: close`, and the socket
 *   closed; a head whose URL, names and values reach 16 KiB (node's --max-http-header-size,
 *   nodeHeadBytes): 431 likewise.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import {
  ChunkedDecoder,
  CodecError,
  framingOf,
  headerLines,
  httpDate,
  persists,
  findHead,
  parseRequestHead,
  reasonPhrase,
} from './http1-head.js';

/** node's default --max-http-header-size, in the bytes nodeHeadBytes counts */
const NODE_MAX_HEAD_BYTES = 16 * 1024;
/**
 * The most of an unfinished head this server keeps: node streams a head through llhttp without
 * keeping it, so only its count bounds it; here the bytes are kept until the blank line, and a
 * head of blanks (which node does not count) must not grow without end. Beyond it: 431.
 */
const KEPT_HEAD_MAX_BYTES = 64 * 1024;
/** _http_server.js continueExpression: what node takes for `Expect: 100-continue` */
const CONTINUE = /(?:^|\W)100-continue(?:$|\W)/i;

export interface PodRequest {
  readonly method: string;
  readonly url: string;
  readonly httpVersion: '1.0' | '1.1';
  readonly headers: IncomingHttpHeaders;
  readonly socket: Socket;
}

/**
 * What node's parser counts of a head (or of the part of it read so far) against
 * --max-http-header-size: the bytes of the URL and of each header's name and value as llhttp
 * hands them to node (src/node_http_parser.cc `TrackHeader` from on_url / on_header_field /
 * on_header_value; an overflow is HPE_HEADER_OVERFLOW, which _http_server.js socketOnError
 * answers 431) — the value from its first non-blank character, trailing blanks included; not
 * the method, the version, colons or line ends. Checked against Node 20: with `GET /`,
 * `Host: x` and `X-Big: <n bytes>`, n = 16372 is served and 16373 gets 431 (1 + 4 + 1 + 5 + n
 * reaching 16384), as does 16370 followed by three blanks.
 */
function nodeHeadBytes(head: string): number {
  const lines = head.split('\r\n');
  const first = lines[0];
  const sp = first.indexOf(' ');
  const sp2 = sp < 0 ? -1 : first.indexOf(' ', sp + 1);
  let n = sp < 0 ? 0 : (sp2 < 0 ? first.length : sp2) - sp - 1;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(':');
    if (colon < 0) {
      n += line.length;
      continue;
    }
    let v = colon + 1;
    while (v < line.length && (line.charCodeAt(v) === 32 || line.charCodeAt(v) === 9)) v++;
    n += colon + line.length - v;
  }
  return n;
}

/** One response slot, in request order on its connection. */
export class PodResponse {
  private head = '';
  /** the whole response, once ended */
  private out: Buffer | null = null;

  constructor(
    private readonly conn: PodConnection,
    private readonly req: PodRequest,
    readonly keepAlive: boolean,
  ) {}

  get destroyed(): boolean {
    return this.conn.socket.destroyed;
  }

  writeHead(status: number, headers: OutgoingHttpHeaders): this {
    this.head = `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\n${headerLines(headers)}Date: ${httpDate()}\r\nConnection: ${this.keepAlive ? 'keep-alive' : 'close'}\r\n\r\n`;
    return this;
  }

  /**
   * node's answer to an expectation it does not meet, the request not served (_http_server.js
   * parserOnIncoming: no 'checkExpectation' listener → `res.writeHead(417); res.end()`: no
   * length, so a chunked empty body; to HEAD, which has no body, no Transfer-Encoding).
   */
  expectationFailed(): void {
    const te = this.req.method === 'HEAD' ? '' : 'Transfer-Encoding: chunked\r\n';
    this.head = `HTTP/1.1 417 ${reasonPhrase(417)}\r\nDate: ${httpDate()}\r\nConnection: ${this.keepAlive ? 'keep-alive' : 'close'}\r\n${te}\r\n`;
    this.end('0\r\n\r\n');
  }

  /**
   * Ends the response with `body`; it goes out once those before it have. node writes the head
   * and a string body in one write in the body's encoding, UTF-8 — so a header value's non-ASCII
   * characters go out as UTF-8 too; with no body (HEAD) the head alone goes out as latin1.
   */
  end(body: string): void {
    if (this.out !== null) return;
    this.out = this.req.method === 'HEAD' ? Buffer.from(this.head, 'latin1') : Buffer.from(this.head + body, 'utf8');
    this.conn.flush();
  }

  /** The response's bytes when ended, else null. */
  take(): Buffer | null {
    return this.out;
  }
}

export type PodRequestHandler = (req: PodRequest, res: PodResponse) => void;

/** The body of the request last dispatched, still being read (and dropped). */
interface PendingBody {
  left: number;
  decoder: ChunkedDecoder | null;
}

/** One connection to a pod. */
export class PodConnection {
  private buf: Buffer | null = null;
  private readonly queue: PodResponse[] = [];
  private body: PendingBody | null = null;
  /** a response without keep-alive was dispatched: nothing after it is read */
  private last = false;

  constructor(
    readonly socket: Socket,
    private readonly onRequest: PodRequestHandler,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', () => {});
  }

  private onData(d: Buffer): void {
    if (this.last) return;
    this.buf = this.buf === null ? d : Buffer.concat([this.buf, d]);
    try {
      while (!this.last && this.buf !== null && this.buf.length > 0) if (!this.step()) break;
    } catch (e) {
      if (!(e instanceof CodecError)) throw e;
      const status = e.status === 431 ? 431 : 400;
      this.last = true;
      this.buf = null;
      this.socket.end(`HTTP/1.1 ${status} ${reasonPhrase(status)}\r\nConnection: close\r\n\r\n`, 'latin1');
    }
  }

  /** Parses one request head or the rest of a body; false when more bytes are needed. */
  private step(): boolean {
    const buf = this.buf as Buffer;
    if (this.body) return this.readBody(buf);
    const { start, end } = findHead(buf);
    // a head counts fewer bytes than it has, so only a long one is counted
    if (end < 0) {
      const kept = buf.length - start;
      if (
        kept > KEPT_HEAD_MAX_BYTES ||
        (kept >= NODE_MAX_HEAD_BYTES && nodeHeadBytes(buf.toString('latin1', start)) >= NODE_MAX_HEAD_BYTES)
      )
        throw new CodecError(431, 'headers too large');
      return false;
    }
    const head = buf.toString('latin1', start, end);
    if (head.length >= NODE_MAX_HEAD_BYTES && nodeHeadBytes(head) >= NODE_MAX_HEAD_BYTES)
      throw new CodecError(431, 'headers too large');
    // no count limit: node keeps the first maxHeadersCount (2000) and drops the rest, where
    // Envoy's 100 (MAX_HEADERS) would refuse what the gateway forwards: up to 100 of the client's
    // plus its own x-forwarded-proto, x-envoy-* and connection (beyond 2000 this keeps them all)
    const { method, target, version, headers } = parseRequestHead(head, Number.POSITIVE_INFINITY);
    const keepAlive = persists(version === '1.1', headers);
    const framing = framingOf(headers, false);
    this.buf = end + 4 < buf.length ? buf.subarray(end + 4) : null;
    const req: PodRequest = { method, url: target, httpVersion: version, headers, socket: this.socket };
    const expect = version === '1.1' ? headers.expect : undefined;
    if (expect !== undefined && CONTINUE.test(expect)) this.socket.write('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
    if (framing.kind !== 'none')
      this.body = {
        left: framing.kind === 'length' ? framing.left : 0,
        decoder: framing.kind === 'chunked' ? new ChunkedDecoder() : null,
      };
    // node emits 'request' once the head is parsed (_http_common.js parserOnHeadersComplete →
    // _http_server.js parserOnIncoming), not after the body: a pod answers, counts, hangs or
    // closes at the head, whether or not its body ever comes
    if (expect !== undefined && !CONTINUE.test(expect)) this.respond(req, keepAlive).expectationFailed();
    else this.dispatch(req, keepAlive);
    return true;
  }

  /** Skips body bytes (a pod reads and drops its request body); the next request follows it. */
  private readBody(buf: Buffer): boolean {
    const b = this.body as PendingBody;
    let used: number;
    let done: boolean;
    if (b.decoder) {
      used = b.decoder.feed(buf, 0, []);
      done = b.decoder.done;
    } else {
      used = Math.min(b.left, buf.length);
      b.left -= used;
      done = b.left === 0;
    }
    this.buf = used < buf.length ? buf.subarray(used) : null;
    if (!done) return false;
    this.body = null;
    return true;
  }

  /** The request's response slot, in order behind those before it. */
  private respond(req: PodRequest, keepAlive: boolean): PodResponse {
    const res = new PodResponse(this, req, keepAlive);
    this.queue.push(res);
    if (!keepAlive) this.last = true;
    return res;
  }

  private dispatch(req: PodRequest, keepAlive: boolean): void {
    this.onRequest(req, this.respond(req, keepAlive));
  }

  /** Writes the responses that are ready, in request order; ends the connection after a last one. */
  flush(): void {
    const out: Buffer[] = [];
    let close = false;
    while (this.queue.length > 0) {
      const bytes = this.queue[0].take();
      if (bytes === null) break;
      close = !this.queue[0].keepAlive;
      this.queue.shift();
      out.push(bytes);
      if (close) break;
    }
    if (out.length === 0 || this.socket.destroyed) return;
    const data = out.length === 1 ? out[0] : Buffer.concat(out);
    if (close) this.socket.end(data);
    else this.socket.write(data);
  }
}
