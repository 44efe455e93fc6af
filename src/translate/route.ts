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
  type EnvoyRouteMatch,
  type EnvoyStringMatch,
  type EnvoyVirtualHost,
  type EnvoyWeightedCluster,
} from './envoy.js';
import { clusterName, dur, serviceFqdn } from './names.js';
import { appendMutations, translateHeaders } from './headers.js';

// ---------- VirtualService → routes ----------

function stringMatch(m: StringMatch, ignoreCase = false): EnvoyStringMatch {
  const out: EnvoyStringMatch = {};
  if (m.exact !== undefined) out.exact = m.exact;
  else if (m.prefix !== undefined) out.prefix = m.prefix;
  else if (m.regex !== undefined) out.safe_regex = { regex: m.regex };
  if (ignoreCase) out.ignore_case = true;
  return out;
}

function translateMatch(m: HTTPMatchRequest | undefined): EnvoyRouteMatch {
  const out: EnvoyRouteMatch = {};
  const uri = m?.uri;
  if (uri?.exact !== undefined) out.path = uri.exact;
  else if (uri?.prefix !== undefined) out.prefix = uri.prefix;
  else if (uri?.regex !== undefined) out.safe_regex = { regex: uri.regex };
  else out.prefix = '/';
  if (m?.ignoreUriCase) out.case_sensitive = false;
  const headers: { name: string; string_match: EnvoyStringMatch }[] = [];
  for (const [name, sm] of Object.entries(m?.headers ?? {}))
    headers.push({ name: name.toLowerCase(), string_match: stringMatch(sm) });
  if (m?.method) headers.push({ name: ':method', string_match: stringMatch(m.method) });
  if (m?.authority) headers.push({ name: ':authority', string_match: stringMatch(m.authority) });
  if (headers.length > 0) out.headers = headers;
  return out;
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
    const pct = f.delay.percentage
      ? percentage(f.delay.percentage)
      : f.delay.percent !== undefined
        ? { numerator: f.delay.percent, denominator: 'HUNDRED' as const }
        : undefined;
    out.delay = { fixed_delay: fixed, ...(pct ? { percentage: pct } : {}) };
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
  const single = (r.route ?? []).length === 1;
  const dests = (r.route ?? []).filter((d) => single || d.weight === undefined || d.weight > 0);
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
 * The Envoy routes of one VirtualService's `http[]`, in order; one Envoy route per `match`
 * entry (Istio expands OR-ed matches). Redirect/directResponse routes are not translated.
 */
export function translateRoutes(
  vs: VirtualService,
  defaultNamespace: string,
  portOf?: PortOf,
  hashed?: HashedCluster,
): EnvoyRoute[] {
  const ns = vs.metadata?.namespace ?? defaultNamespace;
  const out: EnvoyRoute[] = [];
  for (const r of vs.spec?.http ?? []) {
    if (!r.route || r.route.length === 0) continue;
    const action = routeAction(r, ns, portOf, hashed);
    const fault = translateFault(r.fault);
    // route-level lists, then a single destination's appended to them (processDestination)
    const single = action.weighted_clusters ? undefined : r.route[0];
    const headers = appendMutations(translateHeaders(r.headers), translateHeaders(single?.headers));
    for (const m of r.match && r.match.length > 0 ? r.match : [undefined]) {
      const route: EnvoyRoute = { match: translateMatch(m), route: action, ...headers };
      const name = r.name && m?.name ? `${r.name}.${m.name}` : r.name;
      if (name) route.name = name;
      if (fault) route.typed_per_filter_config = { 'envoy.filters.http.fault': fault };
      out.push(route);
    }
  }
  return out;
}

/** True when the VS binds to a gateway (any `gateways` entry other than "mesh"). */
export function boundToGateway(vs: VirtualService): boolean {
  const gws = vs.spec?.gateways ?? [];
  return gws.some((g) => g !== 'mesh');
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
    const routes = translateRoutes(vs, defaultNamespace, portOf, hashed);
    for (const host of vs.spec?.hosts ?? []) {
      let vh = byHost.get(host);
      if (!vh) {
        vh = { name: `${host}:${gatewayPort}`, domains: [host, `${host}:*`], routes: [] };
        byHost.set(host, vh);
      }
      vh.routes.push(...routes);
    }
  }
  return [...byHost.values()];
}
