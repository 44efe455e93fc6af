/**
 * How many per-second request Counters the k6 script defines: the whole run, gracefulStop
 * included, plus one second for rounding. Reuses the Node side's profile timing
 * (src/load/profile.ts is pure ES2017), so both sides agree on the length of a run.
 */
import type { LoadProfile } from '../../src/load/model.js';
import { profileMaxDurationMs } from '../../src/load/profile.js';

export function timelineSeconds(profile: LoadProfile): number {
  return Math.ceil(profileMaxDurationMs(profile) / 1000) + 1;
}
