/**
 * `expect:` in a scenario: k6-threshold-style gates per scope (README "Scenario files"):
 *
 * ```yaml
 * expect:
 *   baseline: { http_req_failed: ["rate<0.01"] }
 *   policy:   { cause_overflow: ["rate>=0.3"] }
 *   delta:    { status_503: ["rate>=0.2"] }
 * ```
 * The analysis module's parser decides what is a valid gate; this file pins each of its
 * complaints to the line the gate is on.
 */
import type { FieldPath } from '../policy/model.js';
import { GateError, SCOPES, parseGateOf, parseMetric, type ParsedGate, type Scope } from '../analysis/gates.js';
import { type Fields, describe, isPlainObject } from '../policy/yaml-reader.js';

/** A scenario's gate, parsed here once and carried parsed to the verdict (`gate.expression` is as written). */
export type GateSpec = ParsedGate;

export function readGates(f: Fields, path: FieldPath): GateSpec[] {
  const gates: GateSpec[] = [];
  const before = f.errors.length;
  for (const scope of f.keys(path, SCOPES)) {
    const at = [...path, scope];
    const metrics = f.get(at);
    if (!isPlainObject(metrics)) {
      f.fail(at, `expected a mapping of metric → list of gates, got ${describe(metrics)}`);
      continue;
    }
    for (const metric of Object.keys(metrics)) {
      const ref = check(f, [...at, metric], () => parseMetric(metric), f.whereKey([...at, metric]));
      if (!ref) continue;
      (f.stringList([...at, metric]) ?? []).forEach((expression, i) => {
        const parsed = check(f, [...at, metric, i], () => parseGateOf(scope as Scope, metric, ref, expression));
        if (parsed) gates.push(parsed);
      });
    }
  }
  if (gates.length === 0 && f.errors.length === before)
    f.fail(path, 'required: at least one gate (e.g. policy: { cause_overflow: ["rate>=0.3"] })');
  return gates;
}

/** Runs a parser; a GateError becomes a positioned complaint (and undefined). */
function check<T>(f: Fields, path: FieldPath, parse: () => T, where = f.where(path)): T | undefined {
  try {
    return parse();
  } catch (e) {
    if (!(e instanceof GateError)) throw e;
    f.fail(path, e.detail, where);
    return undefined;
  }
}
