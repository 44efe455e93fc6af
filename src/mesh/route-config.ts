/**
 * The gateway's route table compiled from Envoy virtual hosts (src/translate/):
 * virtual host by authority (exact, then longest `*.suffix`, then `*`), first matching route
 * wins (§6 step 1), with the route's timeout, retry policy (§4) and fault config (§5) turned
 * into numbers once per push rather than per request.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { EnvoyHeaderMatcher, EnvoyRoute, EnvoyStringMatch, EnvoyVirtualHost } from '../translate/index.js';
import { fractionToMillion } from '../translate/index.js';
import { clampedTimerMs } from '../util/duration.js';
import { re2FullMatch } from '../util/re2.js';
import { entryMutations, type EntryMutations } from './header-mutation.js';

/** retryOn tokens as bits (§4.2). */
export const RetryOn = {
  '5xx': 1 << 0,
  'gateway-error': 1 << 1,
  reset: 1 << 2,
  'reset-before-request': 1 << 3,
  'connect-failure': 1 << 4,
  'retriable-4xx': 1 << 5,
  'refused-stream': 1 << 6,
  'retriable-status-codes': 1 << 7,
  'retriable-headers': 1 << 8,
  'envoy-ratelimited': 1 << 9,
  cancelled: 1 << 10,
  'deadline-exceeded': 1 << 11,
  internal: 1 << 12,
  'resource-exhausted': 1 << 13,
  unavailable: 1 << 14,
} as const;

/** gRPC status in response headers that each gRPC retryOn token matches (§4.2). */
export const GRPC_RETRY: [number, number][] = [
  [RetryOn.cancelled, 1],
  [RetryOn['deadline-exceeded'], 4],
  [RetryOn.internal, 13],
  [RetryOn['resource-exhausted'], 8],
  [RetryOn.unavailable, 14],
];

/** Envoy's default retry back-off base (§4.1: 25 ms, max 10× base). */
const DEFAULT_BACKOFF_BASE_MS = 25;

export interface CompiledRetry {
  numRetries: number;
  /** 0 = none */
  perTryMs: number;
  on: number;
  codes: number[];
  baseMs: number;
  maxMs: number;
  avoidPreviousHosts: boolean;
}
export interface CompiledFault {
  delayMs: number;
  delayPerMillion: number;
  abortStatus: number;
  /** `abort.grpc_status`; null = an HTTP abort */
  abortGrpc: number | null;
  abortPerMillion: number;
}
export interface CompiledRoute {
  name: string;
  envoy: EnvoyRoute;
  /** `path` without its query; `url` the whole :path (query included), read only by query_parameters */
  matches(path: string, headers: IncomingHttpHeaders, method: string, authority: string, url?: string): boolean;
  clusters: string[];
  weights: number[];
  totalWeight: number;
  /** 0 = no route timeout (Istio default) */
  timeoutMs: number;
  retry: CompiledRetry | null;
  fault: CompiledFault | null;
  /** §6.3: the header mutations of the route entry for each of `clusters` (same index) */
  mutations: EntryMutations[];
}

/** A route Duration in ms, 0 when unset; clamped to Node's timer limit (issue 13 item 3). */
function ms(d: string | undefined): number {
  return clampedTimerMs(d, 0);
}

function stringMatcher(m: EnvoyStringMatch): (v: string | undefined) => boolean {
  const ci = m.ignore_case === true;
  const norm = (v: string) => (ci ? v.toLowerCase() : v);
  if (m.exact !== undefined) {
    const want = norm(m.exact);
    return (v) => v !== undefined && norm(v) === want;
  }
  if (m.prefix !== undefined) {
    const want = norm(m.prefix);
    return (v) => v !== undefined && norm(v).startsWith(want);
  }
  if (m.safe_regex) {
    // string.proto StringMatcher.ignore_case: "no effect for the safe_regex match"
    const re = re2FullMatch(m.safe_regex.regex);
    return (v) => v !== undefined && re.test(v);
  }
  return (v) => v !== undefined;
}

/**
 * One `HeaderMatcher` (Envoy header_utility.cc `matchHeaders`): `present_match` has no
 * string_match (the `{}` matcher tests presence); inverted, a missing header matches only a
 * presence matcher unless `treat_missing_header_as_empty` tests "" instead.
 */
function headerTest(h: EnvoyHeaderMatcher): (v: string | undefined) => boolean {
  const test = stringMatcher(h.string_match ?? {});
  if (!h.invert_match) return test;
  return (v) => (v === undefined && !h.treat_missing_header_as_empty ? h.string_match === undefined : !test(v ?? ''));
}

/**
 * The first value of query parameter `name` in `url`, as Envoy's route match reads it:
 * `QueryParamsMulti::parseQueryString(headers.getPathValue())` (common/http/utility.cc: the
 * part after the first `?`, split on `&`, each `key=value` or a bare `key` with value "", NOT
 * percent-decoded) and `QueryParameterMatcher::matches` (router/config_utility.cc: "ignoring
 * all but the first value for a given key"). Scans in place: nothing allocated but the value.
 */
function firstQueryValue(url: string, name: string): string | undefined {
  let start = url.indexOf('?');
  if (start < 0) return undefined;
  start++;
  while (start < url.length) {
    let end = url.indexOf('&', start);
    if (end < 0) end = url.length;
    const eq = url.indexOf('=', start);
    const nameEnd = eq >= 0 && eq < end ? eq : end;
    if (nameEnd - start === name.length && url.startsWith(name, start))
      return nameEnd === end ? '' : url.slice(nameEnd + 1, end);
    start = end + 1;
  }
  return undefined;
}

function compileMatch(r: EnvoyRoute): CompiledRoute['matches'] {
  const m = r.match;
  const ci = m.case_sensitive === false;
  let path: (p: string) => boolean;
  if (m.path !== undefined) {
    const want = ci ? m.path.toLowerCase() : m.path;
    path = (p) => (ci ? p.toLowerCase() : p) === want;
  } else if (m.safe_regex) {
    // route_components.proto RouteMatch.case_sensitive: "Ignored for safe_regex matching"
    const re = re2FullMatch(m.safe_regex.regex);
    path = (p) => re.test(p);
  } else {
    const want = ci ? (m.prefix ?? '/').toLowerCase() : (m.prefix ?? '/');
    path = want === '/' ? () => true : (p) => (ci ? p.toLowerCase() : p).startsWith(want);
  }
  const headers = (m.headers ?? []).map((h) => ({ name: h.name, test: headerTest(h) }));
  // QueryParameterMatcher: `present_match` (the only form Istio writes, always true) → the
  // parameter has a value; a string_match tests the first value; a missing parameter never matches
  const query = (m.query_parameters ?? []).map((q) => ({ name: q.name, test: stringMatcher(q.string_match ?? {}) }));
  if (headers.length === 0 && query.length === 0) return (p) => path(p);
  return (p, hs, method, authority, url = p) => {
    if (!path(p)) return false;
    for (const h of headers) {
      // the local gateway listens in plain HTTP only: its :scheme is "http"
      const v =
        h.name === ':method'
          ? method
          : h.name === ':authority'
            ? authority
            : h.name === ':scheme'
              ? 'http'
              : hs[h.name];
      if (!h.test(Array.isArray(v) ? v.join(',') : v)) return false;
    }
    for (const q of query) if (!q.test(firstQueryValue(url, q.name))) return false;
    return true;
  };
}

function compileRetry(r: EnvoyRoute): CompiledRetry | null {
  const p = r.route.retry_policy;
  if (!p) return null;
  let on = 0;
  for (const tok of p.retry_on.split(',')) on |= (RetryOn as Record<string, number>)[tok.trim()] ?? 0;
  const base = p.retry_back_off ? ms(p.retry_back_off.base_interval) : DEFAULT_BACKOFF_BASE_MS;
  return {
    numRetries: p.num_retries,
    perTryMs: ms(p.per_try_timeout),
    on,
    codes: p.retriable_status_codes ?? [],
    baseMs: base,
    maxMs: p.retry_back_off?.max_interval ? ms(p.retry_back_off.max_interval) : 10 * base,
    avoidPreviousHosts: (p.retry_host_predicate ?? []).length > 0,
  };
}

function compileFault(r: EnvoyRoute): CompiledFault | null {
  const f = r.typed_per_filter_config?.['envoy.filters.http.fault'];
  if (!f) return null;
  return {
    delayMs: f.delay ? ms(f.delay.fixed_delay) : 0,
    delayPerMillion: f.delay ? fractionToMillion(f.delay.percentage) : 0,
    // a gRPC-status abort on a plain HTTP request answers 200 (§5.1)
    abortStatus: f.abort?.http_status ?? (f.abort?.grpc_status !== undefined ? 200 : 0),
    abortGrpc: f.abort?.grpc_status ?? null,
    abortPerMillion: f.abort ? fractionToMillion(f.abort.percentage) : 0,
  };
}

export function compileRoute(r: EnvoyRoute): CompiledRoute {
  const wc = r.route.weighted_clusters?.clusters;
  const clusters = wc ? wc.map((c) => c.name) : [r.route.cluster ?? ''];
  const weights = wc ? wc.map((c) => c.weight) : [1];
  return {
    name: r.name ?? '-',
    envoy: r,
    matches: compileMatch(r),
    clusters,
    weights,
    totalWeight: weights.reduce((a, b) => a + b, 0),
    timeoutMs: ms(r.route.timeout),
    retry: compileRetry(r),
    fault: compileFault(r),
    mutations: wc ? wc.map((c) => entryMutations(r, c)) : [entryMutations(r, undefined)],
  };
}

export class RouteTable {
  private readonly exact = new Map<string, CompiledRoute[]>();
  private readonly suffix: [string, CompiledRoute[]][] = [];
  private any: CompiledRoute[] | null = null;

  constructor(vhosts: EnvoyVirtualHost[]) {
    for (const vh of vhosts) {
      const routes = vh.routes.map(compileRoute);
      const host = vh.domains[0].toLowerCase();
      if (host === '*') this.any = routes;
      else if (host.startsWith('*')) this.suffix.push([host.slice(1), routes]);
      else this.exact.set(host, routes);
    }
    this.suffix.sort((a, b) => b[0].length - a[0].length);
  }

  /** §6 step 1: first matching route of the virtual host for `authority`; null → 404 NR. */
  find(authority: string, path: string, headers: IncomingHttpHeaders, method: string): CompiledRoute | null {
    const colon = authority.lastIndexOf(':');
    const host = (colon > 0 && !authority.endsWith(']') ? authority.slice(0, colon) : authority).toLowerCase();
    let routes = this.exact.get(host);
    if (!routes)
      for (const [sfx, rs] of this.suffix)
        if (host.endsWith(sfx)) {
          routes = rs;
          break;
        }
    routes ??= this.any ?? undefined;
    if (!routes) return null;
    const q = path.indexOf('?');
    const p = q >= 0 ? path.slice(0, q) : path;
    for (const r of routes) if (r.matches(p, headers, method, authority, path)) return r;
    return null;
  }
}
