/**
 * Load caps, checked before anything is touched; the user raises one explicitly with a flag.
 * - On a real cluster (design.md "Safety rules": send load only to the target the user named;
 *   cap the rate): a typo must not flood a production gateway.
 * - Everywhere else (the local mesh, `meshproof load`): a ceiling for this machine (issue 13
 *   item 2). `vus: 1e9` would build a billion connections before the first request and
 *   `rate: 1e9` schedules a billion iterations a second; either exhausts memory or the CPU
 *   long before the duration ends.
 */
import type { LoadProfile } from '../load/model.js';
import { timeUnitMs } from '../load/profile.js';

/** Peak iterations per second an arrival-rate profile may schedule on a cluster: a busy production gateway shrugs it off, a typo like `rate: 100000` does not get through. */
export const DEFAULT_MAX_RATE = 1000;
/** Peak concurrent VUs on a cluster: bounds closed-loop concurrency (whose rate depends on the service) the same way. */
export const DEFAULT_MAX_VUS = 200;

/**
 * Peak iterations per second outside a cluster: about twice what the built-in engine sends
 * on loopback (README "Performance": ~44,000 req/s), so any rate the machine can reach passes
 * and a rate that could only fall behind and drop iterations is refused.
 */
export const LOCAL_MAX_RATE = 100_000;
/** Peak VUs outside a cluster: each VU holds its own connection (a socket, and on the local mesh two more behind it). */
export const LOCAL_MAX_VUS = 5_000;

/** How a cap reads in its message: what it is and the flags that raise it. */
export interface CapWording {
  /** "the scenario asks" / "the flags ask" */
  subject: string;
  name: string;
  rateFlag: string;
  vusFlag: string;
}
export const CLUSTER_CAP: CapWording = {
  subject: 'the scenario asks',
  name: 'the cluster cap',
  rateFlag: '--max-rate',
  vusFlag: '--max-vus',
};
export const LOCAL_CAP: CapWording = {
  subject: 'the scenario asks',
  name: "the local ceiling (this machine's memory and sockets)",
  rateFlag: '--max-rate',
  vusFlag: '--max-vus',
};

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
export function capProblem(p: LoadProfile, cap: LoadCap, w: CapWording = CLUSTER_CAP): string | undefined {
  const peak = peakLoad(p);
  if (peak.ratePerSecond !== undefined && peak.ratePerSecond > cap.maxRate) {
    return `load: ${w.subject} for up to ${round(peak.ratePerSecond)} requests/s, above ${w.name} of ${cap.maxRate}/s; lower it, or raise the cap with ${w.rateFlag} ${Math.ceil(peak.ratePerSecond)}`;
  }
  if (peak.vus > cap.maxVus) {
    return `load: ${w.subject} for up to ${peak.vus} VUs, above ${w.name} of ${cap.maxVus}; lower it, or raise the cap with ${w.vusFlag} ${peak.vus}`;
  }
  return undefined;
}

function round(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
}
