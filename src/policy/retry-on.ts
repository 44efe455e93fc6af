/**
 * `retries.retryOn` as Istio validates it (istio-envoy-semantics.md §7.3, §4.2): split on ","
 * **without trimming** — `"5xx, reset"` yields the token `" reset"`, which is invalid — and
 * each token must be an Envoy retry policy name or an integer Go's `http.StatusText` knows.
 */

/** Envoy retry conditions Istio accepts (`supportedRetryOnPolicies`, §7.3). */
export const RETRY_ON_POLICIES = [
  '5xx',
  'gateway-error',
  'reset',
  'reset-before-request',
  'connect-failure',
  'retriable-4xx',
  'refused-stream',
  'retriable-status-codes',
  'retriable-headers',
  'envoy-ratelimited',
  'http3-post-connect-failure',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
] as const;

/** Status codes with a Go `http.StatusText` (net/http/status.go); 599 and 306 are not among them. */
const GO_HTTP_STATUS = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308, 400,
  401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423, 424, 425,
  426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
]);

/** Istio's default retryOn when no `retries` block (or no `retryOn`) is given (§4.1, Istio ≥ 1.24). */
export const DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';

/** Conditions under which a per-try timeout is retried (§4.1: "retry only if retryOn ∋ 5xx/gateway-error/reset"). */
export const RETRIES_PER_TRY_TIMEOUT = ['5xx', 'gateway-error', 'reset'] as const;

/** The tokens exactly as Istio splits them (no trimming, empty tokens kept). */
export function retryOnTokens(retryOn: string): string[] {
  return retryOn.split(',');
}

/** Mirrors `strconv.Atoi` + `http.StatusText` + the supported-policy set. */
export function isValidRetryOnToken(token: string): boolean {
  if ((RETRY_ON_POLICIES as readonly string[]).includes(token)) return true;
  if (!/^[+-]?\d+$/.test(token)) return false;
  return GO_HTTP_STATUS.has(Number(token));
}
