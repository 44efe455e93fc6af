/**
 * The parts of an HTTP route meshproof does not emulate but Istio's webhook still checks, so a
 * policy `meshproof validate` passes is one istiod admits: `validateHTTPRedirect`,
 * `validateHTTPDirectResponse`, `validateHTTPRewrite` / `validateURIRegexRewrite`, mirrors
 * (`validateHTTPMirrors`, `mirror_percentage`, deprecated `mirrorPercent`) in validation.go and
 * virtualservice.go `validateHTTPRoute`, and `validateCORSPolicy`, with their messages.
 */
import type { FieldPath } from './model.js';
import { type Checker, UINT32_MAX } from './fields.js';
import { HEADER_NAME, regexProblem } from './validate-match.js';

const REDIRECT_FIELDS = ['uri', 'authority', 'port', 'derivePort', 'scheme', 'redirectCode'] as const;
const REWRITE_FIELDS = ['uri', 'authority', 'uriRegexRewrite'] as const;
const DIRECT_RESPONSE_FIELDS = ['status', 'body'] as const;
const MIRROR_FIELDS = ['destination', 'percentage'] as const;
const KB = 1024;
const MB = 1024 * KB;

type DestinationCheck = (c: Checker, path: FieldPath, v: unknown) => void;

export function validateRedirect(c: Checker, path: FieldPath, v: unknown): void {
  const r = c.object(path, v, REDIRECT_FIELDS);
  if (!r) return;
  const uri = c.string([...path, 'uri'], r.uri) ?? '';
  const authority = c.string([...path, 'authority'], r.authority) ?? '';
  const scheme = c.string([...path, 'scheme'], r.scheme) ?? '';
  const port = c.integer([...path, 'port'], r.port, 0, UINT32_MAX);
  const code = c.integer([...path, 'redirectCode'], r.redirectCode, 0, UINT32_MAX) ?? 0;
  c.oneOf([...path, 'derivePort'], r.derivePort, ['FROM_PROTOCOL_DEFAULT', 'FROM_REQUEST_PORT']);
  const hasPort = r.port != null || r.derivePort != null; // RedirectPort one-of
  // validateHTTPRedirect returns at its first problem
  if (uri === '' && authority === '' && !hasPort && scheme === '') {
    c.error(path, 'redirect must specify URI, authority, scheme, or port');
  } else if (code !== 0 && (code < 300 || code > 399)) {
    c.error([...path, 'redirectCode'], `${code} is not a valid redirect code, must be 3xx`);
  } else if (scheme !== '' && scheme !== 'http' && scheme !== 'https') {
    c.error([...path, 'scheme'], 'invalid redirect scheme, must be "http" or "https"');
  } else if (port !== undefined && port > 65535) {
    c.error([...path, 'port'], `port number ${port} must be in the range 1..65535`);
  }
}

export function validateDirectResponse(c: Checker, path: FieldPath, v: unknown): void {
  const d = c.object(path, v, DIRECT_RESPONSE_FIELDS);
  if (!d) return;
  const body = c.object([...path, 'body'], d.body, ['string', 'bytes']);
  if (body) {
    const s = c.string([...path, 'body', 'string'], body.string);
    const b = c.string([...path, 'body', 'bytes'], body.bytes); // base64 in YAML
    const size = s !== undefined ? Buffer.byteLength(s) : b !== undefined ? Buffer.from(b, 'base64').length : 0;
    if (size > MB)
      c.error([...path, 'body'], 'large direct_responses may impact control plane performance, must be less than 1MB');
    else if (size > 100 * KB) c.warn([...path, 'body'], 'large direct_responses may impact control plane performance');
  }
  const status = c.integer([...path, 'status'], d.status ?? 0, 0, UINT32_MAX);
  if (status !== undefined && (status < 200 || status > 600)) {
    c.error([...path, 'status'], `HTTP status ${status} is not in range 200-599`);
  }
}

export function validateRewrite(c: Checker, path: FieldPath, v: unknown): void {
  const r = c.object(path, v, REWRITE_FIELDS);
  if (!r) return;
  const uri = c.string([...path, 'uri'], r.uri) ?? '';
  const authority = c.string([...path, 'authority'], r.authority) ?? '';
  const regex = c.object([...path, 'uriRegexRewrite'], r.uriRegexRewrite, ['match', 'rewrite']);
  if (uri !== '' && r.uriRegexRewrite != null) {
    c.error(path, 'rewrite may only contain one of URI or UriRegexRewrite');
  } else if (uri === '' && r.uriRegexRewrite == null && authority === '') {
    c.error(
      path,
      'rewrite must specify at least one of URI, UriRegexRewrite, or authority. Only one of URI or UriRegexRewrite may be specified',
    );
  } else if (regex) {
    const match = c.string([...path, 'uriRegexRewrite', 'match'], regex.match) ?? '';
    const rewrite = c.string([...path, 'uriRegexRewrite', 'rewrite'], regex.rewrite) ?? '';
    const problem =
      match === '' || rewrite === ''
        ? 'UriRegexRewrite requires both Rewrite and Match fields to be specified'
        : regexProblem(match, 'HTTPRewrite.UriRegexRewrite.Match');
    // errors.Join prints its parts on separate lines
    if (problem) c.error([...path, 'uriRegexRewrite'], `UriRegexRewrite has errors\n${problem}`);
  }
}

/** `mirror`, `mirrors`, `mirrorPercent`, `mirrorPercentage` of one route. */
export function validateMirrors(
  c: Checker,
  path: FieldPath,
  r: Record<string, unknown>,
  destination: DestinationCheck,
): void {
  if (r.mirror != null && (c.list([...path, 'mirrors'], r.mirrors) ?? []).length > 0) {
    c.error(path, 'HTTP route cannot contain both mirror and mirrors');
  }
  for (const legacy of ['mirrorPercent', 'mirror_percent'] as const) {
    const pct = c.integer([...path, legacy], r[legacy], 0, UINT32_MAX);
    if (r[legacy] == null) continue;
    if (pct !== undefined && pct > 100)
      c.error([...path, legacy], `mirror_percent must have a max value of 100 (it has ${pct})`);
    c.warn([...path, legacy], 'using deprecated setting "mirrorPercent", use "mirrorPercentage" instead');
  }
  percentage(c, [...path, 'mirrorPercentage'], r.mirrorPercentage, 'mirror_percentage');
  if (r.mirror != null) destination(c, [...path, 'mirror'], r.mirror);
  (c.list([...path, 'mirrors'], r.mirrors) ?? []).forEach((m, i) => {
    const at: FieldPath = [...path, 'mirrors', i];
    const mirror = c.object(at, m, MIRROR_FIELDS);
    if (!mirror) {
      if (m === null || m === undefined) c.error(at, 'mirror cannot be null');
      return;
    }
    if (mirror.destination == null) {
      c.error(at, 'destination is required for mirrors');
      return;
    }
    destination(c, [...at, 'destination'], mirror.destination);
    percentage(c, [...at, 'percentage'], mirror.percentage, 'mirror percentage');
  });
}

/** Go `%f`: six decimals. */
function percentage(c: Checker, path: FieldPath, v: unknown, what: string): void {
  const p = c.object(path, v, ['value']);
  const value = p ? c.number([...path, 'value'], p.value) : undefined;
  if (value === undefined) return;
  if (value > 100) c.error([...path, 'value'], `${what} must have a max value of 100 (it has ${value.toFixed(6)})`);
  if (value < 0) c.error([...path, 'value'], `${what} must have a min value of 0 (it has ${value.toFixed(6)})`);
}

const CORS_FIELDS = [
  'allowOrigins',
  'allowOrigin',
  'allowMethods',
  'allowHeaders',
  'exposeHeaders',
  'maxAge',
  'allowCredentials',
  'unmatchedPreflights',
] as const;
/** validation.go `supportedCORSMethods`: Go's net/http method names and `*`. */
const CORS_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', '*'];

/** validateCORSPolicy, validateAllowOrigins, validateCORSHTTPMethod, ValidateCORSHTTPHeaderName. */
export function validateCors(c: Checker, path: FieldPath, v: unknown): void {
  const p = c.object(path, v, CORS_FIELDS);
  if (!p) return;
  (c.list([...path, 'allowOrigins'], p.allowOrigins) ?? []).forEach((o, i) => {
    const at: FieldPath = [...path, 'allowOrigins', i];
    const sm = c.object(at, o, ['exact', 'prefix', 'regex']);
    const kind = (['exact', 'prefix', 'regex'] as const).find((k) => sm?.[k] !== undefined && sm?.[k] !== null);
    const value = kind && sm ? (c.string([...at, kind], sm[kind]) ?? '') : '';
    if (value === '') c.error(at, "'' is not a valid match type for CORS allow origins");
    else if (kind === 'regex') {
      const problem = regexProblem(value, 'corsPolicy.allowOrigins');
      if (problem) c.error([...at, 'regex'], problem);
    }
  });
  (c.list([...path, 'allowOrigin'], p.allowOrigin) ?? []).forEach((o, i) => c.string([...path, 'allowOrigin', i], o));
  (c.list([...path, 'allowMethods'], p.allowMethods) ?? []).forEach((m, i) => {
    const s = c.string([...path, 'allowMethods', i], m);
    if (s !== undefined && !CORS_METHODS.includes(s)) {
      c.error([...path, 'allowMethods', i], `${JSON.stringify(s)} is not a supported HTTP method`);
    }
  });
  for (const field of ['allowHeaders', 'exposeHeaders'] as const) {
    (c.list([...path, field], p[field]) ?? []).forEach((h, i) => {
      const s = c.string([...path, field, i], h);
      if (s === undefined) return;
      if (s === '') c.error([...path, field, i], 'header name cannot be empty');
      else if (s !== '*' && !HEADER_NAME.test(s))
        c.error([...path, field, i], `header name ${s} is not a valid header name`);
    });
  }
  const ms = c.duration([...path, 'maxAge'], p.maxAge);
  if (ms !== undefined && ms % 1000 !== 0) {
    c.error([...path, 'maxAge'], 'max_age duration is accurate only to seconds precision');
  }
  c.bool([...path, 'allowCredentials'], p.allowCredentials);
  c.oneOf([...path, 'unmatchedPreflights'], p.unmatchedPreflights, ['UNSPECIFIED', 'FORWARD', 'IGNORE']);
}
