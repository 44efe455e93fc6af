/**
 * k6's own scenario validation, transcribed from its Go source, so meshproof refuses a
 * scenario k6 would refuse (exit 104, "invalid configuration") before anything is touched.
 * Each rule names the Go function it mirrors; the words are k6's, as of
 * v0.4x–v1.x (k6 ≤ v0.3x said "should" where these say "must"/"can't").
 *
 * Only rules a meshproof LoadProfile can break are here: meshproof always names its scenario
 * "meshproof" (a valid name), always sets `exec`, never sets `startTime`, and always passes
 * `maxVUs` for the arrival-rate executors (k6 before v0.3x required it for
 * ramping-arrival-rate; later versions default it to preAllocatedVUs). Shape problems (a
 * missing field, a fractional VU count, a negative duration) are refused by
 * src/load/profile.ts for both engines; the rules below also repeat those k6 checks, so the
 * message a k6 user sees never depends on which check fired first.
 */
import { parseDurationMs } from '../../util/duration.js';
import type { LoadProfile, Stage } from '../model.js';

export interface K6Rule {
  /** the profile field that breaks the rule: "duration", "stages[1].target" */
  field: string;
  /** k6's message, word for word */
  message: string;
  /** where k6 says it: Go file and function */
  source: string;
}

/** lib/executor/constant_vus.go `minDuration`: also used by constant-arrival-rate (and per-vu/shared-iterations' maxDuration). */
export const K6_MIN_DURATION_MS = 1000;
/** lib/executor/helpers.go `maxConcurrentVUs` (k6 ≥ v0.50, validateTargetShifts). */
export const K6_MAX_CONCURRENT_VUS = 100_000_000;

const SRC = {
  base: 'lib/executor/base_config.go BaseConfig.Validate',
  constantVus: 'lib/executor/constant_vus.go ConstantVUsConfig.Validate',
  constantRate: 'lib/executor/constant_arrival_rate.go ConstantArrivalRateConfig.Validate',
  rampingVus: 'lib/executor/ramping_vus.go RampingVUsConfig.Validate',
  rampingRate: 'lib/executor/ramping_arrival_rate.go RampingArrivalRateConfig.Validate',
  stages: 'lib/executor/helpers.go validateStages',
  shifts: 'lib/executor/helpers.go validateTargetShifts',
};

/** Every k6 rule the profile breaks, in the order k6's Validate() appends them. */
export function k6Rules(profile: LoadProfile): K6Rule[] {
  const out: K6Rule[] = [];
  const add = (field: string, message: string, source: string) => out.push({ field, message, source });
  const p = profile as unknown as Record<string, unknown>;
  // BaseConfig.Validate: startTime (never set by meshproof) and gracefulStop
  if (durationOf(p.gracefulStop) < 0) add('gracefulStop', "the gracefulStop timeout can't be negative", SRC.base);
  switch (profile.executor) {
    case 'constant-vus':
      if (!((profile.vus ?? 1) > 0)) add('vus', 'the number of VUs must be more than 0', SRC.constantVus);
      minDuration(profile.duration, add, SRC.constantVus);
      break;
    case 'constant-arrival-rate':
      if (profile.rate === undefined) add('rate', "the iteration rate isn't specified", SRC.constantRate);
      else if (!(profile.rate > 0)) add('rate', 'the iteration rate must be more than 0', SRC.constantRate);
      // timeUnit defaults to 1s (NewConstantArrivalRateConfig); <= 0 here, unlike ramping-arrival-rate's < 0
      if (!(durationOf(profile.timeUnit ?? '1s') > 0))
        add('timeUnit', 'the timeUnit must be more than 0', SRC.constantRate);
      minDuration(profile.duration, add, SRC.constantRate);
      preAllocated(profile.preAllocatedVUs, profile.maxVUs, add, SRC.constantRate);
      break;
    case 'ramping-vus': {
      // startVUs defaults to 1 (NewRampingVUsConfig)
      const start = profile.startVUs ?? 1;
      if (start < 0) add('startVUs', "the number of start VUs can't be negative", SRC.rampingVus);
      if (maxTarget(start, profile.stages) <= 0)
        add('stages', "either startVUs or one of the stages' target values must be greater than 0", SRC.rampingVus);
      stages(profile.stages, add);
      if (start > K6_MAX_CONCURRENT_VUS)
        add('startVUs', `the startVUs exceed max limit of ${K6_MAX_CONCURRENT_VUS}`, SRC.shifts);
      (profile.stages ?? []).forEach((s, i) => {
        if (s.target > K6_MAX_CONCURRENT_VUS)
          add(
            `stages[${i}].target`,
            `target for stage ${i + 1} exceeds max limit of ${K6_MAX_CONCURRENT_VUS}`,
            SRC.shifts,
          );
      });
      break;
    }
    case 'ramping-arrival-rate':
      if ((profile.startRate ?? 0) < 0) add('startRate', "the startRate value can't be negative", SRC.rampingRate);
      if (durationOf(profile.timeUnit ?? '1s') < 0)
        add('timeUnit', 'the timeUnit must be more than 0', SRC.rampingRate);
      stages(profile.stages, add);
      preAllocated(profile.preAllocatedVUs, profile.maxVUs, add, SRC.rampingRate);
      break;
  }
  return out;
}

/** How k6 prints the whole refusal (cmd/config.go validateConfig + consolidateErrorMessage; lib/executors.go ScenarioConfigs.Validate). */
export function k6RefusalText(scenario: string, rules: K6Rule[]): string {
  return [
    'There were problems with the specified script configuration:',
    `\t- scenario ${scenario} has configuration errors: ${rules.map((r) => r.message).join(', ')}`,
  ].join('\n');
}

type Add = (field: string, message: string, source: string) => void;

function minDuration(text: string | undefined, add: Add, source: string): void {
  if (text === undefined) return add('duration', 'the duration is unspecified', source);
  const ms = durationOf(text);
  if (ms < K6_MIN_DURATION_MS)
    add(
      'duration',
      `the duration must be at least ${goDuration(K6_MIN_DURATION_MS)}, but is ${goDuration(ms)}`,
      source,
    );
}

function preAllocated(pre: number | undefined, max: number | undefined, add: Add, source: string): void {
  if (pre === undefined) add('preAllocatedVUs', "the number of preAllocatedVUs isn't specified", source);
  else if (pre < 0) add('preAllocatedVUs', "the number of preAllocatedVUs can't be negative", source);
  if (max !== undefined && pre !== undefined && max < pre)
    add('maxVUs', "maxVUs can't be less than preAllocatedVUs", source);
}

function stages(list: Stage[] | undefined, add: Add): void {
  if (!list || list.length === 0) return add('stages', 'at least one stage has to be specified', SRC.stages);
  list.forEach((s, i) => {
    const n = i + 1;
    if (s.duration === undefined) add(`stages[${i}].duration`, `stage ${n} doesn't have a duration`, SRC.stages);
    else if (durationOf(s.duration) < 0)
      add(`stages[${i}].duration`, `the duration for stage ${n} can't be negative`, SRC.stages);
    if (s.target === undefined) add(`stages[${i}].target`, `stage ${n} doesn't have a target`, SRC.stages);
    else if (s.target < 0) add(`stages[${i}].target`, `the target for stage ${n} can't be negative`, SRC.stages);
  });
}

/** lib/executor/helpers.go getStagesUnscaledMaxTarget */
function maxTarget(start: number, list: Stage[] | undefined): number {
  return Math.max(start, ...(list ?? []).map((s) => s.target));
}

function durationOf(text: unknown): number {
  if (text === undefined) return 0;
  return typeof text === 'string' ? (parseDurationMs(text) ?? NaN) : NaN;
}

/**
 * Go's time.Duration.String(), which k6 uses to print durations (lib/types NullDuration →
 * Duration.String → time.Duration.String): "500ms", "1s", "1m30s", "1.5s", "0s", "250µs".
 */
export function goDuration(ms: number): string {
  let ns = Math.round(ms * 1e6);
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  ns = Math.abs(ns);
  if (ns < 1e3) return `${sign}${ns}ns`;
  if (ns < 1e6) return `${sign}${trim(ns / 1e3)}µs`;
  if (ns < 1e9) return `${sign}${trim(ns / 1e6)}ms`;
  const h = Math.floor(ns / 3600e9);
  const m = Math.floor((ns % 3600e9) / 60e9);
  const s = (ns % 60e9) / 1e9;
  if (h > 0) return `${sign}${h}h${m}m${trim(s)}s`;
  if (m > 0) return `${sign}${m}m${trim(s)}s`;
  return `${sign}${trim(s)}s`;
}

/** Go prints the fraction with trailing zeros removed (up to 9 digits for seconds). */
function trim(x: number): string {
  return String(Number(x.toFixed(9)));
}
