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
