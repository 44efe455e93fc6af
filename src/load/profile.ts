/**
 * LoadProfile validation and timing (validate → defaults → run, style.md). Field names and
 * rules follow k6's executors; errors name the field and what was expected, autocannon-style,
 * and are *returned*, so the CLI and the scenario loader can prefix them with their own
 * location.
 */
import { MAX_TIMER_MS, MAX_TIMER_TEXT, parseDurationMs, parseTimerMs } from '../util/duration.js';
import { showValue } from '../util/text.js';
import { DEFAULT_GRACEFUL_STOP, DEFAULT_TIME_UNIT, EXECUTORS, type LoadProfile, type Stage } from './model.js';

/** k6's default gracefulRampDown for ramping-vus. */
export const DEFAULT_GRACEFUL_RAMP_DOWN = '30s';
/** k6's default startVUs for ramping-vus. */
export const DEFAULT_START_VUS = 1;

type Obj = Record<string, unknown>;

/** Returns one message per problem, each starting with the field name; [] when valid. */
export function validateProfile(input: unknown, prefix = ''): string[] {
  const errors: string[] = [];
  const at = (field: string) => `${prefix}${field}`;
  if (typeof input !== 'object' || input === null)
    return [`${prefix || 'profile'}: expected an object, got ${JSON.stringify(input)}`];
  const p = input as Obj;
  const need = (field: string, check: (v: unknown) => string | undefined, optional = false) => {
    const v = p[field];
    if (v === undefined) {
      if (!optional) errors.push(`${at(field)}: required for executor ${p.executor}`);
      return;
    }
    const problem = check(v);
    if (problem) errors.push(`${at(field)}: expected ${problem}, got ${showValue(v)}`);
  };
  if (!(EXECUTORS as readonly unknown[]).includes(p.executor)) {
    return [`${at('executor')}: expected one of ${EXECUTORS.join(', ')}, got ${showValue(p.executor)}`];
  }
  const arrival = p.executor === 'constant-arrival-rate' || p.executor === 'ramping-arrival-rate';
  switch (p.executor) {
    case 'constant-vus':
      need('vus', positiveInt);
      need('duration', positiveDuration);
      break;
    case 'ramping-vus':
      need('startVUs', nonNegativeInt, true);
      need('gracefulRampDown', nonNegativeDuration, true);
      break;
    case 'constant-arrival-rate':
      need('rate', positiveInt);
      need('duration', positiveDuration);
      break;
    case 'ramping-arrival-rate':
      need('startRate', nonNegativeInt, true);
      break;
  }
  if (p.executor === 'ramping-vus' || p.executor === 'ramping-arrival-rate')
    errors.push(...validateStages(p.stages, at('stages')));
  if (arrival) {
    need('timeUnit', positiveDuration, true);
    need('preAllocatedVUs', nonNegativeInt);
    need('maxVUs', nonNegativeInt, true);
    const pre = p.preAllocatedVUs,
      max = p.maxVUs;
    if (typeof pre === 'number' && typeof max === 'number' && max < pre) {
      errors.push(`${at('maxVUs')}: expected at least preAllocatedVUs (${pre}), got ${max}`);
    }
    if (typeof pre === 'number' && pre === 0 && (max === undefined || max === 0)) {
      errors.push(`${at('preAllocatedVUs')}: expected at least one VU (preAllocatedVUs or maxVUs > 0), got 0`);
    }
  }
  need('gracefulStop', nonNegativeDuration, true);
  if (errors.length === 0) {
    const long = totalTooLong(p as unknown as LoadProfile, at);
    if (long) errors.push(long);
  }
  return errors;
}

function validateStages(stages: unknown, field: string): string[] {
  if (!Array.isArray(stages) || stages.length === 0)
    return [`${field}: expected a non-empty list of {duration, target}, got ${JSON.stringify(stages)}`];
  const errors: string[] = [];
  stages.forEach((s: unknown, i) => {
    const st = (s ?? {}) as Obj;
    const d = nonNegativeDuration(st.duration);
    if (d) errors.push(`${field}[${i}].duration: expected ${d}, got ${JSON.stringify(st.duration)}`);
    const t = nonNegativeInt(st.target);
    if (t) errors.push(`${field}[${i}].target: expected ${t}, got ${JSON.stringify(st.target)}`);
  });
  return errors;
}

const positiveInt = (v: unknown) => (Number.isInteger(v) && (v as number) > 0 ? undefined : 'a positive integer');
const nonNegativeInt = (v: unknown) =>
  Number.isInteger(v) && (v as number) >= 0 ? undefined : 'a non-negative integer';
// every duration here becomes a timer, so each is bounded by Node's timer limit (src/util/duration.ts)
function positiveDuration(v: unknown): string | undefined {
  const r = parseTimerMs(v, { positive: true });
  return 'expected' in r ? r.expected : undefined;
}
function nonNegativeDuration(v: unknown): string | undefined {
  const r = parseTimerMs(v);
  return 'expected' in r ? r.expected : undefined;
}

/** The run as a whole (stages summed, plus gracefulStop) must fit one timer too; a message when it does not. */
function totalTooLong(p: LoadProfile, at: (field: string) => string): string | undefined {
  const total = profileMaxDurationMs(p);
  if (total <= MAX_TIMER_MS) return undefined;
  const field = 'stages' in p ? at('stages') : at('duration');
  return `${field}: expected the whole run (${'stages' in p ? 'the stages' : 'duration'} plus gracefulStop) to last at most ${MAX_TIMER_TEXT} (Node's timer limit), got ${Math.round(total / 3_600_000)}h`;
}

/** Parses a duration already checked by validateProfile. */
function ms(text: string | undefined, fallback: string): number {
  return parseDurationMs(text ?? fallback) ?? 0;
}

/** Sum of stage durations in ms. */
export function stagesDurationMs(stages: Stage[]): number {
  return stages.reduce((sum, s) => sum + ms(s.duration, '0s'), 0);
}

/**
 * The scheduled length of a profile in ms: `duration`, or the sum of the stages. This is when
 * new iterations stop starting; in-flight ones may run on for up to `gracefulStop`.
 */
export function profileDurationMs(profile: LoadProfile): number {
  return 'stages' in profile ? stagesDurationMs(profile.stages) : ms(profile.duration, '0s');
}

/** gracefulStop in ms (k6 default 30s). */
export function gracefulStopMs(profile: LoadProfile): number {
  return ms(profile.gracefulStop, DEFAULT_GRACEFUL_STOP);
}

/** The longest a run of this profile can take: scheduled duration + gracefulStop. */
export function profileMaxDurationMs(profile: LoadProfile): number {
  return profileDurationMs(profile) + gracefulStopMs(profile);
}

/** timeUnit in ms for arrival-rate executors (k6 default 1s). */
export function timeUnitMs(profile: { timeUnit?: string }): number {
  return ms(profile.timeUnit, DEFAULT_TIME_UNIT);
}

/** gracefulRampDown in ms (k6 default 30s). */
export function gracefulRampDownMs(profile: { gracefulRampDown?: string }): number {
  return ms(profile.gracefulRampDown, DEFAULT_GRACEFUL_RAMP_DOWN);
}
