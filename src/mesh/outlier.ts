/**
 * Envoy's outlier detector, per cluster, per host (istio-envoy-semantics.md §3.2,
 * `outlier_detection_impl.cc`): consecutive 5xx and gateway-error counters, immediate
 * ejection when a threshold is reached (exact equality, counter reset after the attempt),
 * the `max_ejection_percent` cap of the emulated proxy version (src/mesh/proxy.ts: current
 * Envoy 100·(ejected+1)/hosts ≤ max, Envoy ≤ 1.26 100·ejected/hosts < max), a backoff multiplier that grows
 * per ejection and decays per healthy tick, and un-ejection only on the sweep timer, which
 * ticks every `interval` from cluster creation.
 *
 * The detector owns the per-host outlier state (Envoy's `DetectorHostMonitorImpl`, one per
 * host, held by the detector) and reports every ejection and un-ejection through a callback
 * (Envoy's `addChangedStateCb`): the cluster rebuilds its healthy set and drains the host's
 * pools there. It knows hosts only as keys, and the cluster only through the callback.
 */
import type { OutlierSettings } from './cluster-config.js';
import type { ClusterStats } from './stats.js';
import { decaysOnUnejectTick, ejectionAllowed, type ProxyVersion } from './proxy.js';

/** What one attempt tells the detector; local-origin events map to 503/504 unless split (§3.1). */
export const LocalOrigin = {
  connectFailed: 'connect-failed',
  timeout: 'timeout',
  reset: 'reset',
  connectOk: 'connect-ok',
} as const;
export type LocalOrigin = (typeof LocalOrigin)[keyof typeof LocalOrigin];

type Kind = 'consecutive_5xx' | 'consecutive_gateway_failure' | 'consecutive_local_origin_failure';

/** One host's outlier state (§3.2). */
class HostMonitor {
  ejected = false;
  ejectedAt = 0;
  backoff = 0;
  c5xx = 0;
  cGw = 0;
  cLocal = 0;
}

/** Called when a host is ejected (`true`) or brought back (`false`). */
export type EjectionCallback<H> = (host: H, ejected: boolean) => void;

export class OutlierDetector<H extends object> {
  private readonly timer: NodeJS.Timeout;
  private readonly monitors = new Map<H, HostMonitor>();
  private ejectedHosts = 0;

  constructor(
    hosts: readonly H[],
    readonly s: OutlierSettings,
    private readonly stats: ClusterStats,
    private readonly now: () => number,
    private readonly proxy: ProxyVersion,
    private readonly onChange: EjectionCallback<H>,
  ) {
    for (const h of hosts) this.monitors.set(h, new HostMonitor());
    this.timer = setInterval(() => this.sweep(), s.intervalMs);
  }

  isEjected(h: H): boolean {
    return this.monitors.get(h)?.ejected ?? false;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** An upstream HTTP status (every attempt, including retries, §3.2). */
  onStatus(host: H, code: number): void {
    const h = this.monitor(host);
    if (code >= 500) {
      if (code === 502 || code === 503 || code === 504) {
        if (++h.cGw === this.s.consecutiveGateway) {
          this.tryEject(host, h, 'consecutive_gateway_failure', this.s.enforcingGateway);
          h.cGw = 0;
        }
      } else h.cGw = 0;
      if (++h.c5xx === this.s.consecutive5xx) {
        this.tryEject(host, h, 'consecutive_5xx', this.s.enforcing5xx);
        h.c5xx = 0; // reset even if the ejection was refused
      }
    } else {
      h.c5xx = 0;
      h.cGw = 0;
    }
  }

  /** A local-origin event; non-split mode maps connect failure/reset → 503, timeout → 504 (§3.1). */
  onLocalOrigin(host: H, e: LocalOrigin): void {
    if (!this.s.splitLocalOrigin) {
      if (e === LocalOrigin.connectOk) return;
      return this.onStatus(host, e === LocalOrigin.timeout ? 504 : 503);
    }
    const h = this.monitor(host);
    if (e === LocalOrigin.connectOk) {
      h.cLocal = 0;
      return;
    }
    if (++h.cLocal === this.s.consecutiveLocal) {
      this.tryEject(host, h, 'consecutive_local_origin_failure', this.s.enforcingLocal);
      h.cLocal = 0;
    }
  }

  /**
   * Envoy's `onConsecutiveErrorWorker` + `ejectHost`, in its order: an already-ejected host is
   * ignored (not even "detected"); then the `max_ejection_percent` check (overflow counts even
   * for a kind that is not enforced); the deprecated `ejections_total` counts 5xx detections
   * within the cap, enforced or not; only then does enforcement decide (Istio: 100 when the
   * threshold is > 0, else 0 — e.g. the unset gateway-error kind is detected, never enforced).
   */
  private tryEject(host: H, h: HostMonitor, kind: Kind, enforcing: number): void {
    if (h.ejected) return;
    const c = this.stats.c;
    c[`outlier_detection.ejections_detected_${kind}`]++;
    // the deprecated `ejections_consecutive_5xx`: every consecutive-5xx detection of a host not
    // yet ejected, refused or not (onConsecutiveErrorWorker, after ejectHost)
    if (kind === 'consecutive_5xx') c['outlier_detection.ejections_consecutive_5xx']++;
    if (!ejectionAllowed(this.proxy, this.ejectedHosts, this.monitors.size, this.s.maxEjectionPercent)) {
      c['outlier_detection.ejections_overflow']++;
      return;
    }
    if (kind === 'consecutive_5xx') c['outlier_detection.ejections_total']++;
    if (enforcing <= 0) return;
    h.ejected = true;
    this.ejectedHosts++;
    h.ejectedAt = this.now();
    if (h.backoff * this.s.baseEjectionMs < this.s.maxEjectionMs + this.s.baseEjectionMs) h.backoff++;
    c['outlier_detection.ejections_enforced_total']++;
    c[`outlier_detection.ejections_enforced_${kind}`]++;
    this.onChange(host, true);
  }

  private monitor(host: H): HostMonitor {
    const m = this.monitors.get(host);
    if (!m) throw new Error('outlier detector: a host outside the cluster');
    return m;
  }

  /**
   * The interval tick (`DetectorImpl::onIntervalTimer`): un-eject hosts whose time is up
   * (`checkHostForUneject`), then decay the multiplier of every host that was healthy for the
   * whole interval — current Envoy skips the host this very tick brought back ("Node is healthy
   * and was not ejected since the last check": `now - lastUnejectionTime >= interval`); Envoy
   * before 1.28 decremented it too (proxy.ts `decaysOnUnejectTick`).
   */
  private sweep(): void {
    const now = this.now();
    for (const [host, h] of this.monitors) {
      if (!h.ejected) {
        if (h.backoff > 0) h.backoff--;
        continue;
      }
      if (now - h.ejectedAt >= Math.min(this.s.baseEjectionMs * h.backoff, this.s.maxEjectionMs)) {
        h.ejected = false;
        h.c5xx = 0;
        h.cGw = 0;
        h.cLocal = 0;
        if (decaysOnUnejectTick(this.proxy) && h.backoff > 0) h.backoff--;
        this.ejectedHosts--;
        this.onChange(host, false);
      }
    }
  }
}
