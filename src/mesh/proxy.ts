/**
 * Which Envoy the local gateway emulates where Envoy's behaviour changed between releases a
 * workshop may still run (istio-envoy-semantics.md §3.2 "The ejection cap", §6.1 "Resets"). The
 * default is current Envoy (the 1.37 of Istio 1.29); the old rules are reachable only by naming
 * them (`local.proxy: envoy-1.26` in a scenario, `meshproof mesh --proxy envoy-1.26`), and every
 * run says which rules it used. The name stays `envoy-1.26` (scenarios use it); the rules it
 * selects are those of every Envoy before 1.28 (Istio before 1.20), 1.26 and 1.27 alike.
 *
 * 1. The outlier ejection cap, `DetectorImpl::ejectHost` (envoyproxy/envoy
 *    `source/common/upstream/outlier_detection_impl.cc`):
 *      current:    ejected_percent = 100.0 * (ejections_active + 1) / hosts; eject iff ≤ max
 *                  (`|| ejections_active == 0` only with `always_eject_one_host`, which Istio's
 *                  `applyOutlierDetection` never sets — pilot/pkg/networking/core/cluster_traffic_policy.go)
 *      envoy-1.26: ejected_percent = 100.0 * ejections_active / hosts;       eject iff < max
 *    Envoy 1.28.0's changelog (changelogs/1.28.0.yaml, minor_behavior_changes, outlier detection):
 *    "Outlier detection will always respect max_ejection_percent now", runtime guard
 *    `envoy.reloadable_features.check_mep_on_first_eject` (since removed: the rule is fixed).
 * 2. The ejection multiplier's decay, `DetectorImpl::onIntervalTimer`: current Envoy decrements
 *    it only for a host that "is healthy and was not ejected since the last check"
 *    (`now - lastUnejectionTime >= interval`), so not on the tick that brings a host back; Envoy
 *    1.28.0's changelog: "A node must stay in healthy state for at least one period of check
 *    interval before ejection time multiplier is decremented". Before, the same tick that
 *    un-ejected a host also decremented its multiplier [INF: the pre-1.28 loop not re-read; the
 *    changelog's sentence], so a host that fails again at once is ejected for `base` again
 *    rather than 2 × `base`.
 * 3. The code of an HTTP/2 stream the gateway resets (§6.1 Resets; `http2/codec_impl.cc`
 *    `reasonToReset`, its default branch): Envoy 1.37.0 changelog (changelogs/1.37.0.yaml,
 *    behavior_changes, http): "Changed the default reset code from NO_ERROR to INTERNAL_ERROR",
 *    runtime guard `envoy.reloadable_features.reset_with_error` (on); before, NO_ERROR. Istio
 *    1.29 ships Envoy 1.37 and overrides neither guard in its bootstrap (pkg/bootstrap/config.go
 *    `extractRuntimeFlags`). The named old version keeps NO_ERROR with the other old rules.
 */
import { constants as h2 } from 'node:http2';

export const PROXY_VERSIONS = ['current', 'envoy-1.26'] as const;
export type ProxyVersion = (typeof PROXY_VERSIONS)[number];

/** Envoy ≥ 1.28 (Istio ≥ 1.20), as Istio 1.29's Envoy 1.37 runs it: what a cluster installed today runs. */
export const DEFAULT_PROXY: ProxyVersion = 'current';

export function isProxyVersion(v: unknown): v is ProxyVersion {
  return (PROXY_VERSIONS as readonly unknown[]).includes(v);
}

/** §3.2: may one more host be ejected, with `ejected` of `hosts` already ejected? */
export function ejectionAllowed(
  proxy: ProxyVersion,
  ejected: number,
  hosts: number,
  maxEjectionPercent: number,
): boolean {
  const max = Math.min(100, maxEjectionPercent);
  if (proxy === 'envoy-1.26') return (100 * ejected) / hosts < max;
  return (100 * (ejected + 1)) / hosts <= max;
}

/** §3.2: does the interval tick that brings a host back also decrement its ejection multiplier? */
export function decaysOnUnejectTick(proxy: ProxyVersion): boolean {
  return proxy === 'envoy-1.26';
}

/** §6.1 Resets: the RST_STREAM code of an HTTP/2 stream the gateway itself resets. */
export function localResetCode(proxy: ProxyVersion): number {
  return proxy === 'envoy-1.26' ? h2.NGHTTP2_NO_ERROR : h2.NGHTTP2_INTERNAL_ERROR;
}

/** One line for reports and the terminal: which version-dependent rules this run used. */
export function proxyRule(proxy: ProxyVersion): string {
  return proxy === 'envoy-1.26'
    ? 'proxy envoy-1.26 (Envoy ≤ 1.27, Istio ≤ 1.19): ejection cap 100·ejected/hosts < maxEjectionPercent, the first ejection always allowed'
    : 'proxy current Envoy (≥ 1.28, Istio ≥ 1.20; Istio 1.29 ships 1.37): ejection cap 100·(ejected+1)/hosts ≤ maxEjectionPercent';
}
