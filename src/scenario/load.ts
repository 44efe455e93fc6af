/**
 * `load:` in a scenario: a LoadProfile in k6's executor vocabulary (src/load/model.ts),
 * checked by the load module's own validateProfile; this file only adds positions, so a
 * mistake reads `scenarios/x.yaml:12:5: load.duration: expected a positive duration like "30s", got 30`,
 * and refuses fields k6 would not know for the chosen executor.
 */
import type { LoadProfile } from '../load/model.js';
import { instancesProblem } from '../load/instances.js';
import { validateProfile } from '../load/profile.js';
import { peakLoad } from './load-cap.js';
import type { FieldPath } from '../policy/model.js';
import { type Fields, isPlainObject } from '../policy/yaml-reader.js';

/** k6's option names per executor (the ones meshproof's engines implement). */
const FIELDS: Record<LoadProfile['executor'], readonly string[]> = {
  'constant-vus': ['vus', 'duration', 'gracefulStop'],
  'ramping-vus': ['startVUs', 'stages', 'gracefulStop', 'gracefulRampDown'],
  'constant-arrival-rate': ['rate', 'timeUnit', 'duration', 'preAllocatedVUs', 'maxVUs', 'gracefulStop'],
  'ramping-arrival-rate': ['startRate', 'timeUnit', 'stages', 'preAllocatedVUs', 'maxVUs', 'gracefulStop'],
};

/** k6's Stage fields (lib/executor/ramping_vus.go Stage). */
const STAGE_FIELDS = ['duration', 'target'] as const;

export function readLoad(f: Fields, path: FieldPath): LoadProfile | undefined {
  const given = f.get(path);
  if (given === undefined)
    return f.fail(path, 'required (a k6 executor, e.g. { executor: constant-vus, vus: 10, duration: 5s })');
  const before = f.errors.length;
  if (isPlainObject(given) && typeof given.executor === 'string' && given.executor in FIELDS) {
    f.keys(path, ['executor', ...FIELDS[given.executor as LoadProfile['executor']], 'instances']);
    // k6 decodes a scenario with DisallowUnknownFields (lib/executors.go StrictJSONUnmarshal),
    // which reaches the Stage structs too: a typo in a stage is refused by k6, so here as well
    if (Array.isArray(given.stages))
      given.stages.forEach((s, i) => isPlainObject(s) && f.keys([...path, 'stages', i], STAGE_FIELDS));
  }
  // `instances` is meshproof's (how many segments run the profile), not a k6 scenario field
  const raw = isPlainObject(given)
    ? Object.fromEntries(Object.entries(given).filter(([k]) => k !== 'instances'))
    : given;
  const prefix = path.map(String).join('.');
  for (const message of validateProfile(raw, `${prefix}.`)) {
    const [field, ...rest] = message.split(': ');
    f.fail(parseFieldPath(field), rest.join(': '));
  }
  return f.errors.length === before ? (raw as unknown as LoadProfile) : undefined;
}

/**
 * `load.instances`: how many instances (k6 execution segments) run the profile, default 1; each
 * must get at least one VU (src/load/instances.ts).
 */
export function readInstances(f: Fields, path: FieldPath, profile: LoadProfile | undefined): number {
  const n = f.number([...path, 'instances'], { integer: true, min: 1, max: MAX_INSTANCES });
  if (n === undefined || !profile) return 1;
  const problem = instancesProblem(n, peakLoad(profile).vus);
  if (problem) f.fail([...path, 'instances'], problem);
  return n;
}

/** More processes than this on one machine or in one TestRun is a typo, not a plan. */
export const MAX_INSTANCES = 64;

/** "load.stages[1].target" → ["load", "stages", 1, "target"] */
export function parseFieldPath(text: string): FieldPath {
  const out: FieldPath = [];
  for (const m of text.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return out;
}
