/**
 * What one scenario means on both targets (issue 13 item 6): a policy is *merged* into an object
 * that already exists, as `kubectl apply --server-side` merges it — not put in its place. Both
 * targets get the merged object from an API server (the cluster's, or the local mesh's own
 * src/kube-api); this file only words it: which leaves of the merged spec the policy did not
 * set, i.e. were kept from the existing object.
 */

import type { PolicyDoc } from './model.js';
import { isPlainObject } from './yaml-reader.js';
import type { EffectivePolicy } from '../ports.js';

type Obj = Record<string, unknown>;

/** Dotted paths of the leaves in `merged` that `config` does not set: what was kept from others. */
function keptPaths(merged: unknown, config: unknown, prefix = ''): string[] {
  if (!isPlainObject(merged)) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(merged)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (!isPlainObject(config) || !(k in config)) out.push(path);
    else if (isPlainObject(v) && isPlainObject(config[k])) out.push(...keptPaths(v, config[k], path));
  }
  return out;
}

/** The report's view of one applied object: its merged spec, and what the merge kept. */
export function effectivePolicy(doc: PolicyDoc, object: Obj, namespace: string): EffectivePolicy {
  return {
    kind: doc.kind,
    namespace,
    name: doc.name,
    spec: object.spec ?? null,
    kept: keptPaths(object.spec, doc.object.spec, 'spec'),
  };
}

/** The plan's and the report's words for it: the merged spec, and which fields came from the existing object. */
export function effectiveLines(e: EffectivePolicy): string[] {
  const lines = [
    `effective ${e.kind} ${e.namespace}/${e.name} spec (merged as server-side apply merges): ${JSON.stringify(e.spec)}`,
  ];
  if (e.kept.length) lines.push(`kept from the existing object (not set by the policy): ${e.kept.join(', ')}`);
  return lines;
}
