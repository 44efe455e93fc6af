/**
 * VirtualService validation: Istio's `ValidateVirtualService`, `validateHTTPRoute`,
 * `validateHTTPRouteConflict`, `validateHTTPRouteDestinations`, fault and retry helpers
 * (pkg/config/validation/validation.go, virtualservice.go) plus the CRD schema (types, oneOf,
 * unknown fields), as listed in istio-envoy-semantics.md §7.3 for the fields of §4 (timeout,
 * retries) and §5 (fault). Hosts and gateways: validate-vs-hosts.ts; match: validate-match.ts;
 * header operations: validate-headers.ts; redirect, rewrite, directResponse, mirrors:
 * validate-vs-extras.ts; the unreachable-rule warnings: validate-vs-unreachable.ts.
 */
import type { FieldPath } from './model.js';
import { type Checker, goFloat, INT32_MAX } from './fields.js';
import { subsetNameProblem, wildcardDomainProblem } from './names.js';
import { isValidRetryOnToken, retryOnTokens } from './retry-on.js';
import { validateExportTo } from './validate-export.js';
import { validateAuthorityRewrite, validateHeaderOperations } from './validate-headers.js';
import { validateMatches } from './validate-match.js';
import { validateHostsAndGateways, type VsBinding } from './validate-vs-hosts.js';
import { warnUnreachableRules } from './validate-vs-unreachable.js';
import {
  validateCors,
  validateDirectResponse,
  validateMirrors,
  validateRedirect,
  validateRewrite,
} from './validate-vs-extras.js';

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
  const binding = validateHostsAndGateways(c, spec);
  const routes = c.list(['spec', 'http'], spec.http) ?? [];
  if (
    routes.length === 0 &&
    (c.list(['spec', 'tcp'], spec.tcp) ?? []).length === 0 &&
    (c.list(['spec', 'tls'], spec.tls) ?? []).length === 0
  ) {
    c.error(['spec'], 'http, tcp or tls must be provided in virtual service');
  }
  routes.forEach((r, i) => httpRoute(c, ['spec', 'http', i], r, binding, spec.gateways));
  validateExportTo(c, ['spec', 'exportTo'], spec.exportTo, c.doc.namespace, false);
  warnUnreachableRules(c, ['spec', 'http'], routes);
}

function httpRoute(c: Checker, path: FieldPath, v: unknown, binding: VsBinding, gateways: unknown): void {
  const r = c.object(path, v, ROUTE_FIELDS);
  if (!r) {
    if (v === null || v === undefined) c.error(path, 'http route may not be null'); // ValidateVirtualService
    return;
  }
  const has = (f: string) => r[f] !== undefined && r[f] !== null;
  const destinations = c.list([...path, 'route'], r.route) ?? [];
  routeConflicts(c, path, r, destinations.length, binding.delegate);
  validateMatches(c, [...path, 'match'], r.match, binding.appliesToGateway, gateways);
  validateHeaderOperations(c, [...path, 'headers'], r.headers);
  validateCors(c, [...path, 'corsPolicy'], r.corsPolicy);
  fault(c, [...path, 'fault'], r.fault);
  validateMirrors(c, path, r, destination);
  if (has('redirect')) validateRedirect(c, [...path, 'redirect'], r.redirect);
  if (has('directResponse')) validateDirectResponse(c, [...path, 'directResponse'], r.directResponse);
  retries(c, [...path, 'retries'], r.retries);
  if (has('rewrite')) validateRewrite(c, [...path, 'rewrite'], r.rewrite);
  validateAuthorityRewrite(c, path, r.rewrite, r.headers);
  routeDestinations(c, [...path, 'route'], destinations);
  c.duration([...path, 'timeout'], r.timeout); // 0s is rejected: omit the field for "no timeout" (§7.3)
}

/**
 * validateHTTPRouteConflict (virtualservice.go): a root route (one with `delegate`, in a
 * VirtualService with hosts) may hold neither route nor redirect; otherwise redirect and
 * directResponse exclude route, fault, rewrite and each other, and one of route, redirect,
 * directResponse is required.
 */
function routeConflicts(
  c: Checker,
  path: FieldPath,
  r: Record<string, unknown>,
  routeCount: number,
  inDelegate: boolean,
): void {
  const has = (f: string) => r[f] !== undefined && r[f] !== null;
  const name = typeof r.name === 'string' ? r.name : '';
  if (!inDelegate && has('delegate')) {
    if (has('redirect')) c.error([...path, 'redirect'], `root HTTP route ${name} must not specify redirect`);
    if (has('route')) c.error([...path, 'route'], `root HTTP route ${name} must not specify route`);
    return;
  }
  if (inDelegate && has('delegate')) c.error([...path, 'delegate'], 'delegate HTTP route cannot contain delegate');
  if (has('redirect')) {
    if (routeCount > 0) c.error([...path, 'redirect'], 'HTTP route cannot contain both route and redirect');
    if (has('fault')) c.error([...path, 'fault'], 'HTTP route cannot contain both fault and redirect');
    if (has('rewrite')) c.error([...path, 'rewrite'], 'HTTP route rule cannot contain both rewrite and redirect');
    if (has('directResponse'))
      c.error([...path, 'directResponse'], 'HTTP route rule cannot contain both direct_response and redirect');
  } else if (has('directResponse')) {
    if (routeCount > 0)
      c.error([...path, 'directResponse'], 'HTTP route cannot contain both route and direct_response');
    if (has('fault')) c.error([...path, 'fault'], 'HTTP route cannot contain both fault and direct_response');
    if (has('rewrite'))
      c.error([...path, 'rewrite'], 'HTTP route rule cannot contain both rewrite and direct_response');
  } else if (routeCount === 0) {
    c.error(path, 'HTTP route, redirect or direct_response is required');
  }
}

/** validateHTTPRouteDestinations: each weight ≥ 0, and with two or more destinations not all 0. */
function routeDestinations(c: Checker, path: FieldPath, list: unknown[]): void {
  let total = 0;
  list.forEach((d, i) => {
    total += routeDestination(c, [...path, i], d) ?? 0;
  });
  if (list.length > 1 && total === 0) c.error(path, 'total destination weight = 0');
}

/** One `route[]` entry; returns its weight (0 when absent). */
function routeDestination(c: Checker, path: FieldPath, v: unknown): number | undefined {
  const rd = c.object(path, v, DESTINATION_WEIGHT_FIELDS);
  if (!rd) {
    if (v === null || v === undefined) c.error(path, 'weight may not be nil');
    return undefined;
  }
  validateHeaderOperations(c, [...path, 'headers'], rd.headers);
  const weight = c.integer([...path, 'weight'], rd.weight, -INT32_MAX - 1, INT32_MAX); // CRD: int32, no minimum
  if (weight !== undefined && weight < 0) c.error([...path, 'weight'], `weight ${weight} < 0`); // validateWeight
  if (rd.destination === undefined || rd.destination === null) c.error(path, 'destination is required');
  else destination(c, [...path, 'destination'], rd.destination);
  return weight;
}

/** validateDestination: route destinations and mirrors. */
function destination(c: Checker, path: FieldPath, v: unknown): void {
  const dest = c.object(path, v, DESTINATION_FIELDS);
  if (!dest) return;
  const at = (f: string): FieldPath => [...path, f];
  const host = c.string(at('host'), dest.host);
  if (dest.host === undefined) c.error(path, 'destination host is required');
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
    const n = c.integer([...at('port'), 'number'], port.number ?? 0, -INT32_MAX - 1, 4_294_967_295);
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
    const istio = 'abort configured, but error type not set'; // validateHTTPFaultInjectionAbort
    c.warn(path, `${istio} (the abort is dropped)`, undefined, istio);
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
    const says = (v: string) => `percentage ${v} is neither 0.0, nor in range [0.0001, 100.0]`;
    c.error([...path, 'value'], says(String(value)), says(goFloat(value))); // validatePercentage prints %v
  }
}
