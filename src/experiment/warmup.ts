/**
 * The warm-up before each phase (issue D item 2): the phase's *starting* intensity, held for
 * `ms`, unmeasured. It opens keep-alive connections and fills pools so the measured phase does
 * not start cold (§2.2: a cold pool rejects differently from a warm one).
 */
import type { LoadProfile } from '../load/model.js';
import { formatDuration } from '../util/duration.js';

export function warmupProfile(profile: LoadProfile, ms: number): LoadProfile {
  const duration = formatDuration(ms);
  // gracefulStop 0s: a warm-up's stragglers are not worth waiting for
  const gracefulStop = '0s';
  switch (profile.executor) {
    case 'constant-vus':
      return { ...profile, duration, gracefulStop };
    case 'ramping-vus':
      return { executor: 'constant-vus', vus: Math.max(1, profile.startVUs ?? 0, profile.stages[0]?.target ?? 1), duration, gracefulStop };
    case 'constant-arrival-rate':
      return { ...profile, duration, gracefulStop };
    case 'ramping-arrival-rate':
      return {
        executor: 'constant-arrival-rate',
        rate: Math.max(1, profile.startRate ?? 0, profile.stages[0]?.target ?? 1),
        timeUnit: profile.timeUnit,
        duration,
        preAllocatedVUs: profile.preAllocatedVUs,
        maxVUs: profile.maxVUs,
        gracefulStop,
      };
  }
}
