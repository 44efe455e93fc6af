/**
 * What "exactly as before" means for a Kubernetes object. The API server owns some metadata
 * (uid, resourceVersion, generation, creationTimestamp, managedFields) and changes it on every
 * write, and Istio's controllers own `status`; everything else — spec, labels, annotations,
 * finalizers, owner references — is the user's and must come back byte for byte.
 */
import { isDeepStrictEqual } from 'node:util';

type Obj = Record<string, unknown>;

/** Metadata the API server sets; never sent back on create/replace. */
export const SERVER_MANAGED_METADATA = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
] as const;

/** The object as the user wrote it: for re-creating a deleted object or replacing a changed one. */
export function userContent(o: Obj): Obj {
  const { status: _status, metadata, ...rest } = structuredClone(o) as Obj & { metadata?: Obj };
  const meta: Obj = { ...(metadata ?? {}) };
  for (const f of SERVER_MANAGED_METADATA) delete meta[f];
  return { ...rest, metadata: meta };
}

/** Comparable view: user content minus apiVersion (Istio's served versions share one schema). */
export function comparable(o: Obj | null | undefined): unknown {
  if (!o) return null;
  const { apiVersion: _v, ...rest } = userContent(o);
  const meta = rest.metadata as Obj;
  // an empty map and an absent one are the same object to the API server
  for (const k of ['labels', 'annotations']) if (meta[k] && Object.keys(meta[k] as Obj).length === 0) delete meta[k];
  return rest;
}

export function sameContent(a: Obj | null | undefined, b: Obj | null | undefined): boolean {
  return isDeepStrictEqual(comparable(a), comparable(b));
}

/**
 * Leaf-level differences under `spec`, e.g. `spec.http[0].timeout: (unset) → "1s"`; for the
 * dry-run plan. Arrays are walked index by index.
 */
export function specChanges(before: Obj | null, after: Obj | null, limit = 20): string[] {
  const out: string[] = [];
  walk((before?.spec ?? undefined) as unknown, (after?.spec ?? undefined) as unknown, 'spec', out);
  return out.length > limit ? [...out.slice(0, limit), `… and ${out.length - limit} more`] : out;
}

function walk(a: unknown, b: unknown, path: string, out: string[]): void {
  if (isDeepStrictEqual(a, b)) return;
  const container = (v: unknown) => v !== null && typeof v === 'object';
  if (container(a) && container(b) && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a as Obj), ...Object.keys(b as Obj)]);
    for (const k of keys) walk((a as Obj)[k], (b as Obj)[k], Array.isArray(a) ? `${path}[${k}]` : `${path}.${k}`, out);
    return;
  }
  out.push(`${path}: ${show(a)} → ${show(b)}`);
}

function show(v: unknown): string {
  return v === undefined ? '(unset)' : JSON.stringify(v);
}

/**
 * Field ownership as restore must put it back (issue 11 item 2): each managedFields entry's
 * manager, operation, apiVersion, subresource and fieldsV1 — timestamps aside, and entries of
 * the `status` subresource aside (istiod's, like `status` itself). Sorted, so order is moot.
 */
export function ownership(o: Obj | null | undefined): unknown[] {
  const entries = ((o?.metadata as Obj | undefined)?.managedFields as Obj[] | undefined) ?? [];
  return entries
    .filter((e) => e.subresource !== 'status')
    .map(({ time: _t, ...rest }) => rest)
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

export function sameOwnership(a: Obj | null | undefined, b: Obj | null | undefined): boolean {
  return isDeepStrictEqual(ownership(a), ownership(b));
}

/** Content and ownership unchanged: nobody wrote the object since `expected` was read. */
export function unchangedSince(expected: Obj | null, now: Obj | null): boolean {
  if (expected === null || now === null) return expected === now;
  return sameContent(expected, now) && sameOwnership(expected, now);
}

/**
 * Who changed an object, from its managedFields: the entries of `now` (status aside) that
 * are new or carry a new time — the server stamps the time of the manager that wrote, not of
 * the ones that lost fields to it. `"kubectl-label" (Update at 2026-11-30T03:26:25Z)`.
 */
export function changedBy(before: Obj | null, now: Obj | null): string[] {
  if (now === null) return ['deleted (managedFields cannot say by whom)'];
  // a manager that wrote has a new entry or a new time; one that only lost fields keeps its time
  const stamp = (e: Obj) =>
    `${String(e.manager)}/${String(e.operation)}/${String(e.apiVersion)}/${String(e.subresource ?? '')}/${String(e.time)}`;
  const old = new Set((((before?.metadata as Obj | undefined)?.managedFields as Obj[] | undefined) ?? []).map(stamp));
  const entries = ((now.metadata as Obj | undefined)?.managedFields as Obj[] | undefined) ?? [];
  return entries
    .filter((e) => e.subresource !== 'status' && !old.has(stamp(e)))
    .map((e) => `"${String(e.manager)}" (${String(e.operation)}${e.time ? ` at ${String(e.time)}` : ''})`);
}

/**
 * The managers that wrote since `before`: entries of `now` (status aside) that are new or carry
 * a new time. A write that only removed fields leaves no entry and names nobody.
 */
export function writersSince(before: Obj | null, now: Obj | null): string[] {
  const stamp = (e: Obj) =>
    `${String(e.manager)}/${String(e.operation)}/${String(e.apiVersion)}/${String(e.subresource ?? '')}/${String(e.time)}`;
  const old = new Set((((before?.metadata as Obj | undefined)?.managedFields as Obj[] | undefined) ?? []).map(stamp));
  return (((now?.metadata as Obj | undefined)?.managedFields as Obj[] | undefined) ?? [])
    .filter((e) => e.subresource !== 'status' && !old.has(stamp(e)))
    .map((e) => String(e.manager));
}

/**
 * Whether every manager that wrote since `before` is meshproof itself: a write of ours whose
 * answer was never journaled (a crash between a write and its record), not someone else's.
 */
export function onlyWrittenBy(manager: string, before: Obj | null, now: Obj | null): boolean {
  if (before === null || now === null) return false;
  const writers = writersSince(before, now);
  return writers.length > 0 && writers.every((m) => m === manager);
}

/**
 * The three-way difference of a concurrent change (issue 11 item 3): for every spec, label and
 * annotation leaf where the snapshot, what meshproof applied and what is there now are not all
 * equal, one line `spec.http[0].timeout: before (unset) | meshproof applied "0.5s" | now "2s"`.
 */
export function threeWayDiff(before: Obj | null, applied: Obj | null, now: Obj | null, limit = 20): string[] {
  const view = (o: Obj | null) => {
    if (!o) return undefined;
    const meta = (o.metadata as Obj | undefined) ?? {};
    return { metadata: { labels: meta.labels, annotations: meta.annotations }, spec: o.spec };
  };
  const [b, a, n] = [view(before), view(applied), view(now)];
  const paths = new Map<string, string[]>();
  for (const v of [b, a, n]) collectLeaves(v, [], paths);
  const out: string[] = [];
  for (const [text, keys] of [...paths.entries()].sort(([x], [y]) => x.localeCompare(y))) {
    const [x, y, z] = [b, a, n].map((v) => show(at(v, keys)));
    // nothing applied yet (the snapshot stands for meshproof's last write): two columns
    if (x !== y || y !== z)
      out.push(
        applied === before
          ? `${text}: before ${x} | now ${z}`
          : `${text}: before ${x} | meshproof applied ${y} | now ${z}`,
      );
  }
  if (!now) out.push('the object: now deleted');
  return out.length > limit ? [...out.slice(0, limit), `… and ${out.length - limit} more`] : out;
}

/** Leaf paths as key lists, keyed by their printed form (`metadata.labels.meshproof.io/run-id`, `spec.http[0]`). */
function collectLeaves(v: unknown, keys: string[], out: Map<string, string[]>): void {
  if (v !== null && typeof v === 'object' && Object.keys(v).length > 0) {
    for (const [k, x] of Object.entries(v)) collectLeaves(x, [...keys, Array.isArray(v) ? `[${k}]` : k], out);
  } else if (v !== undefined && keys.length > 0)
    out.set(keys.map((k, i) => (k.startsWith('[') || i === 0 ? k : `.${k}`)).join(''), keys);
}

function at(v: unknown, keys: string[]): unknown {
  return keys.reduce<unknown>(
    (cur, k) =>
      cur !== null && typeof cur === 'object' ? (cur as Obj)[k.startsWith('[') ? k.slice(1, -1) : k] : undefined,
    v,
  );
}
