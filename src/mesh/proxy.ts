/**
 * Which Envoy the local gateway emulates where Envoy's behaviour changed between releases a
 * workshop may still run (istio-envoy-semantics.md §3.2 "The ejection cap"). The default is the
 * current rule; the old one is reachable only by naming it (`local.proxy: envoy-1.26` in a
 * scenario, `meshproof mesh --proxy envoy-1.26`), and every run says which rule it used.
 *
 * The outlier ejection cap, `DetectorImpl::ejectHost` (envoyproxy/envoy
 * `source/common/upstream/outlier_detection_impl.cc`):
 *   current:    ejected_percent = 100.0 * (ejections_active + 1) / hosts; eject iff ≤ max
 *               (`|| ejections_active == 0` only with `always_eject_one_host`, which Istio's
 *               `applyOutlierDetection` never sets — pilot/pkg/networking/core/cluster_traffic_policy.go)
 *   envoy-1.26: ejected_percent = 100.0 * ejections_active / hosts;       eject iff < max
 *               (the pre-2023 revisions of the same function; the 1.26/1.27 boundary is inferred, §9)
 */

export const PROXY_VERSIONS = ['current', 'envoy-1.26'] as const;
export type ProxyVersion = (typeof PROXY_VERSIONS)[number];

/** Envoy ≥ 1.27 (Istio ≥ 1.19): what a cluster installed today runs. */
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

/** One line for reports and the terminal: which ejection cap this run used. */
export function proxyRule(proxy: ProxyVersion): string {
  return proxy === 'envoy-1.26'
    ? 'proxy envoy-1.26 (Istio ≤ 1.18): ejection cap 100·ejected/hosts < maxEjectionPercent, the first ejection always allowed'
    : 'proxy current Envoy (≥ 1.27, Istio ≥ 1.19): ejection cap 100·(ejected+1)/hosts ≤ maxEjectionPercent';
}
