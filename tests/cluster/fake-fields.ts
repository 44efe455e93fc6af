/**
 * Object helpers of the fake API server: field paths over an object (maps recursed, arrays
 * atomic — what Istio's CRD schemas declare), JSON merge patch, and managedFields' FieldsV1
 * ownership bookkeeping for server-side apply.
 */
export type Obj = Record<string, any>;

export function clone<T>(o: T): T {
  return o === undefined ? o : JSON.parse(JSON.stringify(o));
}
export function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Obj)[k])]));
  return v;
}
export function stripServerFields(meta: Obj): void {
  for (const f of ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink']) delete meta[f];
}
/** The fields managers can own: metadata labels/annotations and everything outside metadata. */
export function ownedView(o: Obj): Obj {
  const { metadata, apiVersion: _a, kind: _k, status: _s, ...rest } = o;
  const meta: Obj = {};
  if (metadata?.labels) meta.labels = metadata.labels;
  if (metadata?.annotations) meta.annotations = metadata.annotations;
  return { ...rest, ...(Object.keys(meta).length ? { metadata: meta } : {}) };
}
export function leafPaths(o: unknown, prefix = ''): string[] {
  if (!o || typeof o !== 'object' || Array.isArray(o) || Object.keys(o).length === 0) return prefix ? [prefix] : [];
  return Object.entries(o as Obj).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}\u0000${k}` : k));
}
export function diffPaths(a: Obj, b: Obj): string[] {
  const all = new Set([...leafPaths(a), ...leafPaths(b)]);
  return [...all].filter((p) => !deepEqual(getPath(a, p), getPath(b, p)));
}
export function getPath(o: Obj, p: string): unknown {
  return p.split('\u0000').reduce<any>((cur, k) => (cur && typeof cur === 'object' ? cur[k] : undefined), o);
}
export function setPath(o: Obj, p: string, v: unknown): void {
  const ks = p.split('\u0000');
  let cur = o;
  for (const k of ks.slice(0, -1)) cur = cur[k] && typeof cur[k] === 'object' && !Array.isArray(cur[k]) ? cur[k] : (cur[k] = {});
  cur[ks[ks.length - 1]] = clone(v);
}
export function deletePath(o: Obj, p: string): void {
  const ks = p.split('\u0000');
  const chain: Obj[] = [o];
  for (const k of ks.slice(0, -1)) {
    const next = chain[chain.length - 1]?.[k];
    if (!next || typeof next !== 'object') return;
    chain.push(next);
  }
  delete chain[chain.length - 1][ks[ks.length - 1]];
  // drop maps left empty, as the real server's structured merge does
  for (let i = chain.length - 1; i > 0; i--) if (Object.keys(chain[i]).length === 0) delete chain[i - 1][ks[i - 1]];
}
export function mergePatch(target: Obj, patch: Obj): Obj {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete target[k];
    else if (v && typeof v === 'object' && !Array.isArray(v) && target[k] && typeof target[k] === 'object' && !Array.isArray(target[k])) mergePatch(target[k], v);
    else target[k] = clone(v);
  }
  return target;
}
/** managedFields' FieldsV1 ("f:spec": {"f:host": {}}) from leaf paths, and back. */
function pathsToFields(paths: string[]): Obj {
  const root: Obj = {};
  for (const p of paths) {
    let cur = root;
    for (const k of p.split('\u0000')) cur = cur[`f:${k}`] ??= {};
  }
  return root;
}
export function fieldsToPaths(fields: Obj | undefined, prefix = ''): string[] {
  if (!fields || Object.keys(fields).length === 0) return prefix ? [prefix] : [];
  return Object.entries(fields).flatMap(([k, v]) => fieldsToPaths(v as Obj, prefix ? `${prefix}\u0000${k.slice(2)}` : k.slice(2)));
}
export function managedEntry(manager: string, operation: 'Apply' | 'Update', apiVersion: string, paths: string[]): Obj {
  return { manager, operation, apiVersion, time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), fieldsType: 'FieldsV1', fieldsV1: pathsToFields(paths) };
}
export function transferOwnership(entries: Obj[], manager: string, operation: 'Apply' | 'Update', apiVersion: string, taken: string[], present: string[]): Obj[] {
  const takenSet = new Set(taken);
  const out: Obj[] = [];
  let mine: string[] = [];
  for (const e of entries) {
    const paths = fieldsToPaths(e.fieldsV1).filter((p) => present.includes(p));
    if (e.manager === manager && e.operation === operation) mine = paths;
    else {
      const kept = paths.filter((p) => !takenSet.has(p));
      if (kept.length > 0) out.push({ ...e, fieldsV1: pathsToFields(kept) });
    }
  }
  const ownedNow = operation === 'Apply' ? taken : [...new Set([...mine, ...taken])];
  out.push(managedEntry(manager, operation, apiVersion, ownedNow.filter((p) => present.includes(p))));
  return out;
}
