/**
 * Closed-loop executors (k6 `constant-vus`, `ramping-vus`): each active VU sends its next
 * request as soon as the previous one completed, so throughput = VUs / latency. With an
 * execution segment (`tuple`) the VU counts are this instance's ScaleInt64 shares of the
 * global ones, as k6's constant_vus.go (GetExecutionRequirements) and ramping_vus.go
 * (getRawExecutionSteps over a SegmentedIndex) compute them.
 */
import type { ConstantVus, RampingVus } from '../model.js';
import { gracefulRampDownMs, gracefulStopMs, profileDurationMs } from '../profile.js';
import type { Phase } from './phase.js';
import { maxVusOf, scale, segmentSteps, vuSteps } from './schedule.js';
import type { Tuple } from '../segments.js';
import type { Vu } from './vu.js';

export async function runClosedLoop(
  phase: Phase,
  profile: ConstantVus | RampingVus,
  vus: Vu[],
  makeVu: () => Vu,
  tuple?: Tuple,
): Promise<void> {
  const steps = segmentSteps(
    profile.executor === 'constant-vus' ? [{ atMs: 0, vus: profile.vus }] : vuSteps(profile),
    tuple,
  );
  const total = scale(profile.executor === 'constant-vus' ? profile.vus : maxVusOf(profile), tuple);
  let target = 0;
  let changed: () => void = () => {};
  let nextChange = new Promise<void>((r) => (changed = r));
  const setTarget = (n: number) => {
    const before = target;
    target = n;
    // ramp-down: a VU that is no longer needed finishes its iteration within gracefulRampDown (k6)
    if (profile.executor === 'ramping-vus') {
      for (let i = n; i < Math.min(before, vus.length); i++)
        vus[i].retire(gracefulRampDownMs(profile), () => i >= target);
    }
    const wake = changed;
    nextChange = new Promise<void>((r) => (changed = r));
    wake();
  };

  await phase.grow(vus, total, makeVu);
  const loops = vus.map(async (vu, i) => {
    while (!phase.ended) {
      if (i >= target) await nextChange;
      else await phase.iterate(vu);
    }
  });

  for (const step of steps) {
    if (!(await phase.sleepUntil(step.atMs))) break;
    setTarget(step.vus);
  }
  await phase.sleepUntil(profileDurationMs(profile));
  phase.end();
  changed(); // idle VUs leave their wait and see `ended`
  await phase.finish(() => Promise.all(loops), gracefulStopMs(profile));
}
