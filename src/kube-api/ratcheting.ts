/**
 * CRD validation ratcheting (feature CRDValidationRatcheting, on by default since Kubernetes
 * 1.30): on an update, an error raised by a part of the object that did not change is not an
 * error. kube-openapi validate/ratcheting.go (the schema validator: a node equal to its old
 * value turns its errors into warnings, which the apiserver does not return) and
 * apiextensions-apiserver schema/cel/validation.go shouldRatchetError (a failed rule on an
 * unchanged node becomes a `Warning` header instead). The old value is found by correlation:
 * object properties and map keys correlate by name; a list correlates only when it is
 * x-kubernetes-list-type map or set — Istio's lists are atomic (no list type), so a node inside
 * a list is judged by the list as a whole, the nearest correlatable ancestor (the list-type
 * map/set correlations are not imitated: every list is taken as atomic).
 */
import { deepEqual } from './fields.js';
import type { Seg } from './openapi-validator.js';

/** Whether errors raised at `at` are ratcheted: its nearest correlatable node equals the old one. */
export function unchangedAt(obj: unknown, old: unknown, at: Seg[]): boolean {
  const firstIndex = at.findIndex((s) => typeof s === 'number');
  const path = firstIndex < 0 ? at : at.slice(0, firstIndex);
  const before = valueAt(old, path);
  return before !== undefined && deepEqual(valueAt(obj, path), before);
}

function valueAt(v: unknown, path: Seg[]): unknown {
  let cur = v;
  for (const s of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[s as string];
  }
  return cur;
}
