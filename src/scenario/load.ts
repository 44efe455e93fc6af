/**
 * `load:` in a scenario: a LoadProfile in k6's executor vocabulary (src/load/model.ts),
 * checked by the load module's own validateProfile; this file only adds positions, so a
 * mistake reads `scenarios/x.yaml:12:5: load.duration: expected a positive duration like "30s", got 30`,
 * and refuses fields k6 would not know for the chosen executor.
 */
import type { LoadProfile } from '../load/model.js';
import { validateProfile } from '../load/profile.js';
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
  const raw = f.get(path);
  if (raw === undefined)
    return f.fail(path, 'required (a k6 executor, e.g. { executor: constant-vus, vus: 10, duration: 5s })');
  const before = f.errors.length;
  if (isPlainObject(raw) && typeof raw.executor === 'string' && raw.executor in FIELDS) {
    f.keys(path, ['executor', ...FIELDS[raw.executor as LoadProfile['executor']]]);
    // k6 decodes a scenario with DisallowUnknownFields (lib/executors.go StrictJSONUnmarshal),
    // which reaches the Stage structs too: a typo in a stage is refused by k6, so here as well
    if (Array.isArray(raw.stages))
      raw.stages.forEach((s, i) => isPlainObject(s) && f.keys([...path, 'stages', i], STAGE_FIELDS));
  }
  const prefix = path.map(String).join('.');
  for (const message of validateProfile(raw, `${prefix}.`)) {
    const [field, ...rest] = message.split(': ');
    f.fail(parseFieldPath(field), rest.join(': '));
  }
  return f.errors.length === before ? (raw as unknown as LoadProfile) : undefined;
}

/** "load.stages[1].target" → ["load", "stages", 1, "target"] */
export function parseFieldPath(text: string): FieldPath {
  const out: FieldPath = [];
  for (const m of text.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return out;
}
