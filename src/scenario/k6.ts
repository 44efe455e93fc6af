/**
 * A scenario's `load:` against k6's own validation (src/load/k6/rules.ts), positioned, so a
 * scenario k6 would refuse with exit 104 is refused by meshproof first — `file:line:col`,
 * the field, k6's words and the Go function they come from — before anything is touched.
 * The built-in engine has no such floors, so the messages are kept on the
 * scenario and raised only when the engine is k6 (session.ts, checkEngineAccepts).
 */
import { ConfigError } from '../errors.js';
import type { Engine, LoadProfile } from '../load/model.js';
import { k6Rules } from '../load/k6/rules.js';
import { formatPath, type FieldPath } from '../policy/model.js';
import type { Fields } from './yaml-fields.js';
import { parseFieldPath } from './load.js';

/** One located message per k6 rule the profile breaks; [] when k6 accepts it. */
export function k6Refusals(f: Fields, path: FieldPath, profile: LoadProfile | undefined): string[] {
  if (!profile) return [];
  return k6Rules(profile).map((rule) => {
    const at = [...path, ...parseFieldPath(rule.field)];
    return `${f.where(at)}: ${formatPath(at)}: k6 refuses this (exit 104): "${rule.message}" (k6 ${rule.source}); change it, or run with --engine builtin`;
  });
}

/** Throws the ConfigError (exit 2) when the engine is k6 and k6 would refuse the scenario. */
export function checkEngineAccepts(scenario: { k6Refusals?: string[] }, engine: Pick<Engine, 'name'>): void {
  if (engine.name !== 'k6' || !scenario.k6Refusals?.length) return;
  throw new ConfigError(scenario.k6Refusals.join('\n'));
}
