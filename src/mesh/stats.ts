/**
 * Counters with Envoy's stat names (`cluster.<name>.upstream_rq_pending_overflow`, …). They
 * live per cluster *name*, so they survive a config push that re-creates the cluster, as
 * Envoy's stat scopes do. Gauges are read from the live cluster state when rendered.
 */

/** Per-cluster counters; field names are Envoy's stat suffixes (dots as in Envoy). */
export function newClusterCounters() {
  return {
    upstream_rq_total: 0,
    upstream_rq_completed: 0,
    upstream_rq_pending_total: 0,
    upstream_rq_pending_overflow: 0,
    upstream_rq_pending_failure_eject: 0,
    upstream_rq_timeout: 0,
    upstream_rq_per_try_timeout: 0,
    upstream_rq_rx_reset: 0,
    upstream_rq_retry: 0,
    upstream_rq_retry_success: 0,
    upstream_rq_retry_overflow: 0,
    upstream_rq_retry_limit_exceeded: 0,
    /** retry_state_impl.cc enableBackoffTimer: every retry scheduled with the jittered backoff */
    upstream_rq_retry_backoff_exponential: 0,
    upstream_rq_1xx: 0,
    upstream_rq_2xx: 0,
    upstream_rq_3xx: 0,
    upstream_rq_4xx: 0,
    upstream_rq_5xx: 0,
    upstream_cx_total: 0,
    upstream_cx_overflow: 0,
    upstream_cx_connect_fail: 0,
    upstream_cx_connect_timeout: 0,
    upstream_cx_destroy: 0,
    upstream_cx_destroy_with_active_rq: 0,
    upstream_cx_destroy_remote_with_active_rq: 0,
    upstream_cx_max_requests: 0,
    upstream_cx_max_duration_reached: 0,
    upstream_cx_idle_timeout: 0,
    // outlier_detection_impl.cc `DetectorImpl::generateStats` (ALL_OUTLIER_DETECTION_STATS, every
    // counter `onConsecutiveErrorWorker`, `ejectHost` and `update{Detected,Enforced}EjectionStats`
    // touch): created with the detector, so shown only for a cluster with outlier detection
    // (ClusterStats.outlierDetection); success-rate and failure-percentage detection are off under
    // Istio (§3.1), their counters stay 0
    'outlier_detection.ejections_total': 0,
    'outlier_detection.ejections_enforced_total': 0,
    'outlier_detection.ejections_overflow': 0,
    'outlier_detection.ejections_consecutive_5xx': 0,
    'outlier_detection.ejections_success_rate': 0,
    'outlier_detection.ejections_enforced_consecutive_5xx': 0,
    'outlier_detection.ejections_detected_consecutive_5xx': 0,
    'outlier_detection.ejections_enforced_consecutive_gateway_failure': 0,
    'outlier_detection.ejections_detected_consecutive_gateway_failure': 0,
    'outlier_detection.ejections_enforced_consecutive_local_origin_failure': 0,
    'outlier_detection.ejections_detected_consecutive_local_origin_failure': 0,
    'outlier_detection.ejections_enforced_success_rate': 0,
    'outlier_detection.ejections_detected_success_rate': 0,
    'outlier_detection.ejections_enforced_local_origin_success_rate': 0,
    'outlier_detection.ejections_detected_local_origin_success_rate': 0,
    'outlier_detection.ejections_enforced_failure_percentage': 0,
    'outlier_detection.ejections_detected_failure_percentage': 0,
    'outlier_detection.ejections_enforced_local_origin_failure_percentage': 0,
    'outlier_detection.ejections_detected_local_origin_failure_percentage': 0,
  };
}
export type ClusterCounters = ReturnType<typeof newClusterCounters>;

/** Per-cluster counters plus per-status `upstream_rq_<code>`. */
export interface ClusterStats {
  c: ClusterCounters;
  codes: Map<number, number>;
  /** statuses of upstream responses that were retried, shown as `retry.upstream_rq_<code>` */
  retryCodes: Map<number, number>;
  /**
   * the cluster as last built has outlier detection: only then does Envoy create the
   * `outlier_detection.*` stats (`DetectorImplFactory::createForCluster` returns no detector, and
   * no stats, without `outlier_detection`) [INF: what a later push without it leaves of counters
   * already created was not traced; the mesh hides them]
   */
  outlierDetection: boolean;
}

/**
 * Charges a request's final outcome (Envoy's `chargeUpstreamCode`): `upstream_rq_completed`,
 * the class counter and `upstream_rq_<code>`. Envoy charges it once per request, for the
 * response it returns or for the local reply standing in for one (overflow and connect failure
 * → 503, timeouts → 504, no healthy upstream → 503) — not for attempts that were retried.
 */
export function chargeCode(s: ClusterStats, code: number): void {
  s.codes.set(code, (s.codes.get(code) ?? 0) + 1);
  const c = s.c;
  c.upstream_rq_completed++;
  if (code >= 500) c.upstream_rq_5xx++;
  else if (code >= 400) c.upstream_rq_4xx++;
  else if (code >= 300) c.upstream_rq_3xx++;
  else if (code >= 200) c.upstream_rq_2xx++;
  else c.upstream_rq_1xx++;
}

/** An upstream response that is retried goes to the `retry.` scope instead (router.cc). */
export function chargeRetriedCode(s: ClusterStats, code: number): void {
  s.retryCodes.set(code, (s.retryCodes.get(code) ?? 0) + 1);
}

/** `retry.upstream_rq_completed`, `retry.upstream_rq_<N>xx`, `retry.upstream_rq_<code>`. */
function retryCounters(out: Record<string, number>, prefix: string, codes: Map<number, number>): void {
  let completed = 0;
  for (const [code, v] of codes) {
    completed += v;
    const group = `${prefix}retry.upstream_rq_${Math.floor(code / 100)}xx`;
    out[group] = (out[group] ?? 0) + v;
    out[`${prefix}retry.upstream_rq_${code}`] = v;
  }
  if (completed > 0) out[`${prefix}retry.upstream_rq_completed`] = completed;
}

/** The gateway's HTTP connection manager stat prefix (Istio: `outbound_0.0.0.0_<port>`). */
export const HCM_PREFIX = 'http.outbound_0.0.0.0_8080';

export function newListenerCounters() {
  return {
    downstream_rq_total: 0,
    downstream_rq_2xx: 0,
    downstream_rq_4xx: 0,
    downstream_rq_5xx: 0,
    /**
     * every downstream stream reset, by the client or by the gateway (`ActiveStream::onResetStream`
     * counts it whatever the reason: a client gone mid-request, DC / DR, or a response reset after its headers)
     */
    downstream_rq_rx_reset: 0,
    /**
     * every downstream stream the gateway itself resets (conn_manager_impl.cc
     * `ActiveStream::resetStream`, the filter manager's `resetStream` callback): a local reply
     * once the response headers went out — the router's upstream reset (UC) or route timeout
     * (UT) mid-body (filter_manager.cc `sendLocalReply`: "response headers have already been
     * sent to the client. All we can do at this point is reset the stream"). `resetStream` then
     * calls `doEndStream`, whose codec reset reaches `onResetStream`, so each also counts
     * `downstream_rq_rx_reset`. A stream the codec or `doEndStream` resets on its own (a codec
     * error's reply, the 426, a client gone) counts only `downstream_rq_rx_reset`.
     */
    downstream_rq_tx_reset: 0,
    /** a path that does not start with `/` (404, §6.1 Paths) */
    downstream_rq_non_relative_path: 0,
    /** a path normalisation refused (400, §6.1 Paths) */
    downstream_rq_failed_path_normalization: 0,
    no_route: 0,
    no_cluster: 0,
    'fault.delays_injected': 0,
    'fault.aborts_injected': 0,
  };
}
export type ListenerCounters = ReturnType<typeof newListenerCounters>;

const OUTLIER_PREFIX = 'outlier_detection.';

export class StatsStore {
  readonly clusters = new Map<string, ClusterStats>();
  readonly listener = newListenerCounters();

  cluster(name: string): ClusterStats {
    let s = this.clusters.get(name);
    if (!s) {
      s = { c: newClusterCounters(), codes: new Map(), retryCodes: new Map(), outlierDetection: false };
      this.clusters.set(name, s);
    }
    return s;
  }

  /** Every counter as `name → value` (gauges are added by the caller). */
  counters(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, s] of this.clusters) {
      for (const [k, v] of Object.entries(s.c))
        if (s.outlierDetection || !k.startsWith(OUTLIER_PREFIX)) out[`cluster.${name}.${k}`] = v;
      for (const [code, v] of s.codes) out[`cluster.${name}.upstream_rq_${code}`] = v;
      retryCounters(out, `cluster.${name}.`, s.retryCodes);
    }
    for (const [k, v] of Object.entries(this.listener)) out[`${HCM_PREFIX}.${k}`] = v;
    return out;
  }
}

/** Envoy's `/stats` text: `name: value`, one per line, sorted by name. */
export function renderStatsText(values: Record<string, number>): string {
  return Object.keys(values)
    .sort()
    .map((k) => `${k}: ${values[k]}\n`)
    .join('');
}
