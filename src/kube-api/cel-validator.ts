/**
 * The x-kubernetes-validations rules over an object, as apiextensions-apiserver
 * pkg/apiserver/schema/cel/validation.go Validator.validate does it: at every non-null node
 * whose schema carries rules, each rule in order (validateExpressions), then the allOf
 * branches' rules at the same node, then the children — list items (`path[i]`), a map's values
 * (`path[key]`, field.Path.Key), an object's declared properties (`path.name`), visited in the
 * object's own key order (Go ranges over the map: random order).
 *
 * A rule that evaluates to false is field.Invalid at the node's path with the rule's `message`
 * (trimmed; without one, "failed rule: <rule>"), and as its value the node's schema type —
 * `Invalid value: "string": must be a valid duration greater than 1ms`, `Invalid value:
 * "object": wildcard not allowed in label key match` — as the Kubernetes 1.32 the local API
 * says it is (/version) prints it (value `sts.Type`, kubernetes#107090). Kubernetes 1.35
 * (kubernetes#132798, #133832, read in cel/validation.go) prints a scalar's own value instead
 * and no value for an object or list: CEL_VALUE_SHOWN switches to that. A rule that fails to
 * evaluate is field.Invalid with the schema type as value and "<error> evaluating rule:
 * <message>" in both.
 * On an update, a false rule at a node whose nearest correlatable node is unchanged is
 * ratcheted (ratcheting.ts): a warning with the error's text (warning.AddWarning), not an
 * error; evaluation errors are not ratcheted.
 *
 * A rule that is none of the forms cel-rules.ts recognises is not evaluated; the write gets a
 * warning saying so, naming the rule and the field — the local API admits it, where a real
 * server would evaluate it: visible, not silent, and not a refusal the real server might not
 * give.
 */
import { compileRule } from './cel-rules.js';
import { errorText, invalidValue, OMIT_VALUE, type FieldError } from './field-error.js';
import type { Obj } from './fields.js';
import type { Seg } from './openapi-validator.js';
import { unchangedAt } from './ratcheting.js';

/** Which value a failed rule's error shows: 'type' (Kubernetes ≤ 1.34, what the local API claims to be) or 'value' (1.35+). */
export const CEL_VALUE_SHOWN: 'type' | 'value' = 'type';

function shownValue(type: string, value: unknown): unknown {
  if (CEL_VALUE_SHOWN === 'type') return type;
  return type === 'object' || type === 'array' ? OMIT_VALUE : value;
}

export interface CelOutcome {
  errors: FieldError[];
  warnings: string[];
}

/** Whether any node of the schema has rules (NewValidator returns nil without: no CEL step at all). */
export function hasRules(s: unknown): boolean {
  if (!s || typeof s !== 'object') return false;
  const o = s as Obj;
  if (Array.isArray(o['x-kubernetes-validations']) && o['x-kubernetes-validations'].length > 0) return true;
  return (
    hasRules(o.items) ||
    hasRules(o.additionalProperties) ||
    Object.values((o.properties ?? {}) as Obj).some(hasRules) ||
    ((o.allOf ?? []) as Obj[]).some(hasRules)
  );
}

export function celErrors(schema: Obj, obj: Obj, old: Obj | undefined): CelOutcome {
  const out: CelOutcome = { errors: [], warnings: [] };
  walk(schema, obj, '', [], { obj, old }, out);
  return out;
}

interface Ctx {
  obj: unknown;
  old: unknown;
}

function walk(s: Obj | undefined, value: unknown, path: string, at: Seg[], ctx: Ctx, out: CelOutcome): void {
  if (!s || value === null || value === undefined) return;
  runRules(s, value, path, at, ctx, out);
  for (const branch of (s.allOf ?? []) as Obj[]) runRules(branch, value, path, at, ctx, out);
  if (Array.isArray(value)) {
    value.forEach((v, i) => walk(s.items, v, `${path}[${i}]`, [...at, i], ctx, out));
    return;
  }
  if (typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value as Obj)) {
    const declared = s.properties?.[k] as Obj | undefined;
    if (declared) walk(declared, v, path ? `${path}.${k}` : k, [...at, k], ctx, out);
    else if (s.additionalProperties && typeof s.additionalProperties === 'object')
      walk(s.additionalProperties, v, `${path}[${k}]`, [...at, k], ctx, out);
  }
}

function runRules(s: Obj, value: unknown, path: string, at: Seg[], ctx: Ctx, out: CelOutcome): void {
  const rules = (s['x-kubernetes-validations'] ?? []) as { rule?: string; message?: string }[];
  const type = s['x-kubernetes-int-or-string'] ? 'integer' : (s.type ?? '');
  const field = path || '<nil>';
  for (const r of rules) {
    const rule = String(r.rule ?? '').trim();
    const message = String(r.message ?? '').trim();
    const shown = message || rule;
    const check = compileRule(rule);
    if (!check) {
      out.warnings.push(
        `meshproof: ${field}: x-kubernetes-validations rule '${rule}' was not evaluated (the local Kubernetes API evaluates only the rule forms of Istio's CRDs)`,
      );
      continue;
    }
    const result = check(value);
    if (result === true) continue;
    if (result !== false) {
      out.errors.push(invalidValue(field, type, `${result.error} evaluating rule: ${shown}`));
      continue;
    }
    const e = invalidValue(field, shownValue(type, value), message || `failed rule: ${rule}`);
    if (ctx.old !== undefined && unchangedAt(ctx.obj, ctx.old, at)) out.warnings.push(errorText(e));
    else out.errors.push(e);
  }
}
