/**
 * One phase as N instances started together, each with its execution segment (segments.ts),
 * merged exactly into one PhaseResult (merge.ts) that records the instances. An instance that
 * fails stops the others (they are aborted: SIGINT for k6) and fails the phase with its error;
 * the caller's abort reaches every instance.
 */
import { mergePhaseResults } from './merge.js';
import type { PhaseResult } from './model.js';
import { evenSegments, segmentString, sequenceString, type Segment } from './segments.js';

export interface InstanceSlot {
  index: number;
  count: number;
  segment: Segment;
  sequence: Segment[];
  /** aborted when the caller aborts, or when another instance failed */
  signal: AbortSignal;
}

export async function runInstances(
  count: number,
  signal: AbortSignal | undefined,
  runOne: (slot: InstanceSlot) => Promise<PhaseResult>,
): Promise<PhaseResult> {
  const sequence = evenSegments(count);
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  let firstError: { error: unknown } | undefined;
  try {
    const settled = await Promise.allSettled(
      sequence.map((segment, index) =>
        runOne({ index, count, segment, sequence, signal: stop.signal }).catch((error: unknown) => {
          firstError ??= { error };
          stop.abort(); // the others stop now, not at the end of their schedule
          throw error;
        }),
      ),
    );
    if (firstError) throw firstError.error;
    const parts = settled.map((s) => (s as PromiseFulfilledResult<PhaseResult>).value);
    return {
      ...mergePhaseResults(parts),
      instances: { count, sequence: sequenceString(sequence), segments: sequence.map(segmentString) },
    };
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * A usage problem with `instances` for this many VUs, or undefined: every instance must get
 * at least one VU of the profile (k6 would give an instance with no VUs nothing to do).
 */
export function instancesProblem(instances: number, minVus: number): string | undefined {
  if (!Number.isInteger(instances) || instances < 1)
    return `expected a whole number of instances ≥ 1, got ${instances}`;
  if (instances > minVus)
    return `${instances} instances need at least ${instances} VUs (each k6 execution segment gets a share of the VUs), the profile has ${minVus}`;
  return undefined;
}
