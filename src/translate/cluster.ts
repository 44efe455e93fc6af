/** DestinationRule → Envoy cluster (istio-envoy-semantics.md §0–§3; Istio's cluster_traffic_policy.go). */
import type { DestinationRule, Subset, TrafficPolicy } from '../policy/types.js';
import {
  ISTIO_DEFAULTS,
  RETRY_BUDGET_DEFAULTS,
  type EnvoyCluster,
  type EnvoyCommonHttpProtocolOptions,
  type EnvoyOutlierDetection,
} from './envoy.js';
import { clusterName, dur, ms, serviceFqdn } from './names.js';
import { formatProtoDuration } from '../util/duration.js';

// ---------- DestinationRule → cluster ----------

interface DrView {
  fqdn: string;
  namespace: string;
  spec: DestinationRule['spec'];
}

function drViews(drs: readonly DestinationRule[]): DrView[] {
  return drs.map((o) => {
    const ns = o.metadata?.namespace ?? 'default';
    return { fqdn: serviceFqdn(o.spec.host, ns), namespace: ns, spec: o.spec };
  });
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
function matchingDrs(drs: readonly DestinationRule[], fqdn: string): DrView[] {
  const views = drViews(drs).filter((v) => hostMatches(v.fqdn, fqdn));
  const exact = views.filter((v) => v.fqdn === fqdn);
  return exact.length > 0 ? exact : views.sort((a, b) => b.fqdn.length - a.fqdn.length).slice(0, 1);
}

/** Subsets of all DRs for the service (Istio merges same-host DRs; first name wins). */
export function subsetsFor(
  drs: readonly DestinationRule[],
  fqdn: string,
): { name: string; labels: Record<string, string> }[] {
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

export type TrafficPolicyComponents = Pick<
  TrafficPolicy,
  'connectionPool' | 'outlierDetection' | 'loadBalancer' | 'tls' | 'retryBudget'
>;

/** Istio `MergeTrafficPolicy`: a matching port entry replaces all four components wholesale (§0). */
function portLevel(p: TrafficPolicy | undefined, port: number): TrafficPolicyComponents | undefined {
  if (!p) return undefined;
  const entry = p.portLevelSettings?.find((e) => e.port?.number === port);
  // port entries carry no retryBudget: it stays the policy's own
  if (entry)
    return {
      connectionPool: entry.connectionPool,
      outlierDetection: entry.outlierDetection,
      loadBalancer: entry.loadBalancer,
      tls: entry.tls,
      retryBudget: p.retryBudget,
    };
  return {
    connectionPool: p.connectionPool,
    outlierDetection: p.outlierDetection,
    loadBalancer: p.loadBalancer,
    tls: p.tls,
    retryBudget: p.retryBudget,
  };
}

/** Istio `MergeSubsetTrafficPolicy`: subset components replace the top-level ones one by one (§0). */
export function effectiveTrafficPolicy(
  dr: TrafficPolicy | undefined,
  subset: Subset | undefined,
  port: number,
): TrafficPolicyComponents {
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

function applyConnectionPool(c: EnvoyCluster, cp: TrafficPolicyComponents['connectionPool']): void {
  const t = c.circuit_breakers.thresholds[0];
  t.max_connections = limit(cp?.tcp?.maxConnections);
  t.max_pending_requests = limit(cp?.http?.http1MaxPendingRequests);
  t.max_requests = limit(cp?.http?.http2MaxRequests);
  t.max_retries = limit(cp?.http?.maxRetries);
  const connect = ms(cp?.tcp?.connectTimeout);
  if (connect !== undefined) c.connect_timeout = formatProtoDuration(connect);
  const common: EnvoyCommonHttpProtocolOptions = {};
  // §2.1: tcp.idleTimeout also applies to HTTP when http.idleTimeout is unset
  const idle = dur(cp?.http?.idleTimeout ?? cp?.tcp?.idleTimeout);
  if (idle !== undefined) common.idle_timeout = idle;
  if (cp?.http?.maxRequestsPerConnection && cp.http.maxRequestsPerConnection > 0) {
    common.max_requests_per_connection = cp.http.maxRequestsPerConnection;
  }
  const maxDuration = dur(cp?.tcp?.maxConnectionDuration);
  if (maxDuration !== undefined) common.max_connection_duration = maxDuration;
  // `shouldH2Upgrade`: UPGRADE makes the cluster h2 (mesh h2UpgradePolicy is DO_NOT_UPGRADE by
  // default). max_concurrent_streams lands on that h2 config only where `applyTrafficPolicy` runs
  // `applyH2Upgrade` before `applyConnectionPool` (the release with retryBudget, so 1.29); the
  // release read without retryBudget ran it after — so, inferred, 1.22 too: an UPGRADEd HTTP/1.1
  // port got no max_concurrent_streams there. The newer order is emulated; the propagation
  // check does not compare the h2 options (config-dump.ts). useClientProtocol
  // (`use_downstream_protocol_config`) is not emulated.
  const h2 = cp?.http?.h2UpgradePolicy === 'UPGRADE';
  c.typed_extension_protocol_options = {
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
      '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
      ...(Object.keys(common).length > 0 ? { common_http_protocol_options: common } : {}),
      explicit_http_config: h2
        ? {
            http2_protocol_options: cp?.http?.maxConcurrentStreams
              ? { max_concurrent_streams: cp.http.maxConcurrentStreams }
              : {},
          }
        : { http_protocol_options: {} },
    },
  };
  const ka = cp?.tcp?.tcpKeepalive;
  if (ka) {
    // §2.1: time/interval truncated to whole seconds
    const tcp_keepalive: { keepalive_time?: number; keepalive_interval?: number; keepalive_probes?: number } = {};
    const time = ms(ka.time),
      interval = ms(ka.interval);
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
function applyOutlierDetection(c: EnvoyCluster, od: TrafficPolicyComponents['outlierDetection']): void {
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
    out.enforcing_local_origin_success_rate = 0;
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
function applyLoadBalancer(c: EnvoyCluster, lb: TrafficPolicyComponents['loadBalancer']): void {
  const simple = lb?.simple;
  if (simple === 'RANDOM') c.lb_policy = 'RANDOM';
  else if (simple === 'PASSTHROUGH') c.lb_policy = 'CLUSTER_PROVIDED';
  else if (simple !== 'ROUND_ROBIN') c.lb_policy = 'LEAST_REQUEST';
  else delete c.lb_policy;
  const hash = lb?.consistentHash;
  if (hash && typeof hash === 'object') c.lb_policy = hash.maglev ? 'MAGLEV' : 'RING_HASH';
}

/** Does the cluster balance by consistent hash (route.go then leaves `previous_hosts` out, §4.1)? */
export function consistentHash(c: EnvoyCluster): boolean {
  return c.lb_policy === 'RING_HASH' || c.lb_policy === 'MAGLEV';
}

/**
 * The traffic policy components that apply to one cluster (`service`, `subset`): the most
 * specific DR's, after the port entry and subset merges of §0. What the policy set — the
 * propagation check compares only fields a policy determines (config-dump.ts).
 */
export function clusterTrafficPolicy(
  drs: readonly DestinationRule[],
  service: { fqdn: string; port: number },
  subset?: string,
): TrafficPolicyComponents & { portEntry: boolean } {
  const dr = matchingDrs(drs, service.fqdn)[0];
  const subsetSpec = subset ? dr?.spec.subsets?.find((s) => s.name === subset) : undefined;
  const onPort = (p: TrafficPolicy | undefined) => !!p?.portLevelSettings?.some((e) => e.port?.number === service.port);
  return {
    ...effectiveTrafficPolicy(dr?.spec.trafficPolicy, subsetSpec, service.port),
    // a port entry applies: whether it keeps the policy's retryBudget is unverified (config-dump.ts)
    portEntry: onPort(dr?.spec.trafficPolicy) || onPort(subsetSpec?.trafficPolicy),
  };
}

/**
 * The Envoy cluster istiod builds for `service` (and `subset`) from the DestinationRules in
 * `drs` (split from other kinds by policy/by-kind.ts). With no DR: Istio's defaults only (§2.1).
 */
export function translateCluster(
  drs: readonly DestinationRule[],
  service: { fqdn: string; port: number },
  subset?: { name: string; labels?: Record<string, string> },
): EnvoyCluster {
  const max = ISTIO_DEFAULTS.maxUint32;
  const c: EnvoyCluster = {
    name: clusterName(service.fqdn, service.port, subset?.name),
    type: 'EDS',
    connect_timeout: formatProtoDuration(ISTIO_DEFAULTS.connectTimeoutMs),
    circuit_breakers: {
      thresholds: [
        // no track_remaining: Istio ≥ 1.29 sets it only with DISABLE_TRACK_REMAINING_CB_METRICS=false
        // (getDefaultCircuitBreakerThresholds: `TrackRemaining: !features.DisableTrackRemainingMetrics`,
        // default true since 1.29 — istio.io 1.29 upgrade notes); proto3 false is absent from /config_dump
        { max_connections: max, max_pending_requests: max, max_requests: max, max_retries: max },
      ],
    },
  };
  const policy = clusterTrafficPolicy(drs, service, subset?.name);
  const subsetSpec = subset
    ? matchingDrs(drs, service.fqdn)[0]?.spec.subsets?.find((s) => s.name === subset.name)
    : undefined;
  applyConnectionPool(c, policy.connectionPool);
  if (policy.retryBudget) {
    // `applyRetryBudget`: an unset percent → 0.2 (%); minRetryConcurrency unset or 0 → 3
    const { percent, minRetryConcurrency: min } = policy.retryBudget;
    c.circuit_breakers.thresholds[0].retry_budget = {
      budget_percent: { value: percent ?? RETRY_BUDGET_DEFAULTS.percent },
      min_retry_concurrency: min && min > 0 ? min : RETRY_BUDGET_DEFAULTS.minRetryConcurrency,
    };
  }
  applyOutlierDetection(c, policy.outlierDetection);
  applyLoadBalancer(c, policy.loadBalancer);
  if (subset)
    c.metadata = {
      filter_metadata: { istio: { subset: subset.name, labels: subset.labels ?? subsetSpec?.labels ?? {} } },
    };
  return c;
}
