/**
 * What the gateway's connection manager does to a request's headers before routing
 * (istio-envoy-semantics.md §6.1 "Request headers"): Envoy's
 * `ConnectionManagerUtility::mutateRequestHeaders` and `cleanInternalHeaders`
 * (source/common/http/conn_manager_utility.cc) as an Istio ingress gateway configures them —
 * `use_remote_address: true` (Istio gateway.go), no trusted hops (`numTrustedProxies` unset),
 * `generate_request_id` on and `preserve_external_request_id` off (Envoy's defaults), no
 * `via`, no user agent, plaintext. Every client is external ("edge requests"), loopback and
 * private addresses included, as in current Envoy: Istio's gateway HCM sets no
 * `internal_address_config` (networking/core/listener.go: only with EnableHCMInternalNetworks
 * and meshNetworks), and without one Envoy trusts no address since the runtime guard
 * `explicit_internal_address_config` became the only behaviour (removed in Envoy 1.36;
 * http_connection_manager/config.cc createInternalAddressConfig). Older Envoys (Istio ≤ 1.2x
 * with the guard off, its default until then) counted RFC1918 and 127.0.0.1 clients as internal
 * (Network::Utility::isInternalAddress): there a port-forwarded client's x-envoy-* headers were
 * honoured and its x-request-id kept. Not emulated.
 *
 * Not emulated: tracing headers (x-b3-*, x-envoy-decorator-operation with tracing on), the
 * `x-forwarded-port` option (Istio does not set `append_x_forwarded_port`).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Rng } from '../util/random.js';
import { ABSOLUTE_URL } from './http1-head.js';

/** `cleanInternalHeaders` on an edge request: headers only Envoys inside the mesh may set. */
const INTERNAL_ONLY = [
  'x-envoy-decorator-operation',
  'x-envoy-downstream-service-cluster',
  'x-envoy-downstream-service-node',
  'x-envoy-retriable-status-codes',
  'x-envoy-retriable-header-names',
  'x-envoy-retry-on',
  'x-envoy-retry-grpc-on',
  'x-envoy-max-retries',
  'x-envoy-upstream-alt-stat-name',
  'x-envoy-upstream-rq-timeout-ms',
  'x-envoy-upstream-rq-per-try-timeout-ms',
  'x-envoy-upstream-rq-timeout-alt-response',
  'x-envoy-expected-rq-timeout-ms',
  'x-envoy-force-trace',
  'x-envoy-ip-tags',
  'x-envoy-original-url',
  'x-envoy-hedge-on-per-try-timeout',
];

/** "Clean proxy headers" (every request), then XFCC without mutual TLS (`mutateXfccRequestHeader`). */
const PROXY_ONLY = [
  'x-envoy-internal',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'x-forwarded-client-cert',
];

/** A version-4 UUID (the UUID request-id extension's format), its 122 random bits from `rng`. */
export function requestId(rng: Rng): string {
  let hex = '';
  for (let i = 0; i < 4; i++) hex += rng.int(0x100000000).toString(16).padStart(8, '0');
  const variant = (8 | (Number.parseInt(hex[16], 16) & 3)).toString(16); // 10xx
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20)}`;
}

/** RFC 3986 query / fragment characters, `%` included (Envoy's kUriQueryAndFragmentCharTable) [INF: the table not re-read, the RFC's set] */
const QUERY_CHAR = /^[A-Za-z0-9\-._~%!$&'()*+,;=:@/?]$/;

/**
 * `Utility::isValidRefererValue` (source/common/http/utility.cc, with the runtime guard
 * `http_allow_partial_urls_in_referer` on): an absolute URL without userinfo or fragment, or a
 * relative reference of query/fragment characters with no `:` before its first `/`.
 */
function isValidReferer(value: string): boolean {
  const m = ABSOLUTE_URL.exec(value);
  if (m) return !value.slice(0, value.length - m[4].length).includes('@') && !m[4].includes('#');
  let seenSlash = false;
  for (const c of value) {
    if (c === ':') {
      if (!seenSlash) return false; // a first path segment cannot hold ':' (RFC 3986 §3.3)
    } else if (c === '/') seenSlash = true;
    else if (!QUERY_CHAR.test(c)) return false;
  }
  return true;
}

/**
 * `sanitizeTEHeader` (Envoy ≥ 1.29 strips TE as hop-by-hop; envoyproxy/envoy#32255 keeps the
 * `trailers` value gRPC needs): `trailers` when one of the comma-separated values is exactly
 * that, else no TE. [INF: the function's body was not re-read; the behaviour is the PR's and
 * Contour's description of it]
 */
function teOf(v: string | string[] | undefined): string | undefined {
  if (v === undefined) return undefined;
  const all = Array.isArray(v) ? v.join(',') : v;
  return all.split(',').some((t) => t.trim() === 'trailers') ? 'trailers' : undefined;
}

/**
 * Mutates `h` as the connection manager does for an edge request from `clientAddress`:
 * `connection` / `upgrade` go (no upgrade is proxied), and so do the proxy-only and
 * internal-only headers; `te` keeps only `trailers`; a `referer` Envoy finds invalid is dropped; the client's
 * address is appended to `x-forwarded-for` (`appendXff`, "," without a space) and set as
 * `x-envoy-external-address`; `x-forwarded-proto` is overwritten (`http`); a new
 * `x-request-id` replaces any the client sent.
 */
export function mutateRequestHeaders(h: IncomingHttpHeaders, clientAddress: string, rng: Rng): void {
  delete h.connection;
  delete h.upgrade;
  for (const k of PROXY_ONLY) delete h[k];
  const te = teOf(h.te);
  if (te === undefined) delete h.te;
  else h.te = te;
  const referer = h.referer;
  if (referer !== undefined && !isValidReferer(referer)) delete h.referer;
  const xff = h['x-forwarded-for'];
  h['x-forwarded-for'] = xff === undefined || xff === '' ? clientAddress : `${xff},${clientAddress}`;
  h['x-forwarded-proto'] = 'http';
  for (const k of INTERNAL_ONLY) delete h[k];
  h['x-envoy-external-address'] = clientAddress;
  h['x-request-id'] = requestId(rng);
}
