/**
 * The rate cap for real clusters (design.md "Safety rules": send load only to the target the
 * user named; cap the rate). A scenario that would exceed the cap is refused before anything
 * is touched, unless the user raises the cap explicitly (`--max-rate`, `--max-vus`). The
 * local mesh is not capped: it is ours, on loopback.
 */
import type { LoadProfile } from '../load/model.js';
import { timeUnitMs } from '../load/profile.js';

/** Peak iterations per second an arrival-rate profile may schedule on a cluster: a busy production gateway shrugs it off, a typo like `rate: 100000` does not get through. */
export const DEFAULT_MAX_RATE = 1000;
/** Peak concurrent VUs on a cluster: bounds closed-loop concurrency (whose rate depends on the service) the same way. */
export const DEFAULT_MAX_VUS = 200;

export interface LoadCap {
  maxRate: number;
  maxVus: number;
}

/** The highest VU count and (arrival-rate only) iteration rate per second a profile asks for. */
export function peakLoad(p: LoadProfile): { vus: number; ratePerSecond?: number } {
  switch (p.executor) {
    case 'constant-vus':
      return { vus: p.vus };
    case 'ramping-vus':
      return { vus: Math.max(p.startVUs ?? 1, ...p.stages.map((s) => s.target)) };
    case 'constant-arrival-rate':
      return { vus: p.maxVUs ?? p.preAllocatedVUs, ratePerSecond: (p.rate * 1000) / timeUnitMs(p) };
    case 'ramping-arrival-rate': {
      const peak = Math.max(p.startRate ?? 0, ...p.stages.map((s) => s.target));
      return { vus: p.maxVUs ?? p.preAllocatedVUs, ratePerSecond: (peak * 1000) / timeUnitMs(p) };
    }
  }
}

/** Why the profile exceeds the cap (one sentence naming the flag that raises it), or undefined. */
export function capProblem(p: LoadProfile, cap: LoadCap): string | undefined {
  const peak = peakLoad(p);
  if (peak.ratePerSecond !== undefined && peak.ratePerSecond > cap.maxRate) {
    return `load: the scenario asks for up to ${round(peak.ratePerSecond)} requests/s, above the cluster cap of ${cap.maxRate}/s; lower it, or raise the cap with --max-rate ${Math.ceil(peak.ratePerSecond)}`;
  }
  if (peak.vus > cap.maxVus) {
    return `load: the scenario asks for up to ${peak.vus} VUs, above the cluster cap of ${cap.maxVus}; lower it, or raise the cap with --max-vus ${peak.vus}`;
  }
  return undefined;
}

function round(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
}
