/**
 * Picking an engine: `builtin`, `k6`, or `auto` — k6 when an executable is found (--k6,
 * MESHPROOF_K6, PATH), the built-in engine otherwise (design.md "The flow").
 */
import { BuiltinEngine } from './builtin/engine.js';
import { K6Engine, type K6EngineOptions } from './k6/engine.js';
import { findK6 } from './k6/locate.js';
import type { Engine } from './model.js';

export const ENGINE_CHOICES = ['auto', 'builtin', 'k6'] as const;
export type EngineChoice = (typeof ENGINE_CHOICES)[number];

/**
 * Synchronous on purpose: finding k6 is a PATH lookup, and callers build their collaborators
 * before running anything. A missing k6 for `k6` surfaces as an InfraError (exit 3) when the
 * engine is first used (version() or run()), with install instructions.
 */
export function createEngine(name: EngineChoice, opts: K6EngineOptions = {}): Engine {
  if (name === 'builtin') return new BuiltinEngine();
  if (name === 'k6') return new K6Engine(opts);
  const k6 = findK6({ k6: opts.k6, env: opts.env });
  return k6 ? new K6Engine({ ...opts, k6 }) : new BuiltinEngine();
}
