/**
 * A cluster's circuit-breaker resources (§2.1, §2.3), Envoy's `ResourceManager`
 * (`source/common/upstream/resource_manager_impl.h`): the cluster-wide counts of connections,
 * pending requests, active requests and active retries — shared by every worker and every
 * connection pool — next to the limits they are checked against. Pools and retry state change
 * the counts through this object only.
 */
import type { ClusterSettings } from './cluster-config.js';

type Limits = Pick<ClusterSettings, 'maxConnections' | 'maxPending' | 'maxRequests' | 'maxRetries' | 'retryBudget'>;

export class ClusterResources {
  cx = 0;
  pending = 0;
  active = 0;
  retries = 0;

  constructor(readonly limits: Limits) {}

  /** Concurrent retries allowed now: `max_retries`, or the retry budget when set (§2.1). */
  retryLimit(): number {
    const b = this.limits.retryBudget;
    if (!b) return this.limits.maxRetries;
    return Math.max(b.minConcurrency, Math.floor(((this.active + this.pending) * b.percent) / 100));
  }
}
