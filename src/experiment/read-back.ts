/**
 * After the final restore: read the objects back and compare with the snapshot (design.md
 * "Safety rules": restore, then read back and compare). Server-managed metadata is ignored —
 * a re-created object legitimately gets a new uid and resourceVersion.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Applier, Snapshot } from './applier.js';

/** Metadata the API server owns; it changes on every write and says nothing about the policy. */
const SERVER_FIELDS = ['resourceVersion', 'uid', 'creationTimestamp', 'generation', 'managedFields'] as const;

/** One note line per finding; an empty mismatch list yields the one "restored" line. */
export async function readBack(applier: Applier, snapshot: Snapshot): Promise<string[]> {
  if (snapshot.entries.length === 0) return [];
  const now = await applier.snapshot(snapshot.entries.map((e) => e.key));
  const mismatches: string[] = [];
  for (const before of snapshot.entries) {
    const after = now.entries.find((e) => sameKey(e.key, before.key));
    const name = `${before.key.kind} ${before.key.namespace}/${before.key.name}`;
    if (!isDeepStrictEqual(normalize(after?.object ?? null), normalize(before.object))) {
      mismatches.push(`restore read-back: ${name} differs from its snapshot (${before.object ? 'expected as before' : 'expected absent'})`);
    }
  }
  if (mismatches.length) return mismatches;
  return [`restore read-back: ${snapshot.entries.length} object(s) exactly as before the run`];
}

function sameKey(a: Snapshot['entries'][number]['key'], b: Snapshot['entries'][number]['key']): boolean {
  return a.kind === b.kind && a.namespace === b.namespace && a.name === b.name;
}

function normalize(o: Record<string, unknown> | null): unknown {
  if (!o) return null;
  const copy = structuredClone(o) as { metadata?: Record<string, unknown> };
  for (const f of SERVER_FIELDS) delete copy.metadata?.[f];
  return copy;
}
