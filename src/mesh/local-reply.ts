/**
 * Proxy-generated responses ("local replies") and response flags, byte for byte as in
 * istio-envoy-semantics.md §1: exact bodies, `content-type: text/plain` only with a body,
 * `server: istio-envoy` (gateway), never `x-envoy-upstream-service-time`.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { MeshRequest, MeshResponse } from './downstream.js';
import { evaluate, type HeaderParser } from './header-mutation.js';

/** §1: the gateway's HCM `server_name` */
export const SERVER_NAME = 'istio-envoy';

export const BODY = {
  overflow: 'upstream connect error or disconnect/reset before headers. reset reason: overflow',
  noHealthyUpstream: 'no healthy upstream',
  timeout: 'upstream request timeout',
  faultAbort: 'fault filter abort',
} as const;

/**
 * §1 reset reasons. The connect-failure suffix is version dependent (§9): current Envoy writes
 * `"delayed connect error: " + errorDetails(error)` (connection_impl.cc onWriteReady), the
 * strerror text of ECONNREFUSED — "Connection refused", as 2025 Istio and kgateway outputs show —
 * where older Envoy wrote the errno number (`… error: 111`, the shared spec's §1 example).
 */
export const RESET_REASON = {
  overflow: 'overflow',
  connectFailure: 'remote connection failure, transport failure reason: delayed connect error: Connection refused',
  connectTimeout: 'connection timeout',
  connectionTermination: 'connection termination',
  remoteReset: 'remote reset',
} as const;
export type ResetReason = (typeof RESET_REASON)[keyof typeof RESET_REASON];

/** "upstream connect error … before headers. [retried and the latest ]reset reason: X" (§1). */
export function resetBody(reason: ResetReason, retried: boolean): string {
  return `upstream connect error or disconnect/reset before headers. ${retried ? 'retried and the latest ' : ''}reset reason: ${reason}`;
}

/**
 * Response flags as bits, in Envoy's fixed print order (`stream_info/utility.h`): a flag's
 * value is its position, so printing walks the bits upwards.
 */
const FLAG_ORDER = [
  'LH',
  'UH',
  'UT',
  'LR',
  'UR',
  'UF',
  'UC',
  'UO',
  'NR',
  'DI',
  'FI',
  'RL',
  'UAEX',
  'RLSE',
  'DC',
  'URX',
  'SI',
  'IH',
  'DPE',
  'UMSDR',
  'RFCF',
  'NFCF',
  'DT',
  'UPE',
  'NC',
  'OM',
  'DF',
  'DO',
  'DR',
] as const;
export type FlagName = (typeof FLAG_ORDER)[number];
export const Flag = Object.fromEntries(FLAG_ORDER.map((f, i) => [f, 1 << i])) as { readonly [K in FlagName]: number };

/**
 * The flag of a request whose client went away (conn_manager_impl.cc): an HTTP/2 client reset
 * its stream while the connection lives — `ActiveStream::onResetStream` with a remote reset on
 * HTTP/2 sets DownstreamRemoteReset (DR) — or the connection closed under the request:
 * `resetAllStreams` sets DownstreamConnectionTermination (DC).
 */
export function clientGoneFlag(req: MeshRequest): number {
  return req.httpVersion === '2.0' && !req.socket.destroyed ? Flag.DR : Flag.DC;
}

/** "UT,URX"; "-" when none (Envoy's access log prints "-"). */
export function formatFlags(bits: number): string {
  if (bits === 0) return '-';
  let out = '';
  for (let i = 0; i < FLAG_ORDER.length; i++)
    if (bits & (1 << i)) out += out === '' ? FLAG_ORDER[i] : `,${FLAG_ORDER[i]}`;
  return out;
}

/** Envoy `Grpc::Utility::httpToGrpcStatus`: the gRPC status a local reply's HTTP status becomes. */
export function httpToGrpcStatus(status: number): number {
  switch (status) {
    case 400:
      return 13; // INTERNAL
    case 401:
      return 16; // UNAUTHENTICATED
    case 403:
      return 7; // PERMISSION_DENIED
    case 404:
      return 12; // UNIMPLEMENTED
    case 429:
    case 502:
    case 503:
    case 504:
      return 14; // UNAVAILABLE
    default:
      return 2; // UNKNOWN
  }
}

function isGrpc(res: MeshResponse): boolean {
  const ct = res.req?.headers['content-type'];
  return typeof ct === 'string' && ct.startsWith('application/grpc');
}

/**
 * Writes a local reply (§1). A gRPC request (`content-type: application/grpc…`) gets HTTP 200
 * with `grpc-status` (from `grpcStatus`, else mapped from `status`) and `grpc-message: <body>`
 * instead (§1, §5.1 [INF]). Returns the bytes of body sent (the stream's `bytesSent`): none for
 * a gRPC reply, and none for a HEAD request, whose reply keeps its `content-length` but ends
 * with its headers (http/utility.cc `Utility::sendLocalReply`: `if (is_head_request_)
 * encode_headers_(…, true); return;`).
 */
export function sendLocalReply(
  res: MeshResponse,
  status: number,
  body: string,
  overloaded = false,
  grpcStatus?: number,
  mutations: HeaderParser[] = [],
): number {
  if (res.headersSent || res.destroyed) {
    // §4.1: a reply after response headers went out becomes a reset of the downstream stream
    res.destroy();
    return 0;
  }
  if (isGrpc(res)) {
    const headers: OutgoingHttpHeaders = {
      'content-type': 'application/grpc',
      'content-length': 0,
      'grpc-status': grpcStatus ?? httpToGrpcStatus(status),
      'grpc-message': encodeURIComponent(body),
    };
    if (overloaded) headers['x-envoy-overloaded'] = 'true';
    evaluate(mutations, headers);
    headers.server = SERVER_NAME;
    res.writeHead(200, headers);
    res.end();
    return 0;
  }
  const len = Buffer.byteLength(body);
  const headers: OutgoingHttpHeaders = { 'content-length': len };
  if (len > 0) headers['content-type'] = 'text/plain';
  if (overloaded) headers['x-envoy-overloaded'] = 'true';
  // a local reply on a resolved route gets the route entry's response headers too (§6.3;
  // filter_manager.cc sendLocalReplyViaFilterChain → routeEntry()->finalizeResponseHeaders)
  evaluate(mutations, headers);
  // after the route's mutations: the HCM sets `server` last, overwriting (conn_manager_impl.cc
  // ActiveStream::encodeHeaders, server_header_transformation OVERWRITE, §1)
  headers.server = SERVER_NAME;
  res.writeHead(status, headers);
  res.end(body);
  return res.req?.method === 'HEAD' ? 0 : len;
}
