/**
 * Object helpers of the local Kubernetes API (src/kube-api): field paths over an object (maps
 * recursed, arrays atomic — what Istio's CRD schemas declare), JSON merge patch (RFC 7386) and
 * JSON patch (RFC 6902), the server-owned metadata a write may not set.
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
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Obj)[k])]),
    );
  return v;
}
export function stripServerFields(meta: Obj): void {
  for (const f of ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink'])
    delete meta[f];
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
export function getPath(o: Obj, p: string): unknown {
  return p.split('\u0000').reduce<any>((cur, k) => (cur && typeof cur === 'object' ? cur[k] : undefined), o);
}
export function setPath(o: Obj, p: string, v: unknown): void {
  const ks = p.split('\u0000');
  let cur = o;
  for (const k of ks.slice(0, -1))
    cur = cur[k] && typeof cur[k] === 'object' && !Array.isArray(cur[k]) ? cur[k] : (cur[k] = {});
  cur[ks[ks.length - 1]] = clone(v);
}
/**
 * Deletes the field at path `p` (keys joined by NUL). `dropEmpty`: maps left empty go too, as
 * the structured merge does when an apply gives a field up; the decoder's pruning of unknown
 * fields deletes only the field (apiextensions structural/pruning/algorithm.go prune:
 * `delete(x, k)`).
 */
export function deletePath(o: Obj, p: string, dropEmpty = true): void {
  const ks = p.split('\u0000');
  const chain: Obj[] = [o];
  for (const k of ks.slice(0, -1)) {
    const next = chain[chain.length - 1]?.[k];
    if (!next || typeof next !== 'object') return;
    chain.push(next);
  }
  delete chain[chain.length - 1][ks[ks.length - 1]];
  if (!dropEmpty) return;
  for (let i = chain.length - 1; i > 0; i--) if (Object.keys(chain[i]).length === 0) delete chain[i - 1][ks[i - 1]];
}
export function mergePatch(target: Obj, patch: Obj): Obj {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete target[k];
    else if (
      v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      target[k] &&
      typeof target[k] === 'object' &&
      !Array.isArray(target[k])
    )
      mergePatch(target[k], v);
    else target[k] = clone(v);
  }
  return target;
}
/**
 * RFC 6902 JSON patch (what `kubectl patch --type json` sends): add, remove, replace, move,
 * copy, test over JSON-pointer paths; an Error for a path that does not resolve or a failed
 * test (the apiserver answers those 422 — jsonpatch errors wrapped by patch.go).
 */
export function jsonPatch(target: Obj, ops: Obj[]): Obj | Error {
  const doc: Obj = { root: target };
  const split = (ptr: string) => [
    'root',
    ...ptr
      .split('/')
      .slice(1)
      .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~')),
  ];
  const parent = (ptr: string): [any, string] | undefined => {
    const ks = split(ptr);
    let cur: any = doc;
    for (const k of ks.slice(0, -1)) {
      cur = cur?.[k];
      if (cur === undefined || typeof cur !== 'object') return undefined;
    }
    return [cur, ks[ks.length - 1]];
  };
  const read = (ptr: string) => {
    const p = parent(ptr);
    return p ? p[0][p[1]] : undefined;
  };
  const put = (ptr: string, v: unknown, replace: boolean): boolean => {
    const p = parent(ptr);
    if (!p) return false;
    const [c, k] = p;
    if (Array.isArray(c)) {
      const i = k === '-' ? c.length : Number(k);
      if (!Number.isInteger(i) || i < 0 || i > c.length || (replace && i >= c.length)) return false;
      c.splice(i, replace ? 1 : 0, clone(v));
    } else {
      if (replace && !(k in c)) return false;
      c[k] = clone(v);
    }
    return true;
  };
  const remove = (ptr: string): boolean => {
    const p = parent(ptr);
    if (!p || !(p[1] in p[0])) return false;
    if (Array.isArray(p[0])) p[0].splice(Number(p[1]), 1);
    else delete p[0][p[1]];
    return true;
  };
  for (const op of ops) {
    const ok =
      op.op === 'add'
        ? put(op.path, op.value, false)
        : op.op === 'replace'
          ? put(op.path, op.value, true)
          : op.op === 'remove'
            ? remove(op.path)
            : op.op === 'test'
              ? deepEqual(read(op.path), op.value)
              : op.op === 'copy'
                ? read(op.from) !== undefined && put(op.path, read(op.from), false)
                : op.op === 'move'
                  ? (() => {
                      const v = read(op.from);
                      return v !== undefined && remove(op.from) && put(op.path, v, false);
                    })()
                  : false;
    if (!ok)
      return new Error(
        `the server rejected our request due to an error in our request: ${op.op} operation on ${op.path} failed`,
      );
  }
  return doc.root;
}
