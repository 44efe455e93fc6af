/**
 * DestinationRule validation: Istio's `ValidateDestinationRule` / `validateTrafficPolicy` /
 * `validateConnectionPool` / `validateOutlierDetection` (`validateLoadBalancer`: validate-lb.ts)
 * plus the CRD schema (types, enums, unknown fields), as listed in istio-envoy-semantics.md §7.2
 * for the fields of §2, §3 and §3.4.
 */
import type { FieldPath } from './model.js';
import { type Checker, INT32_MAX, UINT32_MAX } from './fields.js';
import { fqdnProblem, isIpAddress, labelProblems, subsetNameProblem, wildcardDomainProblem } from './names.js';
import { validateExportTo, validateWorkloadSelector } from './validate-export.js';
import { validateLoadBalancer } from './validate-lb.js';
import { validateClientTls } from './validate-tls.js';

const SPEC_FIELDS = ['host', 'trafficPolicy', 'subsets', 'exportTo', 'workloadSelector'] as const;
const POLICY_FIELDS = [
  'connectionPool',
  'outlierDetection',
  'loadBalancer',
  'tls',
  'portLevelSettings',
  'tunnel',
  'proxyProtocol',
  'retryBudget',
] as const;
const PORT_POLICY_FIELDS = ['port', 'connectionPool', 'outlierDetection', 'loadBalancer', 'tls'] as const;
const POOL_FIELDS = ['tcp', 'http'] as const;
const TCP_FIELDS = [
  'maxConnections',
  'connectTimeout',
  'tcpKeepalive',
  'maxConnectionDuration',
  'idleTimeout',
] as const;
const KEEPALIVE_FIELDS = ['probes', 'time', 'interval'] as const;
const HTTP_FIELDS = [
  'http1MaxPendingRequests',
  'http2MaxRequests',
  'maxRequestsPerConnection',
  'maxRetries',
  'idleTimeout',
  'h2UpgradePolicy',
  'useClientProtocol',
  'maxConcurrentStreams',
] as const;
const OUTLIER_FIELDS = [
  'consecutiveErrors',
  'consecutive5xxErrors',
  'consecutiveGatewayErrors',
  'consecutiveLocalOriginFailures',
  'splitExternalLocalOriginErrors',
  'interval',
  'baseEjectionTime',
  'maxEjectionPercent',
  'minHealthPercent',
] as const;
const SUBSET_FIELDS = ['name', 'labels', 'trafficPolicy'] as const;
const TUNNEL_FIELDS = ['protocol', 'targetHost', 'targetPort'] as const;
export const H2_UPGRADE_POLICIES = ['DEFAULT', 'DO_NOT_UPGRADE', 'UPGRADE'] as const;

export function validateDestinationRule(c: Checker, spec: Record<string, unknown>): void {
  c.unknownFields(['spec'], spec, SPEC_FIELDS);
  const host = c.string(['spec', 'host'], spec.host);
  if (spec.host === undefined) c.error(['spec', 'host'], 'host is required');
  else if (host !== undefined) {
    const problem = wildcardDomainProblem(host);
    if (problem) c.error(['spec', 'host'], problem);
  }
  trafficPolicy(c, ['spec', 'trafficPolicy'], spec.trafficPolicy);
  subsets(c, spec.subsets);
  const selector = spec.workloadSelector !== undefined && spec.workloadSelector !== null;
  validateExportTo(c, ['spec', 'exportTo'], spec.exportTo, c.doc.namespace, selector);
  validateWorkloadSelector(c, ['spec', 'workloadSelector'], spec.workloadSelector);
}

function trafficPolicy(c: Checker, path: FieldPath, v: unknown): void {
  const tp = c.object(path, v, POLICY_FIELDS);
  if (!tp) return;
  const has = (f: string) => tp[f] !== undefined && tp[f] !== null;
  // validateTrafficPolicy. The list includes retryBudget as the spec (§7.2) says; the Go code read
  // (validation.go with `warmup`, no RetryBudget yet) does not name it — unverified for 1.29.
  if (!POLICY_FIELDS.some(has)) {
    c.error(path, 'traffic policy must have at least one field');
    return;
  }
  if (has('tunnel') && has('proxyProtocol')) {
    c.error(path, 'tunnel and proxyProtocol must not be set together'); // validateTrafficPolicy returns here
    return;
  }
  connectionPool(c, [...path, 'connectionPool'], tp.connectionPool);
  outlierDetection(c, [...path, 'outlierDetection'], tp.outlierDetection);
  validateLoadBalancer(c, [...path, 'loadBalancer'], tp.loadBalancer, tp.outlierDetection);
  validateClientTls(c, [...path, 'tls'], tp.tls);
  const ports = c.list([...path, 'portLevelSettings'], tp.portLevelSettings) ?? [];
  ports.forEach((p, i) => portTrafficPolicy(c, [...path, 'portLevelSettings', i], p));
  tunnel(c, [...path, 'tunnel'], tp.tunnel);
  retryBudget(c, [...path, 'retryBudget'], tp.retryBudget);
}

/**
 * `retryBudget` as the 1.29 CRD schema types it (Istio's webhook has no rule of its own for it):
 * `percent` a nullable double with `minimum: 0, maximum: 100`, `minRetryConcurrency` a uint32.
 * The apiserver refuses a percent above 100 with 422 (…/retryBudget.percent in body should be less
 * than or equal to 100), before the webhook ever sees it.
 */
function retryBudget(c: Checker, path: FieldPath, v: unknown): void {
  const b = c.object(path, v, ['percent', 'minRetryConcurrency']);
  if (!b) return;
  const percent = c.number([...path, 'percent'], b.percent);
  if (percent !== undefined && (percent < 0 || percent > 100))
    c.error([...path, 'percent'], `${percent} is out of range 0..100`);
  c.uint32([...path, 'minRetryConcurrency'], b.minRetryConcurrency);
}

/** validateTunnelSettings (validation.go), with its messages. */
function tunnel(c: Checker, path: FieldPath, v: unknown): void {
  const t = c.object(path, v, TUNNEL_FIELDS);
  if (!t) return;
  const protocol = c.string([...path, 'protocol'], t.protocol);
  if (protocol && protocol !== 'CONNECT' && protocol !== 'POST') {
    c.error([...path, 'protocol'], 'tunnel protocol must be "CONNECT" or "POST"');
  }
  const host = c.string([...path, 'targetHost'], t.targetHost) ?? (t.targetHost === undefined ? '' : undefined);
  if (host !== undefined) {
    const fqdn = fqdnProblem(host);
    if (fqdn && !isIpAddress(host)) {
      // agent.ValidateIPAddress: "%v is not a valid IP"
      c.error(
        [...path, 'targetHost'],
        `tunnel target host must be valid FQDN or IP address: ${fqdn}; ${host} is not a valid IP`,
      );
    }
  }
  const port = c.integer([...path, 'targetPort'], t.targetPort ?? 0, 0, UINT32_MAX);
  if (port !== undefined && (port < 1 || port > 65535)) {
    c.error(
      [...path, 'targetPort'],
      `tunnel target port is invalid: port number ${port} must be in the range 1..65535`,
    );
  }
}

function portTrafficPolicy(c: Checker, path: FieldPath, v: unknown): void {
  const p = c.object(path, v, PORT_POLICY_FIELDS);
  if (!p) {
    if (v === null || v === undefined) c.error(path, 'traffic policy may not be null');
    return;
  }
  const port = c.object([...path, 'port'], p.port, ['number']);
  if (!port) c.error(path, 'portTrafficPolicy must have valid port');
  else c.integer([...path, 'port', 'number'], port.number, 0, UINT32_MAX); // CRD uint32; Istio checks no range here
  if (!PORT_POLICY_FIELDS.slice(1).some((f) => p[f] !== undefined && p[f] !== null)) {
    c.error(path, 'port traffic policy must have at least one field');
    return;
  }
  connectionPool(c, [...path, 'connectionPool'], p.connectionPool);
  outlierDetection(c, [...path, 'outlierDetection'], p.outlierDetection);
  validateLoadBalancer(c, [...path, 'loadBalancer'], p.loadBalancer, p.outlierDetection);
  validateClientTls(c, [...path, 'tls'], p.tls);
}

/** §2.1 fields, §7.2 rules. */
function connectionPool(c: Checker, path: FieldPath, v: unknown): void {
  const pool = c.object(path, v, POOL_FIELDS);
  if (!pool) return;
  if ((pool.tcp ?? null) === null && (pool.http ?? null) === null) {
    c.error(path, 'connection pool must have at least one field');
    return;
  }
  const tcp = c.object([...path, 'tcp'], pool.tcp, TCP_FIELDS);
  if (tcp) {
    const at = (f: string): FieldPath => [...path, 'tcp', f];
    c.nonNegative(at('maxConnections'), tcp.maxConnections, 'max connections');
    c.duration(at('connectTimeout'), tcp.connectTimeout);
    c.duration(at('maxConnectionDuration'), tcp.maxConnectionDuration);
    c.duration(at('idleTimeout'), tcp.idleTimeout, { zeroMsDisables: true }); // 0s disables it (§7.2)
    const ka = c.object(at('tcpKeepalive'), tcp.tcpKeepalive, KEEPALIVE_FIELDS);
    if (ka) {
      c.uint32([...at('tcpKeepalive'), 'probes'], ka.probes);
      c.duration([...at('tcpKeepalive'), 'time'], ka.time);
      c.duration([...at('tcpKeepalive'), 'interval'], ka.interval);
    }
  }
  const http = c.object([...path, 'http'], pool.http, HTTP_FIELDS);
  if (http) {
    const at = (f: string): FieldPath => [...path, 'http', f];
    c.nonNegative(at('http1MaxPendingRequests'), http.http1MaxPendingRequests, 'http1 max pending requests');
    c.nonNegative(at('http2MaxRequests'), http.http2MaxRequests, 'http2 max requests');
    c.nonNegative(at('maxRequestsPerConnection'), http.maxRequestsPerConnection, 'max requests per connection');
    c.nonNegative(at('maxRetries'), http.maxRetries, 'max retries');
    c.nonNegative(at('maxConcurrentStreams'), http.maxConcurrentStreams, 'max concurrent streams');
    c.duration(at('idleTimeout'), http.idleTimeout);
    const upgrade = c.oneOf(at('h2UpgradePolicy'), http.h2UpgradePolicy, H2_UPGRADE_POLICIES);
    const clientProtocol = c.bool(at('useClientProtocol'), http.useClientProtocol);
    if (upgrade === 'UPGRADE' && clientProtocol === true) {
      c.error(at('useClientProtocol'), 'use client protocol must not be true when H2UpgradePolicy is UPGRADE');
    }
  }
}

/** §3.1 fields, §7.2 rules. */
function outlierDetection(c: Checker, path: FieldPath, v: unknown): void {
  const od = c.object(path, v, OUTLIER_FIELDS);
  if (!od) return;
  const at = (f: string): FieldPath => [...path, f];
  const deprecated = c.integer(at('consecutiveErrors'), od.consecutiveErrors, -INT32_MAX - 1, INT32_MAX);
  if (deprecated !== undefined && deprecated !== 0) {
    c.warn(
      at('consecutiveErrors'),
      'outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead',
    );
  }
  c.uint32(at('consecutive5xxErrors'), od.consecutive5xxErrors);
  c.uint32(at('consecutiveGatewayErrors'), od.consecutiveGatewayErrors);
  const local = c.uint32(at('consecutiveLocalOriginFailures'), od.consecutiveLocalOriginFailures);
  const split = c.bool(at('splitExternalLocalOriginErrors'), od.splitExternalLocalOriginErrors);
  if (local !== undefined && local > 0 && split !== true) {
    c.error(
      at('consecutiveLocalOriginFailures'),
      'outlier detection consecutive local origin failures is specified, but split external local origin errors is set to false',
    );
  }
  c.duration(at('interval'), od.interval);
  c.duration(at('baseEjectionTime'), od.baseEjectionTime);
  c.percent(at('maxEjectionPercent'), od.maxEjectionPercent);
  c.percent(at('minHealthPercent'), od.minHealthPercent);
}

function subsets(c: Checker, v: unknown): void {
  const list = c.list(['spec', 'subsets'], v) ?? [];
  const seen = new Map<string, number>();
  list.forEach((item, i) => {
    const path: FieldPath = ['spec', 'subsets', i];
    const s = c.object(path, item, SUBSET_FIELDS);
    if (!s) {
      if (item === null || item === undefined) c.error(path, 'subset may not be null'); // ValidateDestinationRule
      return;
    }
    const name = s.name === undefined ? '' : c.string([...path, 'name'], s.name);
    if (name === undefined) return;
    // ValidateDestinationRule: duplicate names (an empty one too), then validateSubset
    const first = seen.get(name);
    if (first !== undefined) {
      c.error(
        [...path, 'name'],
        `duplicate subset name "${name}" (also spec.subsets[${first}])`,
        `duplicate subset names: ${name}`,
      );
    } else seen.set(name, i);
    const problem = subsetNameProblem(name);
    if (problem) c.error([...path, 'name'], problem);
    const labels = c.object([...path, 'labels'], s.labels);
    if (labels) {
      for (const [k, v] of Object.entries(labels)) c.string([...path, 'labels', k], v);
      for (const problem of labelProblems(labels)) c.error([...path, 'labels'], problem); // labels.Instance.Validate
    }
    trafficPolicy(c, [...path, 'trafficPolicy'], s.trafficPolicy);
  });
}
