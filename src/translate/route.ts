/** VirtualService → Envoy routes and virtual hosts (istio-envoy-semantics.md §4–§5; Istio's route/route.go, route/retry/retry.go). */
import type {
  HTTPFaultInjection,
  HTTPMatchRequest,
  HTTPRetry,
  HTTPRoute,
  StringMatch,
  VirtualService,
} from '../policy/types.js';
import { isValidRetryOnToken } from '../policy/retry-on.js';
import {
  ISTIO_DEFAULTS,
  type EnvoyFault,
  type EnvoyFractionalPercent,
  type EnvoyRetryPolicy,
  type EnvoyRoute,
  type EnvoyRouteAction,
  type EnvoyHeaderMatcher,
  type EnvoyRouteMatch,
  type EnvoyStringMatch,
  type EnvoyVirtualHost,
  type EnvoyWeightedCluster,
} from './envoy.js';
import { clusterName, dur, serviceFqdn } from './names.js';
import { appendMutations, translateHeaders } from './headers.js';

// ---------- VirtualService → routes ----------

/** `util.ConvertToEnvoyMatch`: exact / prefix / regex → safe_regex. */
function stringMatch(m: StringMatch): EnvoyStringMatch {
  const out: EnvoyStringMatch = {};
  if (m.exact !== undefined) out.exact = m.exact;
  else if (m.prefix !== undefined) out.prefix = m.prefix;
  else if (m.regex !== undefined) out.safe_regex = { regex: m.regex };
  return out;
}

/** `canBeConvertedToPresentMatch`: a StringMatch with no type, or `regex: "*"` (not RE2: "present"). */
function isPresence(m: StringMatch | undefined): boolean {
  if (!m || typeof m !== 'object') return true;
  if (m.regex === '*') return true;
  return m.exact === undefined && m.prefix === undefined && m.regex === undefined;
}

/** `translateHeaderMatch` (route.go). */
function headerMatcher(name: string, m: StringMatch | undefined): EnvoyHeaderMatcher {
  return isPresence(m) ? { name, present_match: true } : { name, string_match: stringMatch(m as StringMatch) };
}

/** Match fields the CRD has that meshproof's own model leaves out (the validator accepts them). */
type FullMatch = HTTPMatchRequest & {
  gateways?: string[];
  scheme?: StringMatch;
  withoutHeaders?: Record<string, StringMatch>;
  queryParams?: Record<string, StringMatch>;
};

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * `TranslateRouteMatch` (route/route.go): no match → `prefix: "/"` alone. With a match:
 * `headers` and `withoutHeaders` (inverted; a missing header reads as "" unless it is a presence
 * match) sorted by name, then `:method`, `:authority`, `:scheme` appended in that order; the URI
 * as path / prefix / safe_regex; `case_sensitive: !ignoreUriCase` always written (1.29's
 * route.go; the propagation check also takes a dump without `case_sensitive: true`, Envoy's
 * default, as older Istio may omit it); `queryParams` → query_parameters.
 */
function translateMatch(match: HTTPMatchRequest | undefined): EnvoyRouteMatch {
  const out: EnvoyRouteMatch = {};
  const m = match as FullMatch | undefined;
  const uri = m?.uri;
  if (uri?.exact !== undefined) out.path = uri.exact;
  else if (uri?.prefix !== undefined) out.prefix = uri.prefix;
  else if (uri?.regex !== undefined) out.safe_regex = { regex: uri.regex };
  else out.prefix = '/';
  if (!m) return out;
  out.case_sensitive = !m.ignoreUriCase;
  const headers: EnvoyHeaderMatcher[] = [];
  for (const [name, sm] of Object.entries(m.headers ?? {})) headers.push(headerMatcher(name.toLowerCase(), sm));
  for (const [name, sm] of Object.entries(m.withoutHeaders ?? {})) {
    const h = headerMatcher(name.toLowerCase(), sm);
    h.invert_match = true;
    if (!isPresence(sm)) h.treat_missing_header_as_empty = true;
    headers.push(h);
  }
  headers.sort(byName);
  if (m.method) headers.push(headerMatcher(':method', m.method));
  if (m.authority) headers.push(headerMatcher(':authority', m.authority));
  if (m.scheme) headers.push(headerMatcher(':scheme', m.scheme));
  if (headers.length > 0) out.headers = headers;
  // Go ranges over the queryParams map in random order and Istio does not sort it: the
  // propagation check compares them as a set
  const query = Object.entries(m.queryParams ?? {}).map(([name, sm]) =>
    isPresence(sm) ? { name, present_match: true as const } : { name, string_match: stringMatch(sm) },
  );
  if (query.length > 0) out.query_parameters = query;
  return out;
}

/**
 * `translateRoute`'s guards on a gateway (route.go): a match for another `port` yields no route,
 * nor does one whose `gateways` are set but name no gateway of this proxy (`sourceMatchHTTP`) —
 * here, a list with only `mesh`, since the local gateway stands in for every non-mesh gateway a
 * VirtualService names (boundToGateway). No route also means no catch-all truncation: Istio
 * checks `IsCatchAllRoute` only on a route it built. `sourceLabels` (matched against the
 * gateway pod's labels) are not emulated.
 */
function onGateway(m: FullMatch | undefined, listenPort: number): boolean {
  if (m?.port && m.port !== listenPort) return false;
  const gws = m?.gateways ?? [];
  return gws.length === 0 || gws.some((g) => g !== 'mesh');
}

/**
 * `IsCatchAllRoute`: prefix "/" (or regex ".*") with no header, query or metadata match. Istio
 * stops emitting a VirtualService's routes after the first one (and after an `http[]` entry with
 * no `match` at all): routes behind it would never be reached.
 */
function isCatchAll(m: EnvoyRouteMatch): boolean {
  const all = m.prefix === '/' || m.safe_regex?.regex === '.*';
  return all && !m.headers?.length && !m.query_parameters?.length;
}

/**
 * Istio `parseRetryOn`: a token `strconv.Atoi` reads (an optional sign, digits) that Go knows as
 * a status goes to retriable_status_codes, so `+503` is 503 too.
 */
function parseRetryOn(retryOn: string): { on: string; codes: number[] } {
  const names: string[] = [];
  const codes: number[] = [];
  for (const raw of retryOn.split(',')) {
    const tok = raw.trim();
    if (tok === '') continue;
    if (/^[+-]?\d+$/.test(tok) && isValidRetryOnToken(tok)) codes.push(Number(tok));
    else names.push(tok);
  }
  if (codes.length > 0 && !names.includes('retriable-status-codes')) names.push('retriable-status-codes');
  return { on: names.join(','), codes };
}

const PREVIOUS_HOSTS = [
  {
    name: 'envoy.retry_host_predicates.previous_hosts',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate',
    },
  },
];

/**
 * §4.1 `retry.go` `ConvertPolicy(in, hashPolicy)`: no block → the default policy; attempts ≤ 0 →
 * no policy at all; otherwise the default policy (`newRetryPolicy`) with the block's fields over
 * it — an empty `retryOn` keeps the default string. `host_selection_retry_max_attempts: 5` is in
 * every policy; the `previous_hosts` predicate only without a consistent hash on the route's one
 * destination, unless `retryIgnorePreviousHosts` says otherwise (true adds it, false drops it).
 */
export function translateRetries(r: HTTPRetry | undefined, consistentHash = false): EnvoyRetryPolicy | undefined {
  if (r && !(r.attempts && r.attempts > 0)) return undefined;
  const { on, codes } = parseRetryOn(r?.retryOn || ISTIO_DEFAULTS.retryOn);
  const p: EnvoyRetryPolicy = { retry_on: on, num_retries: r?.attempts ?? ISTIO_DEFAULTS.numRetries };
  if (codes.length > 0) p.retriable_status_codes = codes;
  const perTry = dur(r?.perTryTimeout);
  if (perTry !== undefined) p.per_try_timeout = perTry;
  const backoff = dur(r?.backoff);
  if (backoff !== undefined) p.retry_back_off = { base_interval: backoff };
  if (r?.retryIgnorePreviousHosts ?? !consistentHash) p.retry_host_predicate = PREVIOUS_HOSTS;
  p.host_selection_retry_max_attempts = String(ISTIO_DEFAULTS.hostSelectionRetryMaxAttempts);
  if (r?.retryRemoteLocalities) {
    p.retry_priority = {
      name: 'envoy.retry_priorities.previous_priorities',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig',
        update_frequency: 2,
      },
    };
  }
  return p;
}

/** gRPC status names Istio accepts (§7.3) → their numbers. */
const GRPC_STATUS: Record<string, number> = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
};

/** §5.1: value ×10 000 truncated, per MILLION; omitted percentage → never. */
function percentage(p: { value?: number } | undefined): EnvoyFractionalPercent | undefined {
  if (p === undefined) return undefined;
  return { numerator: Math.trunc((p.value ?? 0) * 10_000), denominator: 'MILLION' };
}

/** §5.1 `TranslateFault`. Returns undefined when nothing survives translation. */
export function translateFault(f: HTTPFaultInjection | undefined): EnvoyFault | undefined {
  if (!f) return undefined;
  const out: EnvoyFault = { '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault' };
  const fixed = dur(f.delay?.fixedDelay);
  if (f.delay && fixed !== undefined) {
    // without `percentage` Istio writes the deprecated integer `percent` (0 when unset) per HUNDRED
    // (`translateIntegerToFractionalPercent`): a delay with neither is never applied (§5.1)
    const pct = f.delay.percentage
      ? (percentage(f.delay.percentage) as EnvoyFractionalPercent)
      : { numerator: Math.trunc(f.delay.percent ?? 0), denominator: 'HUNDRED' as const };
    out.delay = { fixed_delay: fixed, percentage: pct };
  }
  const a = f.abort;
  if (a && (a.httpStatus !== undefined || a.grpcStatus !== undefined)) {
    const pct = percentage(a.percentage);
    if (a.httpStatus !== undefined) out.abort = { http_status: a.httpStatus };
    else out.abort = { grpc_status: GRPC_STATUS[a.grpcStatus as string] ?? 2 };
    if (pct) out.abort.percentage = pct;
  }
  return out.delay || out.abort ? out : undefined;
}

/** Resolves a destination's port when the route omits it (Istio: the service's only port). */
export type PortOf = (fqdn: string) => number | undefined;
/** Whether a cluster balances by consistent hash (its DR's `loadBalancer.consistentHash`). */
export type HashedCluster = (clusterName: string) => boolean;

function routeAction(r: HTTPRoute, ns: string, portOf: PortOf | undefined, hashed?: HashedCluster): EnvoyRouteAction {
  // route.go applyHTTPRouteDestination: one destination → `cluster`; more → weighted_clusters
  // without the 0-weight ones (so `[100, 0]` is a weighted_clusters of one)
  // without the 0-weight ones — an unset weight is Go's 0 too (`if dst.Weight == 0 { continue }`),
  // so `[100, 0]` and `[100, unset]` are a weighted_clusters of one
  const single = (r.route ?? []).length === 1;
  const dests = (r.route ?? []).filter((d) => single || (d.weight ?? 0) > 0);
  const names = dests.map((d): EnvoyWeightedCluster => {
    const fqdn = serviceFqdn(d.destination.host, ns);
    const port = d.destination.port?.number ?? portOf?.(fqdn) ?? 0;
    // headers of a weighted destination go on its ClusterWeight (processWeightedDestination)
    return {
      name: clusterName(fqdn, port, d.destination.subset),
      weight: d.weight ?? 100,
      ...(single ? {} : translateHeaders(d.headers)),
    };
  });
  const timeout = dur(r.timeout) ?? '0s';
  const action: EnvoyRouteAction = single
    ? { cluster: names[0].name, timeout, max_grpc_timeout: timeout }
    : { weighted_clusters: { clusters: names }, timeout, max_grpc_timeout: timeout };
  // the hash counts only for a single destination (`consistentHash = hash != nil` in that branch)
  const retry = translateRetries(r.retries, single && (hashed?.(names[0].name) ?? false));
  if (retry) action.retry_policy = retry;
  return action;
}

/**
 * The Envoy routes of one VirtualService's `http[]`, in order, the way
 * `translateVirtualServiceHTTPRoutes` (route/route.go) emits them: one Envoy route per `match`
 * entry (OR-ed matches expanded); on a gateway (`listenPort` given) a match for another port or
 * for the `mesh` gateway only yields no route (onGateway); nothing after the first catch-all (`IsCatchAllRoute`, or an entry with no match).
 * Redirect / directResponse entries are not translated, but a catch-all one still ends the list.
 * Route name `name` or `name.matchName` (route.go writes `"." + match.name` even with no `name`).
 */
export function translateRoutes(
  vs: VirtualService,
  defaultNamespace: string,
  portOf?: PortOf,
  hashed?: HashedCluster,
  listenPort?: number,
): EnvoyRoute[] {
  const ns = vs.metadata?.namespace ?? defaultNamespace;
  const out: EnvoyRoute[] = [];
  for (const r of vs.spec?.http ?? []) {
    const forwards = !!r.route && r.route.length > 0;
    const action = forwards ? routeAction(r, ns, portOf, hashed) : undefined;
    const fault = forwards ? translateFault(r.fault) : undefined;
    // route-level lists, then a single destination's appended to them (processDestination)
    const single = action && !action.weighted_clusters ? r.route?.[0] : undefined;
    const headers = appendMutations(translateHeaders(r.headers), translateHeaders(single?.headers));
    const matches = r.match && r.match.length > 0 ? r.match : [undefined];
    let catchAll = !r.match || r.match.length === 0;
    for (const m of matches) {
      if (listenPort !== undefined && !onGateway(m as FullMatch | undefined, listenPort)) continue;
      const match = translateMatch(m);
      if (action) {
        const route: EnvoyRoute = { match, route: action, ...headers };
        const name = m?.name ? `${r.name ?? ''}.${m.name}` : r.name;
        if (name) route.name = name;
        if (fault) route.typed_per_filter_config = { 'envoy.filters.http.fault': fault };
        out.push(route);
      }
      if (isCatchAll(match)) {
        catchAll = true;
        break;
      }
    }
    if (catchAll) break;
  }
  return out;
}

/** True when the VS binds to a gateway (any `gateways` entry other than "mesh"). */
export function boundToGateway(vs: VirtualService): boolean {
  const gws = vs.spec?.gateways ?? [];
  return gws.some((g) => g !== 'mesh');
}

/**
 * `buildGatewayVirtualHostDomains` (gateway.go): "*" alone; a wildcard host keeps the server
 * port (Envoy allows one wildcard per domain); any other host also matches any port.
 */
function gatewayDomains(host: string, port: number): string[] {
  if (host === '*') return [host];
  return [host, host.startsWith('*') ? `${host}:${port}` : `${host}:*`];
}

/**
 * A gateway's virtual hosts: one per VS host ("host:80", domains host and host:*), routes of
 * VSs sharing a host concatenated in list order (Istio orders by creation time).
 */
export function translateVirtualHosts(
  vss: readonly VirtualService[],
  defaultNamespace: string,
  portOf?: PortOf,
  gatewayPort: number = ISTIO_DEFAULTS.gatewayPort,
  hashed?: HashedCluster,
): EnvoyVirtualHost[] {
  const byHost = new Map<string, EnvoyVirtualHost>();
  for (const vs of vss) {
    if (!boundToGateway(vs)) continue;
    const routes = translateRoutes(vs, defaultNamespace, portOf, hashed, gatewayPort);
    for (const host of vs.spec?.hosts ?? []) {
      let vh = byHost.get(host);
      if (!vh) {
        vh = { name: `${host}:${gatewayPort}`, domains: gatewayDomains(host, gatewayPort), routes: [] };
        byHost.set(host, vh);
      }
      vh.routes.push(...routes);
    }
  }
  // gateway.go: every virtual host's routes go through `SortVHostRoutes`, which moves the
  // catch-all routes to the end (stable), so one VirtualService's catch-all does not hide the
  // routes another VirtualService adds to the same host
  for (const vh of byHost.values())
    vh.routes = [...vh.routes.filter((r) => !isCatchAll(r.match)), ...vh.routes.filter((r) => isCatchAll(r.match))];
  return [...byHost.values()];
}
