/**
 * The parts of the Istio networking API (1.30, `istio.io/api` networking/v1) that meshproof
 * understands, as TypeScript types. Field names are Istio's (camelCase, as in YAML).
 * Durations are Go duration strings; see src/util/duration.ts.
 */
export type Duration = string;

export interface DestinationRule {
  apiVersion: string;
  kind: 'DestinationRule';
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: DestinationRuleSpec;
}
export interface DestinationRuleSpec {
  host: string;
  trafficPolicy?: TrafficPolicy;
  subsets?: Subset[];
  exportTo?: string[];
}
export interface Subset {
  name: string;
  labels?: Record<string, string>;
  trafficPolicy?: TrafficPolicy;
}
/** `trafficPolicy.loadBalancer` (only what translation reads; validate-dr.ts checks the rest). */
export interface LoadBalancerSettings {
  /** UNSPECIFIED, LEAST_CONN (deprecated alias of LEAST_REQUEST), RANDOM, PASSTHROUGH, ROUND_ROBIN, LEAST_REQUEST */
  simple?: string;
  consistentHash?: { ringHash?: unknown; maglev?: unknown } & Record<string, unknown>;
  [field: string]: unknown;
}

export interface TrafficPolicy {
  connectionPool?: ConnectionPoolSettings;
  outlierDetection?: OutlierDetection;
  loadBalancer?: LoadBalancerSettings;
  tls?: Record<string, unknown>;
  portLevelSettings?: PortTrafficPolicy[];
  tunnel?: Record<string, unknown>;
  proxyProtocol?: Record<string, unknown>;
  retryBudget?: { percent?: number; minRetryConcurrency?: number };
}
export interface PortTrafficPolicy extends Omit<TrafficPolicy, 'portLevelSettings'> {
  port?: { number: number };
}
export interface ConnectionPoolSettings {
  tcp?: {
    maxConnections?: number;
    connectTimeout?: Duration;
    tcpKeepalive?: { time?: Duration; interval?: Duration; probes?: number };
    maxConnectionDuration?: Duration;
    idleTimeout?: Duration;
  };
  http?: {
    http1MaxPendingRequests?: number;
    http2MaxRequests?: number;
    maxRequestsPerConnection?: number;
    maxRetries?: number;
    idleTimeout?: Duration;
    h2UpgradePolicy?: 'DEFAULT' | 'DO_NOT_UPGRADE' | 'UPGRADE';
    useClientProtocol?: boolean;
    maxConcurrentStreams?: number;
  };
}
export interface OutlierDetection {
  consecutiveErrors?: number;
  consecutive5xxErrors?: number | null;
  consecutiveGatewayErrors?: number | null;
  consecutiveLocalOriginFailures?: number | null;
  splitExternalLocalOriginErrors?: boolean;
  interval?: Duration;
  baseEjectionTime?: Duration;
  maxEjectionPercent?: number;
  minHealthPercent?: number;
}

export interface VirtualService {
  apiVersion: string;
  kind: 'VirtualService';
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: VirtualServiceSpec;
}
export interface VirtualServiceSpec {
  hosts?: string[];
  gateways?: string[];
  http?: HTTPRoute[];
  exportTo?: string[];
}
export interface StringMatch {
  exact?: string;
  prefix?: string;
  regex?: string;
}
export interface HTTPMatchRequest {
  name?: string;
  uri?: StringMatch;
  method?: StringMatch;
  authority?: StringMatch;
  headers?: Record<string, StringMatch>;
  port?: number;
  ignoreUriCase?: boolean;
}
export interface Destination {
  host: string;
  subset?: string;
  port?: { number: number };
}
export interface HTTPRouteDestination {
  destination: Destination;
  weight?: number;
  headers?: Headers;
}
/** `set`/`add`/`remove` on one direction (typed loosely: the CRD schema checks the value types). */
export interface HeaderOperations {
  set?: Record<string, unknown>;
  add?: Record<string, unknown>;
  remove?: unknown[];
}
/** Istio's `Headers` message as written in YAML (translate/headers.ts). */
export interface Headers {
  request?: HeaderOperations;
  response?: HeaderOperations;
}
export interface HTTPRetry {
  attempts?: number;
  perTryTimeout?: Duration;
  retryOn?: string;
  retryRemoteLocalities?: boolean;
  retryIgnorePreviousHosts?: boolean;
  backoff?: Duration;
}
export interface Percent {
  value?: number;
}
export interface HTTPFaultInjection {
  delay?: { fixedDelay?: Duration; exponentialDelay?: Duration; percentage?: Percent; percent?: number };
  abort?: { httpStatus?: number; grpcStatus?: string; http2Error?: string; percentage?: Percent };
}
export interface HTTPRoute {
  name?: string;
  match?: HTTPMatchRequest[];
  route?: HTTPRouteDestination[];
  redirect?: Record<string, unknown>;
  directResponse?: Record<string, unknown>;
  timeout?: Duration;
  retries?: HTTPRetry;
  fault?: HTTPFaultInjection;
  /** set/add/remove on requests and responses of this route (translate/headers.ts) */
  headers?: Headers;
}
