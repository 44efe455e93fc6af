/**
 * What a busy or failing real kube-apiserver answers instead of serving a request, for the fake
 * API server's `busy()` (fake-apiserver.ts): the bytes and headers of each, from the source
 * that writes them.
 *
 *  - `apf`: API Priority and Fairness rejects (queue full or timed out) — apiserver
 *    pkg/server/filters/priority-and-fairness.go sets the classification headers
 *    (`setResponseHeaders`: X-Kubernetes-PF-FlowSchema-UID and -PriorityLevel-UID, the UIDs,
 *    never the names) and calls maxinflight.go `tooManyRequests(r, w, retryAfter)`:
 *    `w.Header().Set("Retry-After", retryAfter)` then Go's
 *    `http.Error(w, "Too many requests, please try again later.", 429)` — a **plain-text** body
 *    with a newline, `Content-Type: text/plain; charset=utf-8`, `X-Content-Type-Options: nosniff`;
 *    not a Status (client-go builds its TooManyRequests StatusError, details.retryAfterSeconds,
 *    from the header: rest/request.go `newUnstructuredResponseError`). Retry-After is 1 s at
 *    first and doubles while drops go on, up to 32 (util/flowcontrol dropped_requests_tracker.go).
 *  - `shutdown`: a server past its shutdown delay — filters/with_retry_after.go: `Connection:
 *    close`, `Retry-After: 5`, `http.Error(w, "The apiserver is shutting down, please try again
 *    later.", 429)`.
 *  - `serverTimeout`: apimachinery errors.NewServerTimeout — 500, reason ServerTimeout, "The
 *    OPERATION operation against RESOURCE could not be completed at this time, please try
 *    again.", details {group, kind, name: operation, retryAfterSeconds}; responsewriters
 *    `ErrorNegotiated` turns details.retryAfterSeconds > 0 into the Retry-After header.
 *  - `timeout`: the request-timeout filter's errors.NewTimeoutError("request did not complete
 *    within requested timeout - context deadline exceeded", 0) — 504, reason Timeout, message
 *    "Timeout: …", details {} (retryAfterSeconds 0 is omitted, so no Retry-After header).
 *  - `etcd`: a storage error that is no Status (etcd's "etcdserver: request timed out" during a
 *    leader change): responsewriters ErrorToAPIStatus → 500, no reason (StatusReasonUnknown is
 *    "" and `omitempty`), the error text as message, no Retry-After.
 *  - `unavailable`: errors.NewServiceUnavailable — 503, reason ServiceUnavailable, with or
 *    without Retry-After as the test chooses (an aggregated API or webhook path in front).
 *  - `reset`: no answer at all, the connection closed under the request (a restarting server,
 *    a load balancer dropping it); the client sees ECONNRESET ("socket hang up").
 *
 * Not verified against a live cluster: the exact header order, and which FlowSchema UIDs a
 * real cluster sends (the ones below are made up, shaped like UIDs).
 */
import type http from 'node:http';
import { send, status } from '../../src/kube-api/status.js';

export type BusyKind = 'apf' | 'shutdown' | 'serverTimeout' | 'timeout' | 'etcd' | 'unavailable' | 'reset';

export interface BusyAnswer {
  kind: BusyKind;
  /** the Retry-After seconds where the kind carries one (apf default 1, shutdown always 5, serverTimeout default 2); for `unavailable`, none unless given */
  retryAfter?: number;
}

const FLOW_SCHEMA_UID = '6f1c0a52-2f3e-4b7a-9a55-3e1d2c4b5a60';
const PRIORITY_LEVEL_UID = '0b7d9e14-8c2a-4f61-b3d0-9e8f7a6c5b41';

/** Go's http.Error: plain text, nosniff, the message and a newline. */
function goHttpError(res: http.ServerResponse, code: number, message: string, headers: Record<string, string>): void {
  res.writeHead(code, {
    ...headers,
    'content-type': 'text/plain; charset=utf-8',
    'x-content-type-options': 'nosniff',
  });
  res.end(`${message}\n`);
}

/** Answers `req` as the real server would for `a`; `resource` is e.g. "destinationrules.networking.istio.io". */
export function answerBusy(res: http.ServerResponse, a: BusyAnswer, operation: string, resource: string): void {
  switch (a.kind) {
    case 'apf':
      return goHttpError(res, 429, 'Too many requests, please try again later.', {
        'x-kubernetes-pf-flowschema-uid': FLOW_SCHEMA_UID,
        'x-kubernetes-pf-prioritylevel-uid': PRIORITY_LEVEL_UID,
        'retry-after': String(a.retryAfter ?? 1),
      });
    case 'shutdown':
      return goHttpError(res, 429, 'The apiserver is shutting down, please try again later.', {
        connection: 'close',
        'retry-after': '5',
      });
    case 'serverTimeout': {
      const seconds = a.retryAfter ?? 2;
      const [kind, ...group] = resource.split('.');
      res.setHeader('retry-after', String(seconds));
      return send(
        res,
        status(
          500,
          'ServerTimeout',
          `The ${operation} operation against ${resource} could not be completed at this time, please try again.`,
          { name: operation, group: group.join('.'), kind, retryAfterSeconds: seconds },
        ),
      );
    }
    case 'timeout':
      return send(
        res,
        status(
          504,
          'Timeout',
          'Timeout: request did not complete within requested timeout - context deadline exceeded',
          {},
        ),
      );
    case 'etcd':
      return send(res, status(500, '', 'etcdserver: request timed out'));
    case 'reset':
      return void res.socket?.destroy();
    case 'unavailable':
      if (a.retryAfter !== undefined) res.setHeader('retry-after', String(a.retryAfter));
      return send(res, status(503, 'ServiceUnavailable', 'the server is currently unable to handle the request'));
  }
}
