/**
 * When meshproof sends a Kubernetes API request again, decided as client-go decides it, so the
 * cluster path survives what a busy real kube-apiserver answers the way kubectl does
 * (kubernetes/client-go rest/with_retry.go `IsNextRetry`, `checkWait`; rest/request.go
 * `request`, `retryAfterSeconds`):
 *
 *  - an answer 429 or ≥ 500 **carrying `Retry-After: N`** (N parsed as Go's `strconv.Atoi`) is
 *    sent again after N seconds, whatever the verb: the header is the server saying it did not
 *    process the request (API Priority and Fairness and max-in-flight reject before any handler:
 *    apiserver filters/priority-and-fairness.go → maxinflight.go `tooManyRequests`; a shutting-down
 *    server: filters/with_retry_after.go, 429 `Retry-After: 5`; a `ServerTimeout` Status,
 *    500 with details.retryAfterSeconds, gets the header from responsewriters `ErrorNegotiated`);
 *  - a 5xx **without** Retry-After is not: the server may have done the work (the request
 *    timeout filter's 504 "Timeout: request did not complete within requested timeout - context
 *    deadline exceeded" is `NewTimeoutError(…, 0)`, no header; "etcdserver: request timed out"
 *    and an admission webhook that failed are plain 500s);
 *  - a connection reset / EOF before any answer is sent again **for GET only**, with the
 *    artificial `Retry-After: 1` client-go makes for it (`retryAfterResponse`): "We are not
 *    automatically retrying "write" operations, as they are not idempotent" (request.go,
 *    `net.IsConnectionReset(err) || net.IsProbableEOF(err)`); a refused connection is not;
 *  - at most `maxRetries` (client-go `NewRequest`: `maxRetries: 10`) more sends.
 *
 * One bound client-go does not have (it waits as long as its context allows): the total time
 * spent waiting stays within `budgetMs`; a wait that would pass it is not taken, and the
 * answer in hand is the error. A request whose caller gave up (its `signal` aborted: a read's
 * timeout) is not sent again and its wait ends at once, as client-go's `Before` returns
 * `ctx.Err()` instead of retrying a canceled request — so no retry outlives its caller, keeps
 * sending to a busy server, or holds the process open on a timer. Not imitated: client-go's client-side token bucket (QPS 5,
 * burst 10) that also throttles each retry, and its optional exponential backoff manager
 * (off unless KUBE_CLIENT_BACKOFF_BASE is set).
 */

import { setTimeout as delay } from 'node:timers/promises';

/** client-go rest/request.go `NewRequest`: `maxRetries: 10`. */
export const API_MAX_RETRIES = 10;

/**
 * 120 s: at most this long waiting on Retry-After per request. APF's Retry-After starts at 1 s
 * and doubles while drops go on, to 32 s at most (apiserver util/flowcontrol
 * dropped_requests_tracker.go `maxRetryAfter = int64(32)`), so a few long waits fit, and a
 * restore still ends (and keeps its journal) within a couple of minutes of a server that
 * never recovers.
 */
export const API_RETRY_BUDGET_MS = 120_000;

export interface ApiRetryOptions {
  maxRetries: number;
  budgetMs: number;
  /** waits before a retry, rejecting when `signal` aborts; tests pass one that records the wait and returns at once */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** one line per retry, naming the answer and the wait */
  log: (line: string) => void;
}

/** node:timers/promises setTimeout: an abort rejects and clears the timer. */
export const realSleep = (ms: number, signal?: AbortSignal): Promise<void> => delay(ms, undefined, { signal });

/** What one send ended with: an HTTP answer, or a transport error before any. */
export type SendOutcome = { status: number; headers: Record<string, string> } | { error: unknown };

/** Why and how long to wait before sending again; undefined = do not send again. */
export interface RetryWait {
  seconds: number;
  /** "API server busy (429)", "API server unavailable (503)", "API connection reset (ECONNRESET)" */
  why: string;
}

/**
 * client-go `retryAfterSeconds`: the header as `strconv.Atoi` reads it (optional sign, decimal
 * digits, nothing else — an HTTP-date is not a number and does not count); negative waits none.
 */
export function retryAfterSeconds(headers: Record<string, string>): number | undefined {
  const h = headers['retry-after'];
  if (h === undefined || !/^[+-]?\d+$/.test(h)) return undefined;
  return Math.max(0, Number(h));
}

/** client-go `IsNextRetry` for one outcome (the count and time bounds are `sendWithRetry`'s). */
export function retryWait(method: string, outcome: SendOutcome): RetryWait | undefined {
  if ('error' in outcome) {
    const code = probableEofCode(outcome.error);
    // request.go isErrRetryableFunc: `if req.Method != "GET" { return false }`
    if (method !== 'GET' || !code) return undefined;
    return { seconds: 1, why: `API connection reset (${code})` };
  }
  // with_retry.go checkWait: "any 500 error code and 429 can trigger a wait"
  if (outcome.status !== 429 && outcome.status < 500) return undefined;
  const seconds = retryAfterSeconds(outcome.headers);
  if (seconds === undefined) return undefined;
  return { seconds, why: `API server ${outcome.status === 429 ? 'busy' : 'unavailable'} (${outcome.status})` };
}

/**
 * Node's names for what apimachinery util/net `IsConnectionReset` / `IsProbableEOF` match in Go:
 * ECONNRESET ("connection reset by peer"; also node's "socket hang up" when the server closes
 * before answering — Go's io.EOF), EPIPE ("broken pipe" / "can't write HTTP request on broken
 * connection"), a premature close (io.ErrUnexpectedEOF). ECONNREFUSED, timeouts and TLS errors
 * are none of these. node-fetch 2 (client-node 1.4's transport) puts the code on its FetchError.
 */
function probableEofCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE') return code;
  const message = String((err as { message?: unknown } | undefined)?.message ?? '');
  return /socket hang up|premature close/i.test(message) ? 'ECONNRESET' : undefined;
}

/** How often and how long an answer that failed in the end was retried; see `retriesOf`. */
export interface RetryRecord {
  retries: number;
  waitedMs: number;
}

// keyed by the answer's headers object (client-node's ApiException keeps that same object) or by
// the transport error: what explainApiError needs to say "after 10 retries"
const records = new WeakMap<object, RetryRecord>();

/** How often the request behind this client-node error was sent again, if at all. */
export function retriesOf(err: unknown): RetryRecord | undefined {
  const key = (err as { headers?: unknown } | undefined)?.headers ?? err;
  return typeof key === 'object' && key !== null ? records.get(key) : undefined;
}

/**
 * Sends, and sends again while `retryWait` says so, within the count and time bounds.
 * `send` gives the answer or throws the transport error; `discard` drains an answer that is
 * not returned (so its connection can be reused, as client-go `readAndCloseResponseBody`).
 * `what.signal`: once aborted, no more sends and no more waiting (with_retry.go `Before`).
 */
export async function sendWithRetry<R extends { httpStatusCode: number; headers: Record<string, string> }>(
  what: { method: string; path: string; signal?: AbortSignal },
  send: () => Promise<R>,
  discard: (answer: R) => Promise<void>,
  opts: ApiRetryOptions,
): Promise<R> {
  let waitedMs = 0;
  for (let retry = 0; ; retry++) {
    let outcome: SendOutcome;
    let answer: R | undefined;
    try {
      answer = await send();
      outcome = { status: answer.httpStatusCode, headers: answer.headers };
    } catch (error) {
      outcome = { error };
    }
    const wait = retryWait(what.method, outcome);
    const ms = (wait?.seconds ?? 0) * 1000;
    const done = () => {
      const last = answer ? answer.headers : (outcome as { error: unknown }).error;
      if (retry > 0 && typeof last === 'object' && last !== null) records.set(last, { retries: retry, waitedMs });
      if (answer) return answer;
      throw (outcome as { error: unknown }).error;
    };
    if (!wait || retry >= opts.maxRetries || waitedMs + ms > opts.budgetMs || what.signal?.aborted) return done();
    if (answer) await discard(answer);
    opts.log(
      `${wait.why} on ${what.method} ${what.path}: retrying in ${wait.seconds} s (retry ${retry + 1} of ${opts.maxRetries})`,
    );
    try {
      await opts.sleep(ms, what.signal);
    } catch (err) {
      if (!what.signal?.aborted) throw err;
    }
    // given up while waiting: the drained answer is gone, the abort is what the caller asked for
    if (what.signal?.aborted) throw what.signal.reason;
    waitedMs += ms;
  }
}
