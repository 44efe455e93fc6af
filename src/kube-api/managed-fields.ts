/**
 * managedFields bookkeeping of the local Kubernetes API (src/kube-api), after structured-merge-diff (SMD) and
 * kube-apiserver's field manager:
 *
 *  - a field set is a set of paths; FieldsV1 encodes it as a trie where `"f:name"` is a child
 *    and `".": {}` marks a node that is itself a member (ManagedFieldsEntry.fieldsV1 docs).
 *    Leaves are scalars, atomic lists (Istio's CRDs declare no list-type, so lists are
 *    atomic) and empty maps; maps and structs are recursed.
 *  - Update (PUT, merge/JSON patch, create): SMD `merge.Updater.update` compares live and new;
 *    the fields that were added or modified move to the acting manager, are taken from every
 *    other manager, and removed fields leave every set. A map or struct that did not exist
 *    before is itself "added" — that is the `"."` marker Update entries carry
 *    (`f:spec: {".": {}, …}` after a create). An entry left empty is dropped.
 *  - Apply: SMD `merge.Updater.Apply` — the applied set is exactly the fields of the applied
 *    configuration (no "." markers for maps/structs); a field another manager owns with a
 *    different value is a conflict (409 unless force, then ownership moves); equal values are
 *    shared; other managers keep every field outside the applied set; fields this manager
 *    applied before and applies no more are removed unless someone else owns them.
 *  - a request (PUT/patch) whose metadata.managedFields is set and non-empty replaces the live
 *    ones before the update is recorded; `[]` resets them; absent keeps the live ones —
 *    k8s.io/apimachinery/pkg/util/managedfields/internal/fieldmanager.go `decodeLiveOrNew`.
 *    A PUT carrying the old managedFields and no content change thus restores ownership
 *    exactly (issue 11 item 2).
 *  - entries are keyed by manager + operation (+ apiVersion for Update, see SMD's
 *    BuildManagerIdentifier) and encoded sorted by operation, time, manager, apiVersion
 *    (fieldmanager's sortEncodedManagedFields).
 *
 * Not modelled: associative lists (`k:{…}` keys), writes through subresources other than the
 * store's `writeStatus` (whose entries main-resource writes leave alone), managers capped
 * at 10 Update entries (capmanagers.go), the `before-first-apply` migration.
 */
import { clone, deepEqual, deletePath, getPath, leafPaths, ownedView, setPath, type Obj } from './fields.js';

const SEP = '\u0000';
const MARK = `${SEP}.`;

export interface Entry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Obj;
  subresource?: string;
}

export function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

/** The paths a FieldsV1 trie holds ("." members as `path\0.`). */
export function fieldsToPaths(fields: Obj | undefined, prefix = ''): string[] {
  if (!fields) return [];
  return Object.entries(fields).flatMap(([k, v]) => {
    if (k === '.') return [`${prefix}${MARK}`];
    const child = prefix ? `${prefix}${SEP}${k.slice(2)}` : k.slice(2);
    return v && Object.keys(v as Obj).length > 0 ? fieldsToPaths(v as Obj, child) : [child];
  });
}
export function pathsToFields(paths: Iterable<string>): Obj {
  const root: Obj = {};
  for (const p of paths) {
    let cur = root;
    for (const k of p.split(SEP)) cur = k === '.' ? (cur['.'] ??= {}) : (cur[`f:${k}`] ??= {});
  }
  return root;
}
/** `.spec.trafficPolicy.tls.mode`, as SMD's fieldpath.Path prints it. */
export function dotted(path: string): string {
  return path
    .split(SEP)
    .filter((k) => k !== '.')
    .map((k) => `.${k}`)
    .join('');
}

/** Maps and structs present in the object (the nodes a "." marker can name), `metadata` itself aside. */
function containers(o: unknown, prefix = ''): string[] {
  if (!o || typeof o !== 'object' || Array.isArray(o) || Object.keys(o).length === 0) return [];
  const here = prefix && prefix !== 'metadata' ? [prefix] : [];
  return [...here, ...Object.entries(o as Obj).flatMap(([k, v]) => containers(v, prefix ? `${prefix}${SEP}${k}` : k))];
}
function exists(obj: Obj, path: string): boolean {
  const p = path.endsWith(MARK) ? path.slice(0, -MARK.length) : path;
  return getPath(obj, p) !== undefined;
}
function setOf(e: Entry): Set<string> {
  return new Set(fieldsToPaths(e.fieldsV1));
}
function sameIdentity(e: Entry, manager: string, operation: Entry['operation'], apiVersion: string): boolean {
  return (
    e.manager === manager &&
    e.operation === operation &&
    (operation === 'Apply' || e.apiVersion === apiVersion) &&
    !e.subresource
  );
}

/** fieldmanager.go decodeLiveOrNew: the request's managedFields when it carries any, `[]` resets. */
export function decodeLiveOrNew(live: Entry[] | undefined, requested: unknown): Entry[] {
  if (Array.isArray(requested)) {
    if (requested.length === 0) return [];
    const decoded = requested as Entry[];
    if (decoded.some((e) => fieldsToPaths(e.fieldsV1).length > 0)) return clone(decoded);
  }
  return clone(live ?? []);
}

/** An Update by `manager`: SMD Updater.update over live → next. */
export function recordUpdate(
  managed: Entry[],
  live: Obj | undefined,
  next: Obj,
  manager: string,
  apiVersion: string,
): Entry[] {
  const a = ownedView(live ?? {});
  const b = ownedView(next);
  const changed = new Set(leafPaths(b).filter((p) => !deepEqual(getPath(a, p), getPath(b, p))));
  const before = new Set(containers(a));
  for (const c of containers(b)) if (!before.has(c)) changed.add(`${c}${MARK}`);
  const out: Entry[] = [];
  let mine: Entry | undefined;
  for (const e of managed) {
    // a subresource's manager (istiod on status) owns fields a main-resource write cannot touch
    if (e.subresource) {
      out.push(e);
      continue;
    }
    if (sameIdentity(e, manager, 'Update', apiVersion)) {
      mine = e;
      continue;
    }
    const kept = [...setOf(e)].filter((p) => !changed.has(p) && exists(b, p));
    if (kept.length > 0) out.push({ ...e, fieldsV1: pathsToFields(kept) });
  }
  const owned = new Set([...(mine ? setOf(mine) : []), ...changed].filter((p) => exists(b, p)));
  if (owned.size > 0)
    out.push({
      manager,
      operation: 'Update',
      apiVersion,
      time: changed.size > 0 || !mine ? now() : mine.time,
      fieldsType: 'FieldsV1',
      fieldsV1: pathsToFields(owned),
    });
  return sorted(out);
}

export interface Conflict {
  manager: Entry;
  path: string;
}

/** SMD Updater.Apply: the merged object and the new managedFields, or the conflicts. */
export function recordApply(
  managed: Entry[],
  live: Obj | undefined,
  applied: Obj,
  manager: string,
  force: boolean,
): { object: Obj; managed: Entry[] } | { conflicts: Conflict[] } {
  const base = clone(live ?? {});
  const appliedSet = leafPaths(ownedView(applied));
  const mine = managed.find((e) => sameIdentity(e, manager, 'Apply', ''));
  const others = managed.filter((e) => e !== mine);
  const conflicts: Conflict[] = [];
  for (const p of appliedSet) {
    const have = getPath(base, p);
    if (have === undefined || deepEqual(have, getPath(applied, p))) continue;
    for (const e of others) if (setOf(e).has(p)) conflicts.push({ manager: e, path: p });
  }
  if (conflicts.length > 0 && !force) return { conflicts };
  const next = base;
  const ownedByOthers = new Set(others.flatMap((e) => [...setOf(e)]));
  for (const p of mine ? setOf(mine) : [])
    if (!p.endsWith(MARK) && !appliedSet.includes(p) && !ownedByOthers.has(p)) deletePath(next, p);
  for (const p of appliedSet) setPath(next, p, getPath(applied, p));
  const lost = new Set(conflicts.map((c) => `${c.manager.manager}/${c.manager.operation}/${c.path}`));
  const out: Entry[] = [];
  for (const e of others) {
    const kept = [...setOf(e)].filter((p) => !lost.has(`${e.manager}/${e.operation}/${p}`) && exists(next, p));
    if (kept.length > 0) out.push({ ...e, fieldsV1: pathsToFields(kept) });
  }
  const changed =
    !deepEqual(ownedView(next), ownedView(base)) || !mine || !deepEqual(mine.fieldsV1, pathsToFields(appliedSet));
  out.push({
    manager,
    operation: 'Apply',
    apiVersion: applied.apiVersion,
    time: changed ? now() : mine!.time,
    fieldsType: 'FieldsV1',
    fieldsV1: pathsToFields(appliedSet),
  });
  return { object: next, managed: sorted(out) };
}

/** fieldmanager's sortEncodedManagedFields: operation, then time, manager, apiVersion. */
function sorted(entries: Entry[]): Entry[] {
  return [...entries].sort(
    (p, q) =>
      cmp(p.operation, q.operation) ||
      cmp(p.time, q.time) ||
      cmp(p.manager, q.manager) ||
      cmp(p.apiVersion, q.apiVersion),
  );
}
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
