/**
 * What one scenario means on both targets (issue 13 item 6): a policy is *merged* into an object
 * that already exists, as `kubectl apply --server-side` merges it — not put in its place. The
 * cluster applier gets this from the API server; the local mesh applier computes it here, so a
 * pre-existing DestinationRule with `maxConnections: 100` keeps it on both targets when the
 * policy sets only `outlierDetection`.
 *
 * What it does — structured-merge-diff's rules for a custom resource whose schema declares no
 * list or map types (Istio's CRDs declare none: ../shared/data/istio-crds/):
 *  - objects merge field by field ("granular", the default for structs and maps, kubebuilder
 *    docs "CRD processing" +structType/+mapType);
 *  - lists are atomic (CRD lists without `x-kubernetes-list-type` are atomic, Kubernetes docs
 *    "Server-Side Apply", custom resources): the applied list replaces the live one whole — an
 *    applied `http:` route list is the whole route list;
 *  - a scalar the policy sets wins (meshproof applies with `force: true`, taking ownership);
 *  - every live field the policy does not mention is kept (another manager owns it).
 * What it does not do: track managedFields. So it cannot drop a field that meshproof itself set
 * in an earlier apply and no longer sets (SSA would remove it, as its last owner) — within one
 * run that never happens, because the policy phase always starts from the restored snapshot.
 * Explicit `null` in a policy is kept as a value, not read as "remove the field".
 */

import type { PolicyDoc } from './model.js';
import type { EffectivePolicy } from '../ports.js';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The object after applying `config` over `live` (null = it did not exist: the config as is). */
export function applyMerge(live: Obj | null, config: Obj): Obj {
  if (live === null) return structuredClone(config);
  return mergeObj(live, config);
}

function mergeObj(live: Obj, config: Obj): Obj {
  const out: Obj = structuredClone(live);
  for (const [k, v] of Object.entries(config))
    out[k] = isObj(v) && isObj(out[k]) ? mergeObj(out[k] as Obj, v) : structuredClone(v);
  return out;
}

/** Dotted paths of the leaves in `merged` that `config` does not set: what was kept from others. */
export function keptPaths(merged: unknown, config: unknown, prefix = ''): string[] {
  if (!isObj(merged)) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(merged)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (!isObj(config) || !(k in config)) out.push(path);
    else if (isObj(v) && isObj(config[k])) out.push(...keptPaths(v, config[k], path));
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
