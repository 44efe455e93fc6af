/**
 * After the final restore: read the objects back and compare with the snapshot (design.md
 * "Safety rules": restore, then read back and compare). "The same" is the cluster applier's
 * own definition (src/cluster/objects.ts `sameContent`, and `sameOwnership` for
 * managedFields: managers, operations, fieldsV1, timestamps aside): other server-managed
 * metadata and Istio's `status` are ignored — a restored object legitimately gets a new resourceVersion and
 * generation, and istiod rewrites `status.observedGeneration` after every write.
 */
import type { Applier, Snapshot } from '../ports.js';
import { sameContent, sameOwnership } from '../cluster/objects.js';
import { keyText, sameKey } from '../ports.js';

/** One note line per finding; an empty mismatch list yields the one "restored" line. */
export async function readBack(applier: Applier, snapshot: Snapshot): Promise<string[]> {
  if (snapshot.entries.length === 0) return [];
  const now = await applier.snapshot(snapshot.entries.map((e) => e.key));
  const mismatches: string[] = [];
  for (const before of snapshot.entries) {
    const after = now.entries.find((e) => sameKey(e.key, before.key));
    const name = keyText(before.key);
    if (!sameContent(after?.object ?? null, before.object)) {
      mismatches.push(
        `restore read-back: ${name} differs from its snapshot (${before.object ? 'expected as before' : 'expected absent'})`,
      );
    } else if (!sameOwnership(after?.object ?? null, before.object)) {
      mismatches.push(
        `restore read-back: ${name} has its content back but not its managedFields (field ownership differs from the snapshot)`,
      );
    }
  }
  if (mismatches.length) return mismatches;
  const owned = snapshot.entries.some((e) =>
    Array.isArray((e.object?.metadata as { managedFields?: unknown } | undefined)?.managedFields),
  );
  return [
    `restore read-back: ${snapshot.entries.length} object(s) exactly as before the run${owned ? ', content and managedFields (field ownership; timestamps aside)' : ''}`,
  ];
}
