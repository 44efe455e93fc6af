/**
 * VirtualService validation: Istio's `validateHTTPRoute`, fault and retry helpers plus the CRD
 * schema (types, oneOf, unknown fields), as listed in istio-envoy-semantics.md §7.3 for the
 * fields of §4 (timeout, retries) and §5 (fault).
 */
import type { FieldPath } from './model.js';
import { type Checker, INT32_MAX } from './fields.js';
import { subsetNameProblem, wildcardDomainProblem } from './names.js';
import { isValidRetryOnToken, retryOnTokens } from './retry-on.js';

const SPEC_FIELDS = ['hosts', 'gateways', 'http', 'tls', 'tcp', 'exportTo'] as const;
const ROUTE_FIELDS = [
  'name',
  'match',
  'route',
  'redirect',
  'directResponse',
  'delegate',
  'rewrite',
  'timeout',
  'retries',
  'fault',
  'mirror',
  'mirrors',
  'mirrorPercent',
  'mirrorPercentage',
  'mirror_percent',
  'corsPolicy',
  'headers',
] as const;
const RETRY_FIELDS = [
  'attempts',
  'perTryTimeout',
  'retryOn',
  'retryRemoteLocalities',
  'retryIgnorePreviousHosts',
  'backoff',
] as const;
const FAULT_FIELDS = ['delay', 'abort'] as const;
const DELAY_FIELDS = ['fixedDelay', 'exponentialDelay', 'percentage', 'percent'] as const;
const ABORT_FIELDS = ['httpStatus', 'grpcStatus', 'http2Error', 'percentage'] as const;
const DESTINATION_WEIGHT_FIELDS = ['destination', 'weight', 'headers'] as const;
const DESTINATION_FIELDS = ['host', 'subset', 'port'] as const;

/** gRPC status names Istio accepts for `abort.grpcStatus` (names only; "14" is invalid) (§7.3). */
export const GRPC_STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

export function validateVirtualService(c: Checker, spec: Record<string, unknown>): void {
  c.unknownFields(['spec'], spec, SPEC_FIELDS);
  const hosts = c.list(['spec', 'hosts'], spec.hosts);
  hosts?.forEach((h, i) => c.string(['spec', 'hosts', i], h));
  const gateways = c.list(['spec', 'gateways'], spec.gateways);
  gateways?.forEach((g, i) => c.string(['spec', 'gateways', i], g));
  // no hosts = a delegate VirtualService (Istio's default ENABLE_VIRTUAL_SERVICE_DELEGATE), which cannot bind gateways
  if ((hosts ?? []).length === 0 && (gateways ?? []).length > 0) {
    c.error(['spec', 'gateways'], 'delegate virtual service must have no gateways specified');
  }
  const routes = c.list(['spec', 'http'], spec.http) ?? [];
  if (
    routes.length === 0 &&
    (c.list(['spec', 'tcp'], spec.tcp) ?? []).length === 0 &&
    (c.list(['spec', 'tls'], spec.tls) ?? []).length === 0
  ) {
    c.error(['spec'], 'http, tcp or tls must be provided in virtual service');
  }
  routes.forEach((r, i) => httpRoute(c, ['spec', 'http', i], r));
}

function httpRoute(c: Checker, path: FieldPath, v: unknown): void {
  const r = c.object(path, v, ROUTE_FIELDS);
  if (!r) return;
  const has = (f: string) => r[f] !== undefined && r[f] !== null;
  const destinations = c.list([...path, 'route'], r.route) ?? [];
  if (destinations.length === 0 && !has('redirect') && !has('directResponse') && !has('delegate')) {
    c.error(path, 'HTTP route, redirect or direct_response is required');
  }
  destinations.forEach((d, i) => routeDestination(c, [...path, 'route', i], d));
  c.duration([...path, 'timeout'], r.timeout); // 0s is rejected: omit the field for "no timeout" (§7.3)
  retries(c, [...path, 'retries'], r.retries);
  if (has('fault')) {
    if (has('redirect')) c.error([...path, 'fault'], 'HTTP route cannot contain both fault and redirect');
    if (has('directResponse')) c.error([...path, 'fault'], 'HTTP route cannot contain both fault and direct_response');
  }
  fault(c, [...path, 'fault'], r.fault);
}

function routeDestination(c: Checker, path: FieldPath, v: unknown): void {
  const rd = c.object(path, v, DESTINATION_WEIGHT_FIELDS);
  if (!rd) return;
  c.integer([...path, 'weight'], rd.weight, 0, INT32_MAX);
  const dest = c.object([...path, 'destination'], rd.destination, DESTINATION_FIELDS);
  if (!dest) {
    if (rd.destination === undefined || rd.destination === null) c.error(path, 'destination is required');
    return;
  }
  const at = (f: string): FieldPath => [...path, 'destination', f];
  const host = c.string(at('host'), dest.host);
  if (dest.host === undefined) c.error([...path, 'destination'], 'destination host is required');
  else if (host === '*') c.error(at('host'), `invalid destination host ${host}`);
  else if (host !== undefined) {
    const problem = wildcardDomainProblem(host);
    if (problem) c.error(at('host'), problem);
  }
  const subset = c.string(at('subset'), dest.subset);
  if (subset) {
    const problem = subsetNameProblem(subset);
    if (problem) c.error(at('subset'), problem);
  }
  const port = c.object(at('port'), dest.port, ['number']);
  if (port) {
    const n = c.integer([...at('port'), 'number'], port.number, -INT32_MAX - 1, INT32_MAX);
    if (n !== undefined && (n < 1 || n > 65535))
      c.error([...at('port'), 'number'], `port number ${n} must be in the range 1..65535`);
  }
}

/** §4.1 fields, §7.3 rules. */
function retries(c: Checker, path: FieldPath, v: unknown): void {
  const r = c.object(path, v, RETRY_FIELDS);
  if (!r) return;
  const at = (f: string): FieldPath => [...path, f];
  const attempts = c.integer(at('attempts'), r.attempts, -INT32_MAX - 1, INT32_MAX);
  if (attempts !== undefined && attempts < 0) c.error(at('attempts'), 'attempts cannot be negative');
  const retryOn = c.string(at('retryOn'), r.retryOn);
  const configured = r.perTryTimeout != null || (retryOn ?? '') !== '' || r.retryRemoteLocalities != null;
  const attemptsReadable = r.attempts === undefined || attempts !== undefined; // a mistyped value was reported above
  if (attemptsReadable && (attempts ?? 0) === 0 && configured) {
    c.error(
      r.attempts === undefined ? path : at('attempts'),
      'http retry policy configured when attempts are set to 0 (disabled)',
    );
  }
  c.duration(at('perTryTimeout'), r.perTryTimeout);
  c.duration(at('backoff'), r.backoff);
  c.bool(at('retryRemoteLocalities'), r.retryRemoteLocalities);
  c.bool(at('retryIgnorePreviousHosts'), r.retryIgnorePreviousHosts);
  if (retryOn) {
    for (const token of retryOnTokens(retryOn)) {
      if (!isValidRetryOnToken(token)) c.error(at('retryOn'), `${JSON.stringify(token)} is not a valid retryOn policy`);
    }
  }
}

/** §5.1 fields, §7.3 rules. */
function fault(c: Checker, path: FieldPath, v: unknown): void {
  const f = c.object(path, v, FAULT_FIELDS);
  if (!f) return;
  if ((f.abort ?? null) === null && (f.delay ?? null) === null) {
    c.error(path, 'HTTP fault injection must have an abort and/or a delay');
    return;
  }
  abort(c, [...path, 'abort'], f.abort);
  delay(c, [...path, 'delay'], f.delay);
}

function abort(c: Checker, path: FieldPath, v: unknown): void {
  const a = c.object(path, v, ABORT_FIELDS);
  if (!a) return;
  const at = (f: string): FieldPath => [...path, f];
  percentage(c, at('percentage'), a.percentage);
  const kinds = (['httpStatus', 'grpcStatus', 'http2Error'] as const).filter(
    (k) => a[k] !== undefined && a[k] !== null,
  );
  if (kinds.length > 1) {
    c.error(path, `only one of httpStatus, grpcStatus, http2Error may be set, got ${kinds.join(' and ')}`);
    return;
  }
  if (kinds.length === 0) {
    c.warn(path, 'abort configured, but error type not set (the abort is dropped)');
    return;
  }
  if (kinds[0] === 'httpStatus') {
    const status = c.integer(at('httpStatus'), a.httpStatus, -INT32_MAX - 1, INT32_MAX);
    if (status !== undefined && (status < 200 || status > 600))
      c.error(at('httpStatus'), `HTTP status ${status} is not in range 200-599`);
  } else if (kinds[0] === 'grpcStatus') {
    const name = a.grpcStatus;
    if (typeof name !== 'string' || !(GRPC_STATUS_NAMES as readonly string[]).includes(name)) {
      c.error(
        at('grpcStatus'),
        `gRPC status ${JSON.stringify(name)} is not supported. See https://github.com/grpc/grpc/blob/master/doc/statuscodes.md for a list of supported codes, for example 'NOT_FOUND'`,
      );
    }
  } else {
    c.error(at('http2Error'), 'HTTP/2 abort fault injection not supported yet');
  }
}

function delay(c: Checker, path: FieldPath, v: unknown): void {
  const d = c.object(path, v, DELAY_FIELDS);
  if (!d) return;
  const at = (f: string): FieldPath => [...path, f];
  percentage(c, at('percentage'), d.percentage);
  c.integer(at('percent'), d.percent, -INT32_MAX - 1, INT32_MAX); // deprecated; range not validated in 1.30.3 (§5.1)
  const hasFixed = d.fixedDelay !== undefined && d.fixedDelay !== null;
  const hasExponential = d.exponentialDelay !== undefined && d.exponentialDelay !== null;
  if (hasFixed && hasExponential) {
    c.error(path, 'only one of fixedDelay, exponentialDelay may be set');
    return;
  }
  c.duration(at('fixedDelay'), d.fixedDelay);
  if (hasExponential) {
    c.duration(at('exponentialDelay'), d.exponentialDelay);
    c.error(at('exponentialDelay'), 'exponentialDelay not supported yet');
  }
}

/** `percentage.value`: 0, or within [0.0001, 100] (Envoy's precision is 0.0001 %) (§5.1, §7.3). */
function percentage(c: Checker, path: FieldPath, v: unknown): void {
  const p = c.object(path, v, ['value']);
  if (!p) return;
  const value = c.number([...path, 'value'], p.value);
  if (value === undefined || value === 0) return;
  if (value < 0.0001 || value > 100) {
    c.error([...path, 'value'], `percentage ${value} is neither 0.0, nor in range [0.0001, 100.0]`);
  }
}
