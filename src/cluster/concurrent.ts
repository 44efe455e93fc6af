/**
 * Changes someone else made to an object while meshproof had it changed (issue 11 item 3).
 * meshproof re-reads every object before it writes it again (the next apply, the restore)
 * and compares it with what its own last write left (content and managedFields, status
 * aside): anything else means the policy phase did not measure the user's policy alone, and
 * putting the snapshot back would silently revert the other change. The run stops with exit
 * 3 naming what changed and who (managedFields), the object is left as it is, the journal is
 * kept, and `meshproof restore --force` is the explicit way to overwrite it anyway.
 */
import type { ObjectKey } from '../ports.js';
import { InfraError } from '../errors.js';
import { changedBy, threeWayDiff } from './objects.js';
import { keyText } from '../ports.js';

type Obj = Record<string, unknown>;

export interface ConcurrentChange {
  key: ObjectKey;
  /** the snapshot, what meshproof's last write left, what is there now */
  before: Obj | null;
  applied: Obj | null;
  now: Obj | null;
}

export class ConcurrentChangeError extends InfraError {
  constructor(
    readonly runId: string,
    readonly changes: ConcurrentChange[],
    journalPath: string,
    /**
     * restore: left alone · apply: not applied again · first-apply: changed since the snapshot,
     * before any policy was applied to it · reverted: already back as before the run
     */
    when: 'apply' | 'first-apply' | 'restore' | 'reverted',
  ) {
    const what = changes
      .map(
        (c) =>
          `${keyText(c.key)} (${c.now === null ? 'deleted' : `changed by ${changedBy(c.applied, c.now).join(', ') || 'an unknown manager'}`})`,
      )
      .join('; ');
    const left = when === 'restore' ? 'left as it is now, not restored' : 'not applied again';
    const diff = changes.flatMap((c) => [
      `  ${keyText(c.key)}:`,
      ...threeWayDiff(c.before, c.applied, c.now).map((l) => `    ${l}`),
    ]);
    const outcome =
      when === 'reverted'
        ? `it was already as before the run, so nothing was restored over it; journal closed: ${journalPath}`
        : `${left}, so that change is kept; journal kept: ${journalPath}; \`meshproof restore --run ${runId} --force\` puts the snapshot back over it`;
    const head =
      when === 'first-apply'
        ? `someone else changed ${what} after run ${runId} took its snapshot: applying the policy over it, then restoring the older snapshot, would undo that change, so the run stops before touching it; it is kept as it is`
        : `someone else changed ${what} while run ${runId} had its policy applied: the policy phase did not measure your policy alone, so the run is void; ${outcome}`;
    super(`${head}\n` + diff.join('\n'));
  }
}
