/**
 * One response → one cause. Imported by the built-in engine AND bundled into the k6 script
 * (scripts/resilience.ts), so both engines attribute failures identically. Keep this file
 * free of Node APIs and of syntax newer than ES2017 (k6 0.4x; see build.mjs).
 *
 * The local-reply bodies and headers are those of istio-envoy-semantics.md §1.
 */
export const CAUSES = [
  'ok',
  'overflow',
  'no_healthy_upstream',
  'route_timeout',
  'fault_abort',
  'upstream_reset',
  'app_error',
  'client_error',
  'network_error',
] as const;
export type Cause = (typeof CAUSES)[number];

/** What classification needs to know about one response; status 0 = no response at all. */
export interface ResponseFacts {
  status: number;
  /** value of `x-envoy-overloaded`, if present */
  overloaded?: string | null;
  /** the first bytes of the body (local replies are ≤ ~200 bytes) */
  body?: string | null;
}

/** §1: "upstream connect error or disconnect/reset before headers. [retried and the latest ]reset reason: …" */
const RESET_PREFIX = 'upstream connect error or disconnect/reset before headers.';

export function classify(r: ResponseFacts): Cause {
  const status = r.status;
  if (!status) return 'network_error';
  const body = r.body || '';
  // A fault abort can carry any status (even 200 for grpcStatus aborts), so the body decides first.
  if (body === 'fault filter abort') return 'fault_abort';
  if (status < 400) return 'ok';
  if (status < 500) return 'client_error';
  if (status === 503 && r.overloaded === 'true') return 'overflow';
  if (status === 503 && body === 'no healthy upstream') return 'no_healthy_upstream';
  if (status === 504 && body === 'upstream request timeout') return 'route_timeout';
  if ((status === 503 || status === 502) && body.indexOf(RESET_PREFIX) === 0) {
    // an overflow reply that lost its header (e.g. stripped by a hop) still says "reset reason: overflow"
    return /reset reason: overflow$/.test(body) ? 'overflow' : 'upstream_reset';
  }
  return 'app_error';
}

/** Causes that mean "the request did not succeed" (k6's http_req_failed counts these). */
export function isFailure(cause: Cause): boolean {
  return cause !== 'ok';
}
