/**
 * An Envoy cluster (as translated by src/translate/) → the numbers the data plane
 * runs on, filling in Envoy's own defaults where istiod leaves a field unset (§2.1, §3.1).
 * Behaviour and `/config_dump` therefore come from the same object.
 */
import type { EnvoyCluster } from '../translate/index.js';
import { clampedTimerMs } from '../util/duration.js';
import type { LbPolicy } from './load-balancer.js';

/** Envoy defaults for fields Istio does not set (§3.1, §2.1). */
export const ENVOY_DEFAULTS = {
  /** `consecutive_5xx`, enforced 100 % */
  consecutive5xx: 5,
  /** `consecutive_gateway_failure` threshold; enforcing defaults to 0 (disabled) */
  consecutiveGatewayFailure: 5,
  consecutiveLocalOriginFailure: 5,
  intervalMs: 10_000,
  baseEjectionMs: 30_000,
  maxEjectionPercent: 10,
  /** `max_ejection_time` (Istio leaves it): 300 s, or base_ejection_time if larger */
  maxEjectionMs: 300_000,
  /** `healthy_panic_threshold` when the cluster has no outlier detection */
  panicThresholdPercent: 50,
  /** `common_http_protocol_options.idle_timeout` */
  idleTimeoutMs: 3_600_000,
} as const;

export interface OutlierSettings {
  consecutive5xx: number;
  enforcing5xx: number;
  consecutiveGateway: number;
  enforcingGateway: number;
  splitLocalOrigin: boolean;
  consecutiveLocal: number;
  enforcingLocal: number;
  intervalMs: number;
  baseEjectionMs: number;
  maxEjectionMs: number;
  maxEjectionPercent: number;
}

export interface ClusterSettings {
  name: string;
  connectTimeoutMs: number;
  maxConnections: number;
  maxPending: number;
  maxRequests: number;
  maxRetries: number;
  /** the threshold's `track_remaining`: Envoy keeps the `circuit_breakers.<priority>.remaining_*` gauges only then */
  trackRemaining: boolean;
  /** §2.1 retryBudget: concurrent retries ≤ max(min, percent × (active + pending)); null = maxRetries applies */
  retryBudget: { percent: number; minConcurrency: number } | null;
  /** 0 = unlimited */
  maxRequestsPerConnection: number;
  /** Infinity = never */
  idleTimeoutMs: number;
  /** `tcp.maxConnectionDuration` (§2.1): connections drain once this old; 0 = none */
  maxConnectionDurationMs: number;
  outlier: OutlierSettings | null;
  panicThresholdPercent: number;
  /** Envoy `lb_policy`; unset in the cluster = Envoy's ROUND_ROBIN (Istio always sets it, §3.4) */
  lbPolicy: LbPolicy;
  /** endpoints must carry these labels (subset clusters); null = every pod of the service */
  subsetLabels: Record<string, string> | null;
}

/** A policy Duration in ms, clamped to Node's timer limit (issue 13 item 3). */
function durMs(d: string | undefined, fallback: number): number {
  return clampedTimerMs(d, fallback);
}

/**
 * The pick the mesh runs for an Envoy `lb_policy` (§3.4). Consistent hashing and PASSTHROUGH are
 * not emulated (src/mesh/README.md): such a cluster balances by least request, Istio's default.
 */
function lbPolicy(p: EnvoyCluster['lb_policy']): LbPolicy {
  if (p === undefined) return 'ROUND_ROBIN';
  return p === 'RANDOM' || p === 'LEAST_REQUEST' ? p : 'LEAST_REQUEST';
}

export function clusterSettings(c: EnvoyCluster): ClusterSettings {
  const t = c.circuit_breakers.thresholds[0];
  const http =
    c.typed_extension_protocol_options?.['envoy.extensions.upstreams.http.v3.HttpProtocolOptions']
      ?.common_http_protocol_options;
  const od = c.outlier_detection;
  let outlier: OutlierSettings | null = null;
  if (od) {
    const base = durMs(od.base_ejection_time, ENVOY_DEFAULTS.baseEjectionMs);
    outlier = {
      consecutive5xx: od.consecutive_5xx ?? ENVOY_DEFAULTS.consecutive5xx,
      enforcing5xx: od.enforcing_consecutive_5xx ?? 100,
      consecutiveGateway: od.consecutive_gateway_failure ?? ENVOY_DEFAULTS.consecutiveGatewayFailure,
      enforcingGateway: od.enforcing_consecutive_gateway_failure ?? 0,
      splitLocalOrigin: od.split_external_local_origin_errors ?? false,
      consecutiveLocal: od.consecutive_local_origin_failure ?? ENVOY_DEFAULTS.consecutiveLocalOriginFailure,
      enforcingLocal: od.enforcing_consecutive_local_origin_failure ?? 100,
      intervalMs: durMs(od.interval, ENVOY_DEFAULTS.intervalMs),
      baseEjectionMs: base,
      maxEjectionMs: Math.max(ENVOY_DEFAULTS.maxEjectionMs, base),
      maxEjectionPercent: od.max_ejection_percent ?? ENVOY_DEFAULTS.maxEjectionPercent,
    };
  }
  const panic = c.common_lb_config?.healthy_panic_threshold;
  return {
    name: c.name,
    connectTimeoutMs: durMs(c.connect_timeout, 10_000),
    maxConnections: t.max_connections,
    maxPending: t.max_pending_requests,
    maxRequests: t.max_requests,
    maxRetries: t.max_retries,
    trackRemaining: t.track_remaining ?? false,
    retryBudget: t.retry_budget
      ? { percent: t.retry_budget.budget_percent.value, minConcurrency: t.retry_budget.min_retry_concurrency }
      : null,
    maxRequestsPerConnection: http?.max_requests_per_connection ?? 0,
    // Envoy: an idle_timeout of 0 disables it (Istio's tcp.idleTimeout "0s", §2.1)
    idleTimeoutMs: durMs(http?.idle_timeout, ENVOY_DEFAULTS.idleTimeoutMs) || Infinity,
    maxConnectionDurationMs: durMs(http?.max_connection_duration, 0),
    outlier,
    panicThresholdPercent: panic ? (panic.value ?? 0) : ENVOY_DEFAULTS.panicThresholdPercent,
    lbPolicy: lbPolicy(c.lb_policy),
    subsetLabels: c.metadata?.filter_metadata.istio.labels ?? null,
  };
}
