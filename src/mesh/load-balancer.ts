/**
 * Envoy's host pick for equally weighted endpoints (istio-envoy-semantics.md §3.4), one
 * instance per (cluster, worker) like Envoy's thread-local load balancers:
 *
 * - LEAST_REQUEST (Istio's default, `defaultLBAlgorithm()` in
 *   pilot/pkg/networking/core/cluster_traffic_policy.go): `unweightedHostPickNChoices` in
 *   envoyproxy/envoy source/extensions/load_balancing_policies/least_request/least_request_lb.cc —
 *   `choice_count` (2, least_request_lb.h; Istio never sets it) uniform draws *with replacement*,
 *   keep a later draw only if its `rq_active` is strictly lower (ties keep the first draw).
 *   `rq_active` counts requests attached to a connection (conn_pool_base.cc
 *   `attachStreamToClient`), summed over workers; pending requests count only behind the
 *   off-by-default `least_request_lb_count_pending_requests` guard, so not here. The
 *   `active_request_bias` only enters the EDF path for unequal weights, which Kubernetes
 *   endpoints (all weight 1) never take.
 * - ROUND_ROBIN: round_robin_lb.h `unweightedHostPick`, `hosts[rr_index++ % size]`, one index
 *   per host set (healthy / all in panic) per worker; `refreshHostSource` starts every index at
 *   `seed_`, drawn once per load balancer (`EdfLoadBalancerBase`: `seed_(random_.random())`,
 *   load_balancer_impl.cc), so each worker's rotation begins at a random host.
 * - RANDOM: random_lb.cc, `hosts[random() % size]`.
 */
import type { Rng } from '../util/random.js';

export const LB_POLICIES = ['LEAST_REQUEST', 'ROUND_ROBIN', 'RANDOM'] as const;
export type LbPolicy = (typeof LB_POLICIES)[number];

/** Envoy's `LeastRequest.choice_count` default (least_request_lb.h). */
export const LEAST_REQUEST_CHOICES = 2;

export interface LbHost {
  rqActive: number;
}

export interface HostPicker {
  /** `set` is the healthy set, or every host in panic (`panic` picks its own round-robin index) */
  pick<H extends LbHost>(set: readonly H[], panic: boolean): H;
}

export function createPicker(policy: LbPolicy, rng: Rng): HostPicker {
  switch (policy) {
    case 'ROUND_ROBIN': {
      const seed = rng.int(2 ** 32);
      const rr = { healthy: seed, panic: seed };
      return { pick: (set, panic) => set[rr[panic ? 'panic' : 'healthy']++ % set.length] };
    }
    case 'RANDOM':
      return { pick: (set) => set[rng.int(set.length)] };
    case 'LEAST_REQUEST':
      return { pick: (set) => leastRequest(set, rng) };
  }
}

function leastRequest<H extends LbHost>(set: readonly H[], rng: Rng): H {
  let candidate = set[rng.int(set.length)];
  for (let i = 1; i < LEAST_REQUEST_CHOICES; i++) {
    const sampled = set[rng.int(set.length)];
    if (sampled.rqActive < candidate.rqActive) candidate = sampled;
  }
  return candidate;
}
