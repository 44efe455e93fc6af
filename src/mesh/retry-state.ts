/**
 * Envoy's per-request retry state (`retry_state_impl.cc`, istio-envoy-semantics.md §4.2,
 * §4.3): which outcomes retryOn covers, the retry limit (URX), the cluster-wide
 * `max_retries` / retry-budget slot a scheduled retry holds until its attempt's outcome (UO),
 * and full-jitter exponential backoff.
 */
import type http from 'node:http';
import type { ClusterResources } from './resources.js';
import type { ClusterStats } from './stats.js';
import { GRPC_RETRY, RetryOn, type CompiledRetry } from './route-config.js';
import type { Rng } from '../util/random.js';

/** yes: retry after `backoffMs()`; no: retryOn does not cover it; limit → URX; overflow → UO. */
export type RetryDecision = 'yes' | 'no' | 'limit' | 'overflow';

/** Failures without a response, and the retryOn tokens that retry each (§4.2). */
export const RETRY_ON_CONNECT_FAILURE =
  RetryOn['connect-failure'] |
  RetryOn['5xx'] |
  RetryOn['gateway-error'] |
  RetryOn.reset |
  RetryOn['reset-before-request'];
export const RETRY_ON_RESET = RetryOn['5xx'] | RetryOn['gateway-error'] | RetryOn.reset;
export const RETRY_ON_PER_TRY_TIMEOUT = RetryOn['5xx'] | RetryOn['gateway-error'] | RetryOn.reset;

export class RetryState {
  private left: number;
  /** JitteredExponentialBackOffStrategy `next_interval_`: base, then doubled up to the max */
  private nextIntervalMs = 0;
  private holds = false;

  constructor(
    readonly policy: CompiledRetry | null,
    private readonly resources: ClusterResources,
    private readonly stats: ClusterStats,
    private readonly rng: Rng,
  ) {
    this.left = policy?.numRetries ?? 0;
  }

  /** Does retryOn cover this upstream response? */
  coversStatus(status: number, headers: http.IncomingHttpHeaders): boolean {
    const r = this.policy;
    if (!r) return false;
    const on = r.on;
    // a rate-limited answer is retried only with envoy-ratelimited (§4.2)
    if (headers['x-envoy-ratelimited'] !== undefined) return (on & RetryOn['envoy-ratelimited']) !== 0;
    if (on & RetryOn['5xx'] && status >= 500) return true;
    if (on & RetryOn['gateway-error'] && (status === 502 || status === 503 || status === 504)) return true;
    if (on & RetryOn['retriable-4xx'] && status === 409) return true;
    if (on & RetryOn['retriable-status-codes'] && r.codes.includes(status)) return true;
    const grpc = headers['grpc-status'];
    if (grpc !== undefined) {
      const g = Number(grpc);
      for (const [bit, code] of GRPC_RETRY) if (on & bit && g === code) return true;
    }
    return false;
  }

  /** Does retryOn cover a failure without a response (one of the RETRY_ON_* sets)? */
  coversFailure(bits: number): boolean {
    return this.policy !== null && (this.policy.on & bits) !== 0;
  }

  /** Envoy `shouldRetry`: limit first, then the cluster's retry limit, then go. */
  decide(wouldRetry: boolean): RetryDecision {
    const c = this.stats.c;
    if (!wouldRetry) {
      if (this.holds) c.upstream_rq_retry_success++;
      this.release();
      return 'no';
    }
    this.release();
    if (this.left === 0) {
      c.upstream_rq_retry_limit_exceeded++;
      return 'limit';
    }
    this.left--;
    if (this.resources.retries >= this.resources.retryLimit()) {
      c.upstream_rq_retry_overflow++;
      return 'overflow';
    }
    this.resources.retries++;
    this.holds = true;
    c.upstream_rq_retry++;
    // every retry here waits a jittered backoff (no rate-limited reset headers, no HTTP/3)
    c.upstream_rq_retry_backoff_exponential++;
    return 'yes';
  }

  /** Gives back the retry slot (the retried attempt ended, or the request did). */
  release(): void {
    if (!this.holds) return;
    this.holds = false;
    this.resources.retries--;
  }

  /**
   * Envoy `JitteredExponentialBackOffStrategy::nextBackOffMs` (source/common/common/
   * backoff_strategy.cc, .h): `random() % next_interval_`, where next_interval_ starts at the
   * base and doubles while it is below `doubling_limit_` (= max / 2, integer division), then
   * stays at max. Default base 25 ms, max 250: retry 1 in [0,24], 2 in [0,49], 3 in [0,99],
   * 4 in [0,199], then [0,249]. (router_filter.rst's "0-74ms, 0-174ms" describes the strategy
   * before its rewrite; the doc was never updated.)
   */
  backoffMs(): number {
    const r = this.policy as CompiledRetry;
    const backoff = this.nextIntervalMs || Math.max(1, r.baseMs);
    this.nextIntervalMs = backoff < Math.floor(r.maxMs / 2) ? backoff * 2 : Math.max(r.maxMs, 1);
    return Math.floor(this.rng.next() * backoff);
  }
}
