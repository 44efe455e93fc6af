/**
 * The gateway's upstream HTTP/1.1 codec: the request head the router writes on a pooled
 * connection, and the parser of the one response that connection then carries (RFC 9112).
 * One request at a time per connection, as Envoy's HTTP/1 upstream pool does (§2.1).
 *
 * What ends an exchange: the body framing (content-length, chunked, none for HEAD / 1xx /
 * 204 / 304, else read until the pod closes); a response with `connection: close` or from
 * HTTP/1.0 without keep-alive leaves the connection to be closed, not reused. Interim 1xx
 * responses (other than 101) are skipped, as Envoy does without `proxy_100_continue`. A response
 * the codec cannot parse resets the request like a closed connection (Envoy would report an
 * upstream protocol error, UPE: the pods never send one, so this is not told apart).
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import {
  ChunkedDecoder,
  CodecError,
  CRLF_CRLF,
  framingOf,
  headerLines,
  MAX_HEAD_BYTES,
  parseHeaderBlock,
  persists,
  type Framing,
} from './http1-head.js';

/** Who hears of one upstream response. */
export interface ResponseSink {
  onResponseHead(status: number, headers: IncomingHttpHeaders): void;
  /** a body chunk; `last`: the response is complete with it (the chunk may be empty) */
  onResponseData(chunk: Buffer, last: boolean): void;
  /** the connection closed or failed before the response was complete */
  onResponseReset(): void;
}

const EMPTY = Buffer.alloc(0);
/** HTTP/1.x SP status-code [SP reason] (RFC 9112 §4) */
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/;

/** `METHOD path HTTP/1.1`, the headers, the blank line. */
export function requestHead(method: string, path: string, headers: OutgoingHttpHeaders): string {
  return `${method} ${path} HTTP/1.1\r\n${headerLines(headers)}\r\n`;
}

/** Parses one response for `sink`. */
export class ResponseParser {
  private buf: Buffer | null = null;
  private framing: Framing | null = null;
  private decoder: ChunkedDecoder | null = null;
  /** the connection may carry another request once this response is complete */
  keepAlive = true;
  done = false;

  constructor(
    private readonly sink: ResponseSink,
    private readonly isHead: boolean,
  ) {}

  /**
   * Feeds bytes; returns how many bytes of `d` are left over past the end of the response (a
   * pod that sends more than one response to one request: the connection is not reusable).
   * Throws CodecError on a malformed response.
   */
  feed(d: Buffer): number {
    let buf = this.buf === null ? d : Buffer.concat([this.buf, d]);
    this.buf = null;
    while (this.framing === null) {
      const end = buf.indexOf(CRLF_CRLF);
      if (end < 0) {
        if (buf.length > MAX_HEAD_BYTES) throw new CodecError(400, 'response headers too large');
        this.buf = buf;
        return 0;
      }
      const head = buf.toString('latin1', 0, end);
      const eol = head.indexOf('\r\n');
      const m = STATUS_LINE.exec(eol < 0 ? head : head.slice(0, eol));
      if (!m) throw new CodecError(400, 'invalid status line');
      const status = Number(m[2]);
      const headers = parseHeaderBlock(eol < 0 ? '' : head.slice(eol + 2));
      buf = buf.subarray(end + 4);
      if (status >= 100 && status < 200 && status !== 101) continue; // interim: the final one follows
      this.keepAlive = persists(m[1] === '1', headers);
      const bodiless = this.isHead || status === 204 || status === 304 || status === 101;
      this.framing = bodiless ? { kind: 'none' } : framingOf(headers, true);
      if (this.framing.kind === 'close') this.keepAlive = false;
      if (this.framing.kind === 'chunked') this.decoder = new ChunkedDecoder();
      this.sink.onResponseHead(status, headers);
      if (this.framing.kind === 'none') return this.finish(EMPTY, buf.length);
    }
    return this.body(buf);
  }

  /** The connection closed: the end of a close-delimited body, else a reset. */
  onClose(): void {
    if (this.done) return;
    if (this.framing?.kind === 'close') {
      this.finish(EMPTY, 0);
      return;
    }
    this.done = true;
    this.sink.onResponseReset();
  }

  private body(buf: Buffer): number {
    const f = this.framing as Framing;
    if (f.kind === 'close') {
      if (buf.length > 0) this.sink.onResponseData(buf, false);
      return 0;
    }
    if (f.kind === 'length') {
      if (buf.length < f.left) {
        f.left -= buf.length;
        if (buf.length > 0) this.sink.onResponseData(buf, false);
        return 0;
      }
      const n = f.left;
      f.left = 0;
      return this.finish(n === buf.length ? buf : buf.subarray(0, n), buf.length - n);
    }
    const d = this.decoder as ChunkedDecoder;
    const out: Buffer[] = [];
    const at = d.feed(buf, 0, out);
    const data = out.length === 0 ? EMPTY : out.length === 1 ? out[0] : Buffer.concat(out);
    if (d.done) return this.finish(data, buf.length - at);
    if (data.length > 0) this.sink.onResponseData(data, false);
    return 0;
  }

  private finish(last: Buffer, leftover: number): number {
    this.done = true;
    if (leftover > 0) this.keepAlive = false;
    this.sink.onResponseData(last, true);
    return leftover;
  }
}
