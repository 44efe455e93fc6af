/**
 * When things happen, as pure functions of the profile: the VU count over time for
 * ramping-vus, and the start time of every iteration for the arrival-rate executors. Both
 * ramp linearly between stages, like k6.
 */
import { parseDurationMs } from '../../util/duration.js';
import type { ConstantArrivalRate, RampingArrivalRate, RampingVus } from '../model.js';
import { DEFAULT_START_VUS, profileDurationMs, timeUnitMs } from '../profile.js';
import type { Tuple } from '../segments.js';

export interface VuStep {
  /** ms since phase start */
  atMs: number;
  vus: number;
}

/**
 * ramping-vus: the VU count changes by one each time the linear ramp crosses an integer —
 * going up the n-th VU starts when the line reaches n, going down it stops when the line
 * reaches n − 1 (k6 `ramping-vus` execution steps). A zero-length stage jumps.
 */
export function vuSteps(profile: RampingVus): VuStep[] {
  let vus = profile.startVUs ?? DEFAULT_START_VUS;
  const steps: VuStep[] = [{ atMs: 0, vus }];
  let start = 0;
  for (const stage of profile.stages) {
    const d = parseDurationMs(stage.duration) ?? 0;
    const from = vus,
      to = stage.target;
    if (d === 0) {
      if (to !== from) steps.push({ atMs: start, vus: to });
    } else {
      const dir = to > from ? 1 : -1;
      for (let v = from + dir; dir > 0 ? v <= to : v >= to; v += dir) {
        steps.push({ atMs: start + (d * Math.abs(v - from)) / Math.abs(to - from), vus: v });
      }
    }
    vus = to;
    start += d;
  }
  return steps;
}

/** An execution segment's share of a global VU count (ExecutionTuple.ScaleInt64); no segment = all of it. */
export function scale(vus: number, tuple?: Tuple): number {
  return tuple ? tuple.scaleInt64(vus) : vus;
}

/** An arrival-rate profile's global maxVUs (never below preAllocatedVUs; unset = preAllocatedVUs). */
export function arrivalMaxVus(profile: ConstantArrivalRate | RampingArrivalRate): number {
  return Math.max(profile.preAllocatedVUs, profile.maxVUs ?? profile.preAllocatedVUs);
}

/**
 * An arrival-rate instance's VUs: preAllocatedVUs and maxVUs scaled by its own execution tuple
 * — constant_arrival_rate.go / ramping_arrival_rate.go Run take GetPreAllocatedVUs and
 * GetMaxVUs of `executionState.ExecutionTuple`, not of the tuple Init re-cut by maxVUs (that
 * one only stripes the iterations). 3 instances, preAllocatedVUs 9, maxVUs 10: 3/3/3 and 4/3/3.
 */
export function arrivalVus(
  profile: ConstantArrivalRate | RampingArrivalRate,
  tuple?: Tuple,
): { preAllocated: number; max: number } {
  return { preAllocated: scale(profile.preAllocatedVUs, tuple), max: scale(arrivalMaxVus(profile), tuple) };
}

/** The global VU steps as one segment sees them: each count scaled, unchanged counts dropped (ramping_vus.go addStep). */
export function segmentSteps(steps: VuStep[], tuple?: Tuple): VuStep[] {
  if (!tuple) return steps;
  const out: VuStep[] = [];
  for (const s of steps) {
    const vus = tuple.scaleInt64(s.vus);
    if (out.length === 0 || out[out.length - 1].vus !== vus) out.push({ atMs: s.atMs, vus });
  }
  return out;
}

/**
 * The arrival times this segment starts: the global schedule's iterations whose index is in the
 * segment's stripe (constant_arrival_rate.go / ramping_arrival_rate.go Run walk `gi` over
 * GetStripedOffsets of the tuple re-cut by maxVUs, each at the unscaled schedule's time).
 */
export function* segmentArrivals(times: Iterable<number>, tuple?: Tuple): Generator<number> {
  if (!tuple) return yield* times;
  const stripe = tuple.stripe();
  let mine = stripe.next().value as number;
  let i = 0;
  for (const at of times) {
    if (i++ !== mine) continue;
    mine = stripe.next().value as number;
    yield at;
  }
}

/** The largest VU count a ramping-vus profile asks for. */
export function maxVusOf(profile: RampingVus): number {
  return Math.max(profile.startVUs ?? DEFAULT_START_VUS, ...profile.stages.map((s) => s.target));
}

interface RateSegment {
  startMs: number;
  durationMs: number;
  /** iterations per ms at segment start and end */
  r0: number;
  r1: number;
  /** iterations scheduled before this segment */
  before: number;
}

function rateSegments(profile: ConstantArrivalRate | RampingArrivalRate): RateSegment[] {
  const unit = timeUnitMs(profile);
  if (profile.executor === 'constant-arrival-rate') {
    const r = profile.rate / unit;
    return [{ startMs: 0, durationMs: profileDurationMs(profile), r0: r, r1: r, before: 0 }];
  }
  const segments: RateSegment[] = [];
  let rate = (profile.startRate ?? 0) / unit,
    start = 0,
    before = 0;
  for (const stage of profile.stages) {
    const d = parseDurationMs(stage.duration) ?? 0;
    const r1 = stage.target / unit;
    if (d > 0) {
      segments.push({ startMs: start, durationMs: d, r0: rate, r1, before });
      before += ((rate + r1) / 2) * d;
    }
    rate = r1;
    start += d;
  }
  return segments;
}

/**
 * Start times (ms since phase start) of the iterations, as k6 schedules them. Lazy: a long run
 * never materialises its schedule (bounded memory).
 *
 * constant-arrival-rate: iteration i (from 0) at i × timeUnit/rate, the first at 0 — a constant
 * 50/s for 4 s starts exactly 200 (lib/executor/constant_arrival_rate.go Run: tickerPeriod × gi,
 * gi from 0). ramping-arrival-rate: iteration n (from 1) when the rate's integral reaches n
 * (ramping_arrival_rate.go cal(): `i = start + 1`), so even a flat stage starts one period in,
 * and one falling exactly on the end is not started (Run returns when the regular duration is done).
 */
export function* arrivalTimes(profile: ConstantArrivalRate | RampingArrivalRate): Generator<number> {
  const segments = rateSegments(profile);
  const ramping = profile.executor === 'ramping-arrival-rate';
  let i = ramping ? 1 : 0;
  for (const s of segments) {
    const total = s.before + ((s.r0 + s.r1) / 2) * s.durationMs;
    const last = s === segments[segments.length - 1];
    // float tolerance: 50/s × 4 s must give exactly 200, not 199.99999; ramping stops short of
    // the end, but an integral reached exactly at a stage boundary inside the run still starts
    for (; ramping && !last ? i <= total + 1e-9 : i < total - 1e-9; i++) yield s.startMs + offsetFor(s, i - s.before);
  }
}

/** Solves r0·τ + (r1−r0)·τ²/(2d) = k for τ (numerically stable form, valid for ramps up and down). */
function offsetFor(s: RateSegment, k: number): number {
  if (k <= 0) return 0;
  const a = (s.r1 - s.r0) / (2 * s.durationMs);
  const b = s.r0;
  if (a === 0) return k / b;
  const disc = Math.max(0, b * b + 4 * a * k);
  return Math.min(s.durationMs, (2 * k) / (b + Math.sqrt(disc)));
}
