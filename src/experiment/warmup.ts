/**
 * The warm-up before each phase: the phase's *starting* intensity, held for
 * `ms`, unmeasured. It opens keep-alive connections and fills the gateway's upstream pools so
 * the measured phase does not start cold (§2.2: a cold pool rejects differently from a warm one).
 *
 * Built from the ramping executors on purpose: k6 refuses a constant-vus or
 * constant-arrival-rate duration under 1 s (lib/executor/constant_vus.go `minDuration`, used by
 * ConstantVUsConfig.Validate and ConstantArrivalRateConfig.Validate), while ramping stages have
 * no floor (lib/executor/helpers.go validateStages only refuses negative ones). One stage whose
 * target equals the start value holds that value flat, so a 500 ms warm-up is valid on k6 and
 * means the same on the built-in engine.
 *
 * Why a separate engine run and not a second k6 scenario (startTime) in the measured process:
 * the gateway's /stats counters bracket the measured phase only (orchestrator.ts), and the pools
 * the warm-up is for are the gateway's, which outlive the client process. Two scenarios in one
 * k6 process would put the warm-up's requests inside that bracket.
 */
import type { LoadProfile } from '../load/model.js';
import { formatDuration } from '../util/duration.js';

export function warmupProfile(profile: LoadProfile, ms: number): LoadProfile {
  const duration = formatDuration(ms);
  // gracefulStop 0s: a warm-up's stragglers are not worth waiting for
  const gracefulStop = '0s';
  switch (profile.executor) {
    case 'constant-vus':
    case 'ramping-vus': {
      const vus = profile.executor === 'constant-vus' ? profile.vus : opening(profile.startVUs, profile.stages);
      return {
        executor: 'ramping-vus',
        startVUs: vus,
        stages: [{ duration, target: vus }],
        gracefulRampDown: '0s',
        gracefulStop,
      };
    }
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate': {
      const rate =
        profile.executor === 'constant-arrival-rate' ? profile.rate : opening(profile.startRate, profile.stages);
      return {
        executor: 'ramping-arrival-rate',
        startRate: rate,
        timeUnit: profile.timeUnit,
        stages: [{ duration, target: rate }],
        preAllocatedVUs: profile.preAllocatedVUs,
        maxVUs: profile.maxVUs ?? profile.preAllocatedVUs,
        gracefulStop,
      };
    }
  }
}

/** A ramping profile's opening intensity: the larger of its start value and first target, at least 1. */
function opening(start: number | undefined, stages: readonly { target: number }[]): number {
  return Math.max(1, start ?? 0, stages[0]?.target ?? 1);
}
