/**
 * HTTP/1.1 message framing shared by the gateway's two codecs (downstream server,
 * http1-server.ts; upstream client, http1-client.ts): header blocks, body framing, chunked
 * decoding and the response head. The mesh owns this codec rather than node's http module
 * because node builds an IncomingMessage, a ServerResponse and a ClientRequest per proxied
 * request, which cost the gateway about half its CPU per request (issue 18). What it parses and
 * writes is RFC 9112; where node's http module and Envoy differ, each choice below says whose it follows.
 */
import { STATUS_CODES, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';

export const CRLF_CRLF = Buffer.from('\r\n\r\n');

/**
 * A whole body up to this size goes out in the same write as its head, as one latin1 string
 * (latin1 maps each byte to one char and back, so the bytes on the wire are the same); a larger
 * one is a second write under cork().
 */
export const ONE_WRITE_MAX_BYTES = 16 * 1024;

/**
 * Envoy's HTTP/1 codec limits (HttpConnectionManager `max_request_headers_kb` default 60,
 * `common_http_protocol_options.max_headers_count` default 100; Istio sets neither on a gateway):
 * beyond them the codec answers 431. The count: http1/codec_impl.cc `completeCurrentHeader`
 * ("headers count exceeds limit", more than 100 entries). The size: current Envoy parses with
 * Balsa (`http1_use_balsa_parser` on by default, http_parser removed in 1.35), given
 * `max_headers_kb * 1024` as its header length limit ("headers size exceeds limit" → 431 in
 * `dispatchSlice`); here the head's bytes up to the blank line are counted. Whether Balsa counts
 * the request line and line ends the same way, to the byte, is not verified [INF] (the older
 * http_parser path, `checkMaxHeadersSize`, counted the URL plus names and values only).
 */
export const MAX_HEAD_BYTES = 60 * 1024;
export const MAX_HEADERS = 100;

/**
 * Headers whose duplicates node's IncomingMessage drops (first one wins; `_addHeaderLine` /
 * `matchKnownFields`), `set-cookie` kept as an array, `cookie` joined with "; ", the rest with
 * ", ". The gateway used node's parser before issue 18: routing, retry decisions and the headers
 * a pod receives stay as they were (tests/mesh/wire.test.ts compares them to node's).
 */
const FIRST_WINS = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);

/** A header-block parse failure: the status and details Envoy's HTTP/1 codec would answer with. */
export class CodecError extends Error {
  constructor(
    readonly status: 400 | 403 | 431 | 501,
    detail: string,
  ) {
    super(detail);
  }
}

/**
 * A header section, every line checked at once (one regex pass over the block is cheaper than
 * two per line): a token name (RFC 9110 §5.1; no whitespace before the colon) and a field value
 * of visible characters, spaces, tabs and obs-text — no CR, LF or NUL.
 */
const HEADER_BLOCK = /^(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*(?:\r\n|$))*$/;

/**
 * Parses a header section (`block`: the lines after the start line, CRLF-separated, without the
 * final blank line) into node's merged header shape. Rejects what both node's llhttp and
 * Envoy's codec reject: a line without a colon, a name that is not a token (including
 * whitespace before the colon), a value with control characters.
 */
const isBlank = (c: number) => c === 32 || c === 9;

export function parseHeaderBlock(block: string, maxHeaders = MAX_HEADERS): IncomingHttpHeaders {
  const h: IncomingHttpHeaders = {};
  if (block === '') return h;
  if (!HEADER_BLOCK.test(block)) throw new CodecError(400, 'invalid header');
  // line by line in place (no split, one slice per name and value): the gateway parses two
  // blocks per proxied request
  let count = 0;
  for (let at = 0; at < block.length; ) {
    let eol = block.indexOf('\r\n', at);
    if (eol < 0) eol = block.length;
    if (++count > maxHeaders) throw new CodecError(431, 'headers count exceeds limit');
    const colon = block.indexOf(':', at);
    const name = block.slice(at, colon).toLowerCase();
    // the value without the spaces and tabs around it (HEADER_BLOCK admits no other whitespace)
    let from = colon + 1;
    let to = eol;
    while (from < to && isBlank(block.charCodeAt(from))) from++;
    while (to > from && isBlank(block.charCodeAt(to - 1))) to--;
    const value = block.slice(from, to);
    at = eol + 2;
    const prev = h[name];
    if (prev === undefined) h[name] = name === 'set-cookie' ? [value] : value;
    else if (name === 'set-cookie') (prev as string[]).push(value);
    else if (!FIRST_WINS.has(name)) h[name] = `${prev}${name === 'cookie' ? '; ' : ', '}${value}`;
  }
  return h;
}

/**
 * An absolute URL as Envoy reads one with http_parser_parse_url (`Utility::Url::initialize`): a
 * scheme of letters, `://`, optional userinfo (dropped), a host (bracketed for IPv6) with an
 * optional port, then the path, query and fragment as they are.
 */
export const ABSOLUTE_URL = /^([A-Za-z]+):\/\/(?:[^/?#@]*@)?(\[[0-9A-Fa-f:.]+\]|[^/?#:@[\]]+)(:\d*)?(.*)$/;

/** method SP request-target SP HTTP/1.x (RFC 9112 §3); group 3 is the minor version */
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\S+) HTTP\/1\.([01])$/;

/**
 * Where the next request head in `buf` lies: it starts after the empty lines a request may
 * begin with (RFC 9112 §2.2; llhttp and Envoy's codec skip them), and `end` is the offset of its
 * blank line, -1 while it is not whole. The caller applies its own size limit.
 */
export function findHead(buf: Buffer): { start: number; end: number } {
  let start = 0;
  while (start + 1 < buf.length && buf[start] === 13 && buf[start + 1] === 10) start += 2;
  return { start, end: buf.indexOf(CRLF_CRLF, start) };
}

/** A parsed request head: its request line and headers. */
export interface RequestHead {
  method: string;
  target: string;
  version: '1.0' | '1.1';
  headers: IncomingHttpHeaders;
}

/** Parses a request head (`head`: from the request line to the blank line, excluded). Throws CodecError. */
export function parseRequestHead(head: string, maxHeaders = MAX_HEADERS): RequestHead {
  const eol = head.indexOf('\r\n');
  const m = REQUEST_LINE.exec(eol < 0 ? head : head.slice(0, eol));
  if (!m) throw new CodecError(400, 'invalid request line');
  const headers = parseHeaderBlock(eol < 0 ? '' : head.slice(eol + 2), maxHeaders);
  return { method: m[1], target: m[2], version: m[3] === '0' ? '1.0' : '1.1', headers };
}

const CLOSE_TOKEN = /(^|,)\s*close\s*(,|$)/;

/**
 * Whether a message's connection persists after it (RFC 9112 §9.3): HTTP/1.1 unless
 * `connection` lists `close`; HTTP/1.0 only with `connection: keep-alive`.
 */
export function persists(http11: boolean, headers: IncomingHttpHeaders): boolean {
  const connection = headers.connection?.toLowerCase();
  if (http11) return connection === undefined || !CLOSE_TOKEN.test(connection);
  return connection === 'keep-alive';
}

/** How a message's body is delimited (RFC 9112 §6.3). */
export type Framing = { kind: 'none' } | { kind: 'length'; left: number } | { kind: 'chunked' } | { kind: 'close' };

const NO_BODY: Framing = { kind: 'none' };

/**
 * RFC 9112 §6.3 for a message with `headers`. Both `content-length` and `transfer-encoding`
 * is refused (Envoy: http1.content_length_and_chunked_not_allowed, 400; llhttp too), as is a
 * transfer coding other than chunked (Envoy: http1.invalid_transfer_encoding, 501). `close`
 * (read until the connection closes) only for responses.
 */
export function framingOf(headers: IncomingHttpHeaders, isResponse: boolean): Framing {
  const te = headers['transfer-encoding'];
  const cl = headers['content-length'];
  if (te !== undefined) {
    if (cl !== undefined) throw new CodecError(400, 'content length and chunked not allowed');
    if (te.toLowerCase() !== 'chunked') throw new CodecError(501, 'invalid transfer encoding');
    return { kind: 'chunked' };
  }
  if (cl !== undefined) {
    if (!/^\d{1,15}$/.test(cl)) throw new CodecError(400, 'invalid content length');
    const n = Number(cl);
    return n === 0 ? NO_BODY : { kind: 'length', left: n };
  }
  return isResponse ? { kind: 'close' } : NO_BODY;
}

/**
 * A chunked body decoder (RFC 9112 §7.1): feed it bytes, it returns the data they hold and says
 * when the last chunk and its trailer section have been read. Chunk extensions and trailers are
 * read and dropped.
 */
export class ChunkedDecoder {
  /** bytes of the current chunk still to come; -1 while reading a size line */
  private left = -1;
  /** reading the CRLF after a chunk's data */
  private crlf = false;
  /** after the last chunk: reading the trailer section */
  private trailer = false;
  private line = '';
  done = false;

  /**
   * Consumes what it can of `buf` from `at`; returns the data chunks found and the offset where
   * it stopped (past the end of the body when `done`, else `buf.length`).
   */
  feed(buf: Buffer, at: number, out: Buffer[]): number {
    let i = at;
    while (i < buf.length && !this.done) {
      if (this.left > 0) {
        const n = Math.min(this.left, buf.length - i);
        out.push(buf.subarray(i, i + n));
        this.left -= n;
        i += n;
        if (this.left === 0) this.crlf = true;
        continue;
      }
      const nl = buf.indexOf(10, i);
      if (nl < 0) {
        this.line += buf.toString('latin1', i, buf.length);
        if (this.line.length > 4096) throw new CodecError(400, 'chunk size line too long');
        return buf.length;
      }
      const line = (this.line + buf.toString('latin1', i, nl)).replace(/\r$/, '');
      this.line = '';
      i = nl + 1;
      if (this.crlf) {
        if (line !== '') throw new CodecError(400, 'invalid chunk');
        this.crlf = false;
        this.left = -1;
      } else if (this.trailer) {
        if (line === '') this.done = true;
      } else {
        const size = /^([0-9a-fA-F]{1,15})[ \t]*(;.*)?$/.exec(line);
        if (!size) throw new CodecError(400, 'invalid chunk size');
        const n = Number.parseInt(size[1], 16);
        if (n === 0) this.trailer = true;
        else this.left = n;
      }
    }
    return i;
  }
}

/** The response's reason phrase, as node's http module and Envoy's `CodeUtility::toString` give it. */
export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? 'Unknown';
}

/** Appends `name: value` lines (an array value: one line per element, as node and Envoy write them). */
export function headerLines(headers: OutgoingHttpHeaders): string {
  let out = '';
  for (const k in headers) {
    const v = headers[k];
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const e of v) out += `${k}: ${e}\r\n`;
    else out += `${k}: ${v}\r\n`;
  }
  return out;
}

let dateSecond = -1;
let dateValue = '';

/**
 * The `date` header Envoy's connection manager adds to a response that has none (`ActiveStream::
 * encodeHeaders` → `DateProvider::setDateHeader`, an RFC 7231 IMF-fixdate refreshed each
 * second; an upstream's own date is kept). Cached per second like Envoy's TlsCachingDateProviderImpl.
 */
export function httpDate(): string {
  const ms = Date.now();
  const s = Math.floor(ms / 1000);
  if (s !== dateSecond) {
    dateSecond = s;
    dateValue = new Date(ms).toUTCString();
  }
  return dateValue;
}
