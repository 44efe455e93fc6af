/**
 * Envoy's local replies, verbatim from istio-envoy-semantics.md §1, each with the cause
 * classify() must give it. Shared by the classifier tests and the engines' counting tests.
 */
import type { Cause } from '../../../src/load/classify.js';

export interface LocalReply {
  what: string;
  status: number;
  body: string;
  headers?: Record<string, string>;
  cause: Cause;
}

const RESET = 'upstream connect error or disconnect/reset before headers. ';

export const LOCAL_REPLIES: LocalReply[] = [
  {
    what: 'pending queue full / max_requests (UO)',
    status: 503,
    body: `${RESET}reset reason: overflow`,
    headers: { 'x-envoy-overloaded': 'true' },
    cause: 'overflow',
  },
  { what: 'no selectable endpoint (UH)', status: 503, body: 'no healthy upstream', cause: 'no_healthy_upstream' },
  {
    what: 'connect refused (UF)',
    status: 503,
    body: `${RESET}reset reason: remote connection failure, transport failure reason: delayed connect error: 111`,
    cause: 'upstream_reset',
  },
  {
    what: 'connect timeout (UF)',
    status: 503,
    body: `${RESET}reset reason: connection timeout`,
    cause: 'upstream_reset',
  },
  {
    what: 'upstream closed before headers (UC)',
    status: 503,
    body: `${RESET}reset reason: connection termination`,
    cause: 'upstream_reset',
  },
  {
    what: 'upstream stream reset (UR)',
    status: 503,
    body: `${RESET}reset reason: remote reset`,
    cause: 'upstream_reset',
  },
  {
    what: 'upstream protocol error (UPE)',
    status: 502,
    body: `${RESET}reset reason: protocol error`,
    cause: 'upstream_reset',
  },
  {
    what: 'reset after a retry ("retried and the latest")',
    status: 503,
    body: `${RESET}retried and the latest reset reason: connection termination`,
    cause: 'upstream_reset',
  },
  { what: 'route timeout (UT)', status: 504, body: 'upstream request timeout', cause: 'route_timeout' },
  { what: 'fault abort 503 (FI)', status: 503, body: 'fault filter abort', cause: 'fault_abort' },
  { what: 'fault abort 500 (FI)', status: 500, body: 'fault filter abort', cause: 'fault_abort' },
  { what: 'no route (NR)', status: 404, body: '', cause: 'client_error' },
  { what: 'missing cluster (NC)', status: 503, body: '', cause: 'app_error' },
  {
    what: 'upstream 500 passed through (URX)',
    status: 500,
    body: 'internal error',
    headers: { 'x-envoy-upstream-service-time': '3' },
    cause: 'app_error',
  },
  { what: 'upstream 200', status: 200, body: 'ok', cause: 'ok' },
];
