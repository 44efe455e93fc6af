/**
 * The journal of objects `--engine k6-operator` creates, written durably before they exist
 * (design.md "Safety rules": never mutate without a journal entry first), then told each
 * object's uid as the server answered the create, and closed (`state: "done"`) once they are
 * deleted again. An open file names exactly what an interrupted run left in the cluster, and
 * `meshproof restore` (src/cluster/k6-operator-restore.ts) deletes those objects — only those:
 * the uid recorded here, or, when a crash came between the create and this record, the run's
 * label. One file per TestRun: `<journal dir>/<name>.k6-operator.json`, beside the policy
 * journals (cluster/journal.ts skips these files by their suffix).
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeDurably } from '../../util/durable.js';

type Obj = Record<string, unknown>;

export const CREATED_JOURNAL_SUFFIX = '.k6-operator.json';
export const CREATED_JOURNAL_KIND = 'MeshproofCreatedObjects';

/** One object the run creates; `uid` once the server answered its create. */
export interface CreatedRef {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string };
  uid?: string;
}

export interface CreatedEntry {
  kind: typeof CREATED_JOURNAL_KIND;
  /** the TestRun's name, which also names the file and is the run's label value */
  name: string;
  /** open: some of `items` may exist · done: all deleted (or found not to be ours) */
  state: 'open' | 'done';
  /** the API server and kubeconfig context the objects were created through */
  cluster: { server: string; context: string };
  createdAt: string;
  updatedAt: string;
  doneAt?: string;
  note?: string;
  /** in creation order */
  items: CreatedRef[];
}

export class CreatedJournal {
  readonly file: string;
  private entry: CreatedEntry | undefined;

  constructor(
    dir: string,
    readonly name: string,
    private readonly cluster: CreatedEntry['cluster'] = { server: '', context: '' },
  ) {
    this.file = path.join(dir, `${name}${CREATED_JOURNAL_SUFFIX}`);
  }

  /** Writes the list, before any of them is created. */
  record(objects: Obj[]): void {
    const now = new Date().toISOString();
    this.entry = {
      kind: CREATED_JOURNAL_KIND,
      name: this.name,
      state: 'open',
      cluster: this.cluster,
      createdAt: now,
      updatedAt: now,
      items: objects.map((o) => {
        const m = o.metadata as { name: string; namespace: string };
        return {
          apiVersion: String(o.apiVersion),
          kind: String(o.kind),
          metadata: { name: m.name, namespace: m.namespace },
        };
      }),
    };
    this.write();
  }

  /** After a create: the uid the server gave the object, so only that object is ever deleted. */
  created(kind: string, uid: string): void {
    const item = this.entry?.items.find((i) => i.kind === kind);
    if (!this.entry || !item) throw new Error(`journal ${this.file}: ${kind} was not recorded before its create`);
    item.uid = uid;
    this.write();
  }

  /** Everything was deleted: the journal has nothing left to say. */
  done(note?: string): void {
    if (!this.entry) return;
    closeCreated(this.file, this.entry, note);
  }

  private write(): void {
    if (!this.entry) return;
    this.entry.updatedAt = new Date().toISOString();
    writeDurably(this.file, `${JSON.stringify(this.entry, null, 2)}\n`);
  }
}

/** Marks a journal done (restore's replay and the engine's own cleanup). */
export function closeCreated(file: string, entry: CreatedEntry, note?: string): void {
  entry.state = 'done';
  entry.doneAt = entry.updatedAt = new Date().toISOString();
  if (note) entry.note = note;
  writeDurably(file, `${JSON.stringify(entry, null, 2)}\n`);
}

/** Every `*.k6-operator.json` in `dir`, read; a file that is not one is named with its reason. */
export function scanCreated(dir: string): {
  entries: { file: string; entry: CreatedEntry }[];
  unreadable: { file: string; reason: string }[];
} {
  const entries: { file: string; entry: CreatedEntry }[] = [];
  const unreadable: { file: string; reason: string }[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return { entries, unreadable }; // no folder (yet), or not one: cluster/journal.ts says which
  }
  for (const n of names.filter((x) => x.endsWith(CREATED_JOURNAL_SUFFIX)).sort()) {
    const file = path.join(dir, n);
    try {
      entries.push({ file, entry: parseCreated(fs.readFileSync(file, 'utf8')) });
    } catch (err) {
      unreadable.push({ file, reason: (err as Error).message });
    }
  }
  return { entries, unreadable };
}

function parseCreated(text: string): CreatedEntry {
  const e = JSON.parse(text) as CreatedEntry;
  if (e?.kind !== CREATED_JOURNAL_KIND)
    throw new Error(`kind ${JSON.stringify(e?.kind)}, expected ${CREATED_JOURNAL_KIND}`);
  if (typeof e.name !== 'string' || !/^[a-z0-9.-]+$/.test(e.name)) throw new Error('incomplete: name');
  if (e.state !== 'open' && e.state !== 'done') throw new Error('incomplete: state ("open" or "done")');
  if (typeof e.cluster?.server !== 'string' || typeof e.cluster.context !== 'string')
    throw new Error('incomplete: cluster.server / cluster.context');
  if (
    !Array.isArray(e.items) ||
    !e.items.every(
      (i) =>
        typeof i?.kind === 'string' &&
        typeof i.metadata?.name === 'string' &&
        typeof i.metadata.namespace === 'string' &&
        (i.uid === undefined || typeof i.uid === 'string'),
    )
  )
    throw new Error('incomplete: items');
  return e;
}
