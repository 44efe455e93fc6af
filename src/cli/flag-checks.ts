/** Numeric flag checks the verbs share; each throws a UsageError naming the flag (exit 2). */
import { UsageError } from '../errors.js';
import { MAX_SEED } from '../util/random.js';
import { MAX_TIMER_MS } from '../util/duration.js';

/** A positive number (a cap), or undefined when the flag was not given. */
export function positiveFlag(value: number | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`${flag}: expected a positive number, got ${value}`);
  return value;
}

/** A seed: an integer the 32-bit generator can hold (src/util/random.ts), or undefined. */
export function seedFlag(value: number | undefined, flag = '--seed'): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 0 || value > MAX_SEED)
    throw new UsageError(`${flag}: expected an integer from 0 to ${MAX_SEED}, got ${value}`);
  return value;
}

/** A delay in ms that becomes a timer: 0 up to Node's timer limit (src/util/duration.ts). */
export function delayMsFlag(value: number, flag: string): number {
  if (!Number.isFinite(value) || value < 0 || value > MAX_TIMER_MS)
    throw new UsageError(`${flag}: expected milliseconds from 0 to ${MAX_TIMER_MS}, got ${value}`);
  return value;
}
