/**
 * Istio DestinationRule / VirtualService → Envoy config, the way istiod writes it
 * (istio-envoy-semantics.md §0–§5). Pure functions, no I/O. Field names are Envoy's
 * (config_dump JSON, snake_case), so the local mesh serves them from `/config_dump` and the
 * cluster propagation check compares a real gateway's config_dump against them.
 *
 * Exported API (stable — other parts code against it):
 *   serviceFqdn(host, namespace): string                       short name → FQDN (no dot → `.ns.svc.cluster.local`)
 *   clusterName(fqdn, port, subset?): string                   "outbound|9080|v1|productpage.default.svc.cluster.local"
 *   translateCluster(drs, service: {fqdn, port}, subset?: {name, labels}): EnvoyCluster
 *   subsetsFor(drs, fqdn): {name, labels}[]                    subsets declared for a service by its DRs
 *   translateRoutes(vs, defaultNamespace, portOf?): EnvoyRoute[]
 *   translateVirtualHosts(vss, defaultNamespace, portOf?, gatewayPort?): EnvoyVirtualHost[]
 *   boundToGateway(vs): boolean                                any `gateways` entry other than "mesh"
 *   effectiveTrafficPolicy(drPolicy, subset, port)             §0 precedence (port entry / subset replacement)
 *   translateRetries(retries) / translateFault(fault)          one VS route's retry_policy / fault filter config
 *   protoDuration(ms): string                                  "10s", "0.500s" (protobuf JSON form)
 *   fractionToMillion(p: EnvoyFractionalPercent): number       numerator per million
 *   ISTIO_DEFAULTS, RETRY_BUDGET_DEFAULTS                      the defaults istiod writes (§2.1, §4.1)
 *   types: EnvoyCluster, EnvoyRoute, EnvoyRetryPolicy, EnvoyFault, EnvoyOutlierDetection, …
 *
 * Fidelity notes: values are emitted where istiod sets them (unset Envoy fields are omitted,
 * e.g. outlier `interval` when the DR has none — Envoy then uses its own default, which the mesh
 * applies in src/mesh/cluster-config.ts). Wrapper-typed zeros (e.g. `enforcing_success_rate: 0`)
 * are kept, as Envoy prints them. Compare durations semantically: Envoy prints "0.500s".
 */
import type {
  DestinationRule,
  HTTPFaultInjection,
  HTTPMatchRequest,
  HTTPRetry,
  HTTPRoute,
  StringMatch,
  Subset,
  TrafficPolicy,
  VirtualService,
} from './types.js';
import { DEFAULT_RETRY_ON, isValidRetryOnToken } from './retry-on.js';
import { appendMutations, translateHeaders, type EnvoyHeaderMutations } from './translate-headers.js';
export type { EnvoyHeaderMutations, EnvoyHeaderValueOption } from './translate-headers.js';
import { formatProtoDuration, parseDurationMs } from '../util/duration.js';

/** Istio's defaults (§2.1, §4.1, mesh config). */
export const ISTIO_DEFAULTS = {
  /** §2.1: every circuit-breaker threshold is 2^32−1 when unset or 0 */
  maxUint32: 4294967295,
  /** mesh `connectTimeout` */
  connectTimeoutMs: 10_000,
  /** §4.1: default policy has 2 retries */
  numRetries: 2,
  /** §4.1: Istio ≥ 1.24 default retryOn (no 503) */
  retryOn: DEFAULT_RETRY_ON,
  /** §4.1: retryIgnorePreviousHosts → previous_hosts predicate, 5 re-picks */
  hostSelectionRetryMaxAttempts: 5,
  /** the gateway's HTTP listener port (Istio maps Gateway port 80 to 8080) */
  gatewayPort: 80,
} as const;

/** `retryBudget` field defaults (§2.1). */
export const RETRY_BUDGET_DEFAULTS = { percent: 20, minRetryConcurrency: 3 } as const;

// ---------- Envoy types (the subset meshproof reads and writes) ----------

export interface EnvoyThresholds {
  priority?: 'DEFAULT' | 'HIGH';
  max_connections: number;
  max_pending_requests: number;
  max_requests: number;
  max_retries: number;
  track_remaining?: boolean;
  /** `trafficPolicy.retryBudget` (§2.1): replaces max_retries when set */
  retry_budget?: { budget_percent: { value: number }; min_retry_concurrency: number };
}
export interface EnvoyOutlierDetection {
  consecutive_5xx?: number;
  enforcing_consecutive_5xx?: number;
  consecutive_gateway_failure?: number;
  enforcing_consecutive_gateway_failure?: number;
  consecutive_local_origin_failure?: number;
  enforcing_consecutive_local_origin_failure?: number;
  split_external_local_origin_errors?: boolean;
  interval?: string;
  base_ejection_time?: string;
  max_ejection_percent?: number;
  enforcing_success_rate: number;
}
/** Envoy `Cluster.LbPolicy` values istiod writes (ROUND_ROBIN is the omitted zero). */
export type EnvoyLbPolicy = 'LEAST_REQUEST' | 'RANDOM' | 'RING_HASH' | 'MAGLEV' | 'CLUSTER_PROVIDED';
export interface EnvoyCommonHttpProtocolOptions {
  idle_timeout?: string;
  max_requests_per_connection?: number;
  max_connection_duration?: string;
}
export interface EnvoyCluster {
  name: string;
  type: 'EDS';
  connect_timeout: string;
  circuit_breakers: { thresholds: [EnvoyThresholds] };
  outlier_detection?: EnvoyOutlierDetection;
  /** §3.4; absent = ROUND_ROBIN (enum 0, which proto3 JSON omits) */
  lb_policy?: EnvoyLbPolicy;
  /** `{}` = 0 % (proto3 JSON omits a zero `value`) */
  common_lb_config?: { healthy_panic_threshold?: { value?: number } };
  upstream_connection_options?: { tcp_keepalive: { keepalive_time?: number; keepalive_interval?: number; keepalive_probes?: number } };
  typed_extension_protocol_options?: {
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
      '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
      common_http_protocol_options?: EnvoyCommonHttpProtocolOptions;
      explicit_http_config: { http_protocol_options: Record<string, never> } | { http2_protocol_options: Record<string, unknown> };
    };
  };
  /** meshproof extension (not in Envoy): the subset labels the cluster's endpoints must carry */
  metadata?: { filter_metadata: { istio: { subset?: string; labels?: Record<string, string> } } };
}

export interface EnvoyStringMatch {
  exact?: string;
  prefix?: string;
  safe_regex?: { regex: string };
  ignore_case?: boolean;
}
export interface EnvoyRouteMatch {
  path?: string;
  prefix?: string;
  safe_regex?: { regex: string };
  case_sensitive?: boolean;
  headers?: { name: string; string_match: EnvoyStringMatch }[];
}
export interface EnvoyFractionalPercent {
  numerator?: number;
  denominator: 'HUNDRED' | 'TEN_THOUSAND' | 'MILLION';
}
export interface EnvoyRetryPolicy {
  retry_on: string;
  num_retries: number;
  per_try_timeout?: string;
  retry_back_off?: { base_interval: string; max_interval?: string };
  retriable_status_codes?: number[];
  retry_host_predicate?: { name: string; typed_config: { '@type': string } }[];
  /** int64 in proto → a string in JSON */
  host_selection_retry_max_attempts?: string;
  retry_priority?: { name: string; typed_config: Record<string, unknown> };
}
export interface EnvoyFault {
  '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';
  delay?: { fixed_delay: string; percentage?: EnvoyFractionalPercent };
  abort?: { http_status?: number; grpc_status?: number; percentage?: EnvoyFractionalPercent };
}
export interface EnvoyWeightedCluster extends EnvoyHeaderMutations {
  name: string;
  weight: number;
}
export interface EnvoyRouteAction {
  cluster?: string;
  weighted_clusters?: { clusters: EnvoyWeightedCluster[] };
  /** "0s" = no timeout (Istio's default, §4.1) */
  timeout: string;
  max_grpc_timeout: string;
  retry_policy?: EnvoyRetryPolicy;
}
export interface EnvoyRoute extends EnvoyHeaderMutations {
  name?: string;
  match: EnvoyRouteMatch;
  route: EnvoyRouteAction;
  typed_per_filter_config?: { 'envoy.filters.http.fault': EnvoyFault };
}
export interface EnvoyVirtualHost {
  name: string;
  domains: string[];
  routes: EnvoyRoute[];
}

// ---------- names ----------

/** Istio resolves a short host (no dot) in the object's namespace; anything with a dot is taken as is. */
export function serviceFqdn(host: string, namespace: string): string {
  return host.includes('.') || host.includes('*') ? host : `${host}.${namespace}.svc.cluster.local`;
}

/** §0: one Envoy cluster per (FQDN, port, subset). */
export function clusterName(fqdn: string, port: number, subset = ''): string {
  return `outbound|${port}|${subset}|${fqdn}`;
}

/**
 * protobuf JSON Duration as Envoy's config_dump prints it: 0, 3, 6 or 9 fractional digits
 * ("10s", "0.500s", "0.000100s"); the one formatter lives in src/util/duration.ts.
 */
export const protoDuration = formatProtoDuration;

const DENOMINATOR = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 } as const;

/** Numerator per million, the unit the fault filter samples in (§5.2: `rand % 1e6 < n`). */
export function fractionToMillion(p: EnvoyFractionalPercent | undefined): number {
  if (!p) return 0;
  return Math.min(1_000_000, ((p.numerator ?? 0) * 1_000_000) / DENOMINATOR[p.denominator]);
}

function ms(d: string | undefined): number | undefined {
  if (d === undefined) return undefined;
  return parseDurationMs(d);
}
function dur(d: string | undefined): string | undefined {
  const v = ms(d);
  return v === undefined ? undefined : protoDuration(v);
}

// ---------- DestinationRule → cluster ----------

interface DrView {
  fqdn: string;
  namespace: string;
  spec: DestinationRule['spec'];
}

function drViews(drs: object[]): DrView[] {
  const out: DrView[] = [];
  for (const o of drs as Partial<DestinationRule>[]) {
    if (o?.kind !== 'DestinationRule' || !o.spec?.host) continue;
    const ns = o.metadata?.namespace ?? 'default';
    out.push({ fqdn: serviceFqdn(o.spec.host, ns), namespace: ns, spec: o.spec });
  }
  return out;
}

function hostMatches(pattern: string, fqdn: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*.')) return fqdn.endsWith(pattern.slice(1));
  return pattern === fqdn;
}

/**
 * The DRs that apply to a service, most specific first: an exact host beats a wildcard
 * (Istio picks the most specific host); among equals, list order (≙ creation time).
 */
function matchingDrs(drs: object[], fqdn: string): DrView[] {
  const views = drViews(drs).filter((v) => hostMatches(v.fqdn, fqdn));
  const exact = views.filter((v) => v.fqdn === fqdn);
  return exact.length > 0 ? exact : views.sort((a, b) => b.fqdn.length - a.fqdn.length).slice(0, 1);
}

/** Subsets of all DRs for the service (Istio merges same-host DRs; first name wins). */
export function subsetsFor(drs: object[], fqdn: string): { name: string; labels: Record<string, string> }[] {
  const seen = new Set<string>();
  const out: { name: string; labels: Record<string, string> }[] = [];
  for (const v of matchingDrs(drs, fqdn)) {
    for (const s of v.spec.subsets ?? []) {
      if (seen.has(s.name)) continue;
      seen.add(s.name);
      out.push({ name: s.name, labels: s.labels ?? {} });
    }
  }
  return out;
}

type Components = Pick<TrafficPolicy, 'connectionPool' | 'outlierDetection' | 'loadBalancer' | 'tls' | 'retryBudget'>;

/** Istio `MergeTrafficPolicy`: a matching port entry replaces all four components wholesale (§0). */
function portLevel(p: TrafficPolicy | undefined, port: number): Components | undefined {
  if (!p) return undefined;
  const entry = p.portLevelSettings?.find((e) => e.port?.number === port);
  // port entries carry no retryBudget: it stays the policy's own
  if (entry) return { connectionPool: entry.connectionPool, outlierDetection: entry.outlierDetection, loadBalancer: entry.loadBalancer, tls: entry.tls, retryBudget: p.retryBudget };
  return { connectionPool: p.connectionPool, outlierDetection: p.outlierDetection, loadBalancer: p.loadBalancer, tls: p.tls, retryBudget: p.retryBudget };
}

/** Istio `MergeSubsetTrafficPolicy`: subset components replace the top-level ones one by one (§0). */
export function effectiveTrafficPolicy(dr: TrafficPolicy | undefined, subset: Subset | undefined, port: number): Components {
  const base = portLevel(dr, port) ?? {};
  const sub = portLevel(subset?.trafficPolicy, port);
  if (!sub) return base;
  const subPort = subset?.trafficPolicy?.portLevelSettings?.some((e) => e.port?.number === port);
  if (subPort) return { ...sub, retryBudget: sub.retryBudget ?? base.retryBudget };
  return {
    connectionPool: sub.connectionPool ?? base.connectionPool,
    outlierDetection: sub.outlierDetection ?? base.outlierDetection,
    loadBalancer: sub.loadBalancer ?? base.loadBalancer,
    tls: sub.tls ?? base.tls,
    retryBudget: sub.retryBudget ?? base.retryBudget,
  };
}

/** §2.1: 0 and unset both mean "Istio default" (2^32−1). */
function limit(v: number | undefined): number {
  return v && v > 0 ? v : ISTIO_DEFAULTS.maxUint32;
}

function applyConnectionPool(c: EnvoyCluster, cp: Components['connectionPool']): void {
  const t = c.circuit_breakers.thresholds[0];
  t.max_connections = limit(cp?.tcp?.maxConnections);
  t.max_pending_requests = limit(cp?.http?.http1MaxPendingRequests);
  t.max_requests = limit(cp?.http?.http2MaxRequests);
  t.max_retries = limit(cp?.http?.maxRetries);
  const connect = ms(cp?.tcp?.connectTimeout);
  if (connect !== undefined) c.connect_timeout = protoDuration(connect);
  const common: EnvoyCommonHttpProtocolOptions = {};
  // §2.1: tcp.idleTimeout also applies to HTTP when http.idleTimeout is unset
  const idle = dur(cp?.http?.idleTimeout ?? cp?.tcp?.idleTimeout);
  if (idle !== undefined) common.idle_timeout = idle;
  if (cp?.http?.maxRequestsPerConnection && cp.http.maxRequestsPerConnection > 0) {
    common.max_requests_per_connection = cp.http.maxRequestsPerConnection;
  }
  const maxDuration = dur(cp?.tcp?.maxConnectionDuration);
  if (maxDuration !== undefined) common.max_connection_duration = maxDuration;
  const h2 = cp?.http?.h2UpgradePolicy === 'UPGRADE';
  c.typed_extension_protocol_options = {
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
      '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
      ...(Object.keys(common).length > 0 ? { common_http_protocol_options: common } : {}),
      explicit_http_config: h2
        ? { http2_protocol_options: cp?.http?.maxConcurrentStreams ? { max_concurrent_streams: cp.http.maxConcurrentStreams } : {} }
        : { http_protocol_options: {} },
    },
  };
  const ka = cp?.tcp?.tcpKeepalive;
  if (ka) {
    // §2.1: time/interval truncated to whole seconds
    const tcp_keepalive: { keepalive_time?: number; keepalive_interval?: number; keepalive_probes?: number } = {};
    const time = ms(ka.time), interval = ms(ka.interval);
    if (time !== undefined) tcp_keepalive.keepalive_time = Math.trunc(time / 1000);
    if (interval !== undefined) tcp_keepalive.keepalive_interval = Math.trunc(interval / 1000);
    if (ka.probes) tcp_keepalive.keepalive_probes = ka.probes;
    c.upstream_connection_options = { tcp_keepalive };
  }
}

/**
 * §3.1 `applyOutlierDetection` (cluster_traffic_policy.go). Like istiod it never writes
 * `always_eject_one_host`, so Envoy's ejection cap applies unsoftened (§3.2).
 */
function applyOutlierDetection(c: EnvoyCluster, od: Components['outlierDetection']): void {
  if (!od) return;
  const out: EnvoyOutlierDetection = { enforcing_success_rate: 0 };
  if (od.consecutive5xxErrors !== undefined && od.consecutive5xxErrors !== null) {
    out.consecutive_5xx = od.consecutive5xxErrors;
    out.enforcing_consecutive_5xx = od.consecutive5xxErrors > 0 ? 100 : 0;
  }
  if (od.consecutiveGatewayErrors !== undefined && od.consecutiveGatewayErrors !== null) {
    out.consecutive_gateway_failure = od.consecutiveGatewayErrors;
    out.enforcing_consecutive_gateway_failure = od.consecutiveGatewayErrors > 0 ? 100 : 0;
  }
  const interval = dur(od.interval);
  if (interval !== undefined) out.interval = interval;
  const base = dur(od.baseEjectionTime);
  if (base !== undefined) out.base_ejection_time = base;
  // §3.1: 0 is "unset" → Envoy's 10 %
  if (od.maxEjectionPercent && od.maxEjectionPercent > 0) out.max_ejection_percent = od.maxEjectionPercent;
  if (od.splitExternalLocalOriginErrors) {
    out.split_external_local_origin_errors = true;
    const local = od.consecutiveLocalOriginFailures ?? 0;
    if (local > 0) {
      out.consecutive_local_origin_failure = local;
      out.enforcing_consecutive_local_origin_failure = 100;
    }
  }
  c.outlier_detection = out;
  // §3.1: panic threshold = minHealthPercent (0 → panic disabled)
  const min = od.minHealthPercent ?? 0;
  c.common_lb_config = { healthy_panic_threshold: min > 0 ? { value: min } : {} };
}

/**
 * §3.4 `applyLoadBalancer` (cluster_traffic_policy.go): LEAST_CONN and LEAST_REQUEST →
 * LEAST_REQUEST; RANDOM; ROUND_ROBIN (the omitted zero); PASSTHROUGH → CLUSTER_PROVIDED;
 * unset / UNSPECIFIED → `defaultLBAlgorithm()` = LEAST_REQUEST (Istio ≥ 1.14); then
 * `ApplyRingHashLoadBalancer` overrides with MAGLEV / RING_HASH when `consistentHash` is set.
 */
function applyLoadBalancer(c: EnvoyCluster, lb: Components['loadBalancer']): void {
  const simple = lb?.simple;
  if (simple === 'RANDOM') c.lb_policy = 'RANDOM';
  else if (simple === 'PASSTHROUGH') c.lb_policy = 'CLUSTER_PROVIDED';
  else if (simple !== 'ROUND_ROBIN') c.lb_policy = 'LEAST_REQUEST';
  else delete c.lb_policy;
  const hash = lb?.consistentHash;
  if (hash && typeof hash === 'object') c.lb_policy = hash.maglev ? 'MAGLEV' : 'RING_HASH';
}

/**
 * The Envoy cluster istiod builds for `service` (and `subset`) from the DestinationRules in
 * `drs` (non-DR objects are ignored). With no DR: Istio's defaults only (§2.1).
 */
export function translateCluster(
  drs: object[],
  service: { fqdn: string; port: number },
  subset?: { name: string; labels?: Record<string, string> },
): EnvoyCluster {
  const max = ISTIO_DEFAULTS.maxUint32;
  const c: EnvoyCluster = {
    name: clusterName(service.fqdn, service.port, subset?.name),
    type: 'EDS',
    connect_timeout: protoDuration(ISTIO_DEFAULTS.connectTimeoutMs),
    circuit_breakers: {
      thresholds: [{ max_connections: max, max_pending_requests: max, max_requests: max, max_retries: max, track_remaining: true }],
    },
  };
  const dr = matchingDrs(drs, service.fqdn)[0];
  const subsetSpec = subset ? dr?.spec.subsets?.find((s) => s.name === subset.name) : undefined;
  const policy = effectiveTrafficPolicy(dr?.spec.trafficPolicy, subsetSpec, service.port);
  applyConnectionPool(c, policy.connectionPool);
  if (policy.retryBudget) {
    // §2.1 defaults: 20 % of active requests, at least 3 concurrent retries
    c.circuit_breakers.thresholds[0].retry_budget = {
      budget_percent: { value: policy.retryBudget.percent ?? RETRY_BUDGET_DEFAULTS.percent },
      min_retry_concurrency: policy.retryBudget.minRetryConcurrency ?? RETRY_BUDGET_DEFAULTS.minRetryConcurrency,
    };
  }
  applyOutlierDetection(c, policy.outlierDetection);
  applyLoadBalancer(c, policy.loadBalancer);
  if (subset) c.metadata = { filter_metadata: { istio: { subset: subset.name, labels: subset.labels ?? subsetSpec?.labels ?? {} } } };
  return c;
}

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
  for (const [name, sm] of Object.entries(m?.headers ?? {})) headers.push({ name: name.toLowerCase(), string_match: stringMatch(sm) });
  if (m?.method) headers.push({ name: ':method', string_match: stringMatch(m.method) });
  if (m?.authority) headers.push({ name: ':authority', string_match: stringMatch(m.authority) });
  if (headers.length > 0) out.headers = headers;
  return out;
}

/** Istio `parseRetryOn`: numeric tokens Go knows as statuses go to retriable_status_codes. */
function parseRetryOn(retryOn: string): { on: string; codes: number[] } {
  const names: string[] = [];
  const codes: number[] = [];
  for (const raw of retryOn.split(',')) {
    const tok = raw.trim();
    if (tok === '') continue;
    if (/^\d+$/.test(tok) && isValidRetryOnToken(tok)) codes.push(Number(tok));
    else names.push(tok);
  }
  if (codes.length > 0 && !names.includes('retriable-status-codes')) names.push('retriable-status-codes');
  return { on: names.join(','), codes };
}

const PREVIOUS_HOSTS = [
  {
    name: 'envoy.retry_host_predicates.previous_hosts',
    typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' },
  },
];

/** §4.1 `retry.go`: no block → default policy; attempts 0 → no policy at all. */
export function translateRetries(r: HTTPRetry | undefined): EnvoyRetryPolicy | undefined {
  if (r && !(r.attempts && r.attempts > 0)) return undefined;
  const { on, codes } = parseRetryOn(r?.retryOn ?? ISTIO_DEFAULTS.retryOn);
  const p: EnvoyRetryPolicy = { retry_on: on, num_retries: r?.attempts ?? ISTIO_DEFAULTS.numRetries };
  if (codes.length > 0) p.retriable_status_codes = codes;
  const perTry = dur(r?.perTryTimeout);
  if (perTry !== undefined) p.per_try_timeout = perTry;
  const backoff = dur(r?.backoff);
  if (backoff !== undefined) p.retry_back_off = { base_interval: backoff };
  if (r?.retryIgnorePreviousHosts !== false) {
    p.retry_host_predicate = PREVIOUS_HOSTS;
    p.host_selection_retry_max_attempts = String(ISTIO_DEFAULTS.hostSelectionRetryMaxAttempts);
  }
  if (r?.retryRemoteLocalities) {
    p.retry_priority = {
      name: 'envoy.retry_priorities.previous_priorities',
      typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig', update_frequency: 2 },
    };
  }
  return p;
}

/** gRPC status names Istio accepts (§7.3) → their numbers. */
const GRPC_STATUS: Record<string, number> = {
  OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, ABORTED: 10, OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14, DATA_LOSS: 15, UNAUTHENTICATED: 16,
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
    const pct = f.delay.percentage ? percentage(f.delay.percentage) : f.delay.percent !== undefined ? { numerator: f.delay.percent, denominator: 'HUNDRED' as const } : undefined;
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

function routeAction(r: HTTPRoute, ns: string, portOf: PortOf | undefined): EnvoyRouteAction {
  const dests = (r.route ?? []).filter((d) => d.weight === undefined || d.weight > 0 || (r.route ?? []).length === 1);
  const names = dests.map((d): EnvoyWeightedCluster => {
    const fqdn = serviceFqdn(d.destination.host, ns);
    const port = d.destination.port?.number ?? portOf?.(fqdn) ?? 0;
    // headers of a weighted destination go on its ClusterWeight (processWeightedDestination)
    return { name: clusterName(fqdn, port, d.destination.subset), weight: d.weight ?? 100, ...(dests.length > 1 ? translateHeaders(d.headers) : {}) };
  });
  const timeout = dur(r.timeout) ?? '0s';
  const action: EnvoyRouteAction =
    names.length === 1
      ? { cluster: names[0].name, timeout, max_grpc_timeout: timeout }
      : { weighted_clusters: { clusters: names }, timeout, max_grpc_timeout: timeout };
  const retry = translateRetries(r.retries);
  if (retry) action.retry_policy = retry;
  return action;
}

/**
 * The Envoy routes of one VirtualService's `http[]`, in order; one Envoy route per `match`
 * entry (Istio expands OR-ed matches). Redirect/directResponse routes are not translated.
 */
export function translateRoutes(vs: object, defaultNamespace: string, portOf?: PortOf): EnvoyRoute[] {
  const v = vs as Partial<VirtualService>;
  const ns = v.metadata?.namespace ?? defaultNamespace;
  const out: EnvoyRoute[] = [];
  for (const r of v.spec?.http ?? []) {
    if (!r.route || r.route.length === 0) continue;
    const action = routeAction(r, ns, portOf);
    const fault = translateFault(r.fault);
    // route-level lists, then a single destination's appended to them (processDestination)
    const single = action.weighted_clusters ? undefined : r.route.find((d) => d.weight === undefined || d.weight > 0 || r.route?.length === 1);
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
export function boundToGateway(vs: object): boolean {
  const gws = (vs as Partial<VirtualService>).spec?.gateways ?? [];
  return gws.some((g) => g !== 'mesh');
}

/**
 * A gateway's virtual hosts: one per VS host ("host:80", domains host and host:*), routes of
 * VSs sharing a host concatenated in list order (Istio orders by creation time).
 */
export function translateVirtualHosts(vss: object[], defaultNamespace: string, portOf?: PortOf, gatewayPort: number = ISTIO_DEFAULTS.gatewayPort): EnvoyVirtualHost[] {
  const byHost = new Map<string, EnvoyVirtualHost>();
  for (const vs of vss) {
    if ((vs as { kind?: string }).kind !== 'VirtualService' || !boundToGateway(vs)) continue;
    const routes = translateRoutes(vs, defaultNamespace, portOf);
    for (const host of (vs as VirtualService).spec.hosts ?? []) {
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
