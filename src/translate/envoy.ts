/**
 * Envoy's config types, the subset meshproof reads and writes, with Envoy's field names
 * (config_dump JSON, snake_case), and the defaults istiod writes into them.
 */
import { DEFAULT_RETRY_ON } from '../policy/retry-on.js';
import type { EnvoyHeaderMutations } from './headers.js';
export type { EnvoyHeaderMutations, EnvoyHeaderValueOption } from './headers.js';

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

/**
 * `retryBudget` defaults as istiod writes them (`applyRetryBudget`, cluster_traffic_policy.go,
 * Istio ≥ 1.28): `Percent{Value: 0.2}` — 0.2 %, Envoy's `budget_percent` being a 0–100 percent,
 * though the comment there says "default to 20%" — and 3 when `minRetryConcurrency` is unset or 0.
 * The semantics doc §2.1 says 20 %; its meshproof note records the difference.
 */
export const RETRY_BUDGET_DEFAULTS = { percent: 0.2, minRetryConcurrency: 3 } as const;

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
  /** written (0) with split mode: "SuccessRate based outlier detection should be disabled" */
  enforcing_local_origin_success_rate?: number;
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
  upstream_connection_options?: {
    tcp_keepalive: { keepalive_time?: number; keepalive_interval?: number; keepalive_probes?: number };
  };
  typed_extension_protocol_options?: {
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
      '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
      common_http_protocol_options?: EnvoyCommonHttpProtocolOptions;
      explicit_http_config:
        | { http_protocol_options: Record<string, never> }
        | { http2_protocol_options: Record<string, unknown> };
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
/**
 * Envoy `HeaderMatcher` as Istio's `translateHeaderMatch` writes it: `present_match` when the
 * StringMatch has no type or is `regex: "*"`, else `string_match`; `withoutHeaders` entries are
 * inverted (and a missing header reads as "" unless it is a presence match).
 */
export interface EnvoyHeaderMatcher {
  name: string;
  string_match?: EnvoyStringMatch;
  present_match?: true;
  invert_match?: true;
  treat_missing_header_as_empty?: true;
}
export interface EnvoyRouteMatch {
  path?: string;
  prefix?: string;
  safe_regex?: { regex: string };
  /** `TranslateRouteMatch` writes `!ignoreUriCase` for every route with a match (a BoolValue, so `true` shows) */
  case_sensitive?: boolean;
  headers?: EnvoyHeaderMatcher[];
  query_parameters?: { name: string; string_match?: EnvoyStringMatch; present_match?: true }[];
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
