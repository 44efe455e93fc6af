/** Names and units of the translation: service FQDNs, Envoy cluster names, protobuf durations, fractional percents. */
import { formatProtoDuration, parseDurationMs } from '../util/duration.js';
import type { EnvoyFractionalPercent } from './envoy.js';

// ---------- names ----------

/** Istio resolves a short host (no dot) in the object's namespace; anything with a dot is taken as is. */
export function serviceFqdn(host: string, namespace: string): string {
  return host.includes('.') || host.includes('*') ? host : `${host}.${namespace}.svc.cluster.local`;
}

/** §0: one Envoy cluster per (FQDN, port, subset). */
export function clusterName(fqdn: string, port: number, subset = ''): string {
  return `outbound|${port}|${subset}|${fqdn}`;
}

const DENOMINATOR = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 } as const;

/** Numerator per million, the unit the fault filter samples in (§5.2: `rand % 1e6 < n`). */
export function fractionToMillion(p: EnvoyFractionalPercent | undefined): number {
  if (!p) return 0;
  return Math.min(1_000_000, ((p.numerator ?? 0) * 1_000_000) / DENOMINATOR[p.denominator]);
}

/** An Istio duration string in ms; undefined stays undefined. */
export function ms(d: string | undefined): number | undefined {
  if (d === undefined) return undefined;
  return parseDurationMs(d);
}
/** An Istio duration string as Envoy prints it; undefined stays undefined. */
export function dur(d: string | undefined): string | undefined {
  const v = ms(d);
  return v === undefined ? undefined : formatProtoDuration(v);
}
