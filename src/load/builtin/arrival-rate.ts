/**
 * Open-loop executors (k6 `constant-arrival-rate`, `ramping-arrival-rate`): iterations start
 * on schedule whatever the responses do. Each takes a free VU from the pool; when none is
 * free the iteration is dropped (dropped_iterations) and, below maxVUs, one more VU is added
 * for the iterations that follow — k6's behaviour. Latency is measured from the scheduled
 * start as well as from the send, so a stalled generator cannot hide slow seconds
 * (no coordinated omission). With an execution segment, this instance starts only its
 * stripe of the global iterations, with its share of the VUs (schedule.ts segmentArrivals).
 */
import type { ConstantArrivalRate, RampingArrivalRate } from '../model.js';
import { gracefulStopMs, profileDurationMs } from '../profile.js';
import type { Phase } from './phase.js';
import { arrivalMaxVus, arrivalTimes, arrivalVus, segmentArrivals } from './schedule.js';
import type { Tuple } from '../segments.js';
import type { Vu } from './vu.js';

export async function runArrivalRate(
  phase: Phase,
  profile: ConstantArrivalRate | RampingArrivalRate,
  vus: Vu[],
  makeVu: () => Vu,
  segment?: Tuple,
): Promise<void> {
  const { preAllocated, max: maxVus } = arrivalVus(profile, segment);
  // the arrival-rate executors' Init: the tuple re-cut by maxVUs (GetNewExecutionTupleFromValue)
  // decides which iterations this instance starts, not how many VUs it has
  const tuple = segment?.fromValue(arrivalMaxVus(profile));
  await phase.grow(vus, preAllocated, makeVu);
  const free = [...vus];
  // iterations in flight, and who waits for them to drain (counted, not kept: nothing per request)
  let inFlight = 0;
  let drained: (() => void) | undefined;
  // a bug in recording must not become an unhandled rejection: it fails the run once everything has stopped
  let failure: { error: unknown } | undefined;
  const iteration = async (vu: Vu, at: number) => {
    try {
      await phase.iterate(vu, at);
    } catch (error) {
      failure ??= { error };
    }
    free.push(vu);
    if (--inFlight === 0) drained?.();
  };

  for (const at of segmentArrivals(arrivalTimes(profile), tuple)) {
    if (!(await phase.sleepUntil(at))) break;
    const vu = free.pop();
    if (!vu) {
      phase.recorder.droppedIterations++;
      if (vus.length < maxVus) {
        const grown = makeVu();
        vus.push(grown);
        free.push(grown);
      }
      continue;
    }
    inFlight++;
    void iteration(vu, at);
  }
  await phase.sleepUntil(profileDurationMs(profile));
  phase.end();
  const allDone = () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (drained = resolve)));
  await phase.finish(allDone, gracefulStopMs(profile));
  if (failure) throw failure.error;
}
