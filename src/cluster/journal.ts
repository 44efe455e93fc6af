/**
 * The restore journal (design.md "Safety rules": never mutate without a journal entry first).
 * One JSON file per run, `reports/.journal/<run-id>.json`, holding the snapshot of every
 * object we may touch and each intent, written durably *before* the mutation: temp file,
 * fsync, rename, fsync the directory — so after `kill -9` or a power cut the file is either
 * the old or the new version, never half. `meshproof restore` replays what is unfinished.
 * All I/O is synchronous on purpose: it runs in signal handlers and must finish before exit.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ObjectKey, Snapshot } from '../ports.js';
import { InfraError, UsageError } from '../errors.js';
import { keyText, sameKey } from '../ports.js';
import { writeDurably } from '../util/durable.js';
import { CREATED_JOURNAL_SUFFIX } from '../load/k6-operator/created.js';

/** Where journals live unless `--journal-dir` says otherwise (git-ignored with reports/). */
export const DEFAULT_JOURNAL_DIR = path.join('reports', '.journal');
export const JOURNAL_SCHEMA_VERSION = 1 as const;
/**
 * Longest run id a journal file is named after. A file name may hold 255 bytes (NAME_MAX on
 * Linux and macOS); `<run-id>.json` plus the temp suffix `.<pid>.tmp` stays well inside.
 * Scenario names are capped lower (MAX_SCENARIO_NAME), so a run never reaches this.
 */
export const MAX_RUN_ID = 200;

export interface JournalIntent {
  at: string;
  action: 'apply' | 'restore';
  key: ObjectKey;
}

export interface JournalEntry {
  schemaVersion: typeof JOURNAL_SCHEMA_VERSION;
  runId: string;
  createdAt: string;
  updatedAt: string;
  /** open: mutations may be in the cluster · done: restored and read back */
  state: 'open' | 'done';
  /** which API server and context the run talked to, so restore refuses another cluster */
  cluster: { server: string; context: string };
  snapshot: Snapshot;
  intents: JournalIntent[];
  /**
   * What meshproof's last write left of each object (the server's answer to the apply), so a
   * later restore can tell a change by someone else from its own (issue 11 item 3). Optional:
   * journals written before it have none, and their restore cannot tell.
   */
  applied?: { key: ObjectKey; object: Record<string, unknown> | null }[];
  doneAt?: string;
  note?: string;
}

/** A `.json` in the journal folder that is not a readable journal: named, and skipped. */
export interface UnreadableJournal {
  file: string;
  reason: string;
}

export interface ReplayResult {
  restored: string[];
  /** files that could not be read; every other journal was still replayed */
  unreadable: UnreadableJournal[];
  /** already done before this replay (idempotence) */
  alreadyDone: string[];
  failed: { runId: string; error: unknown }[];
}

export class Journal {
  constructor(readonly dir: string = DEFAULT_JOURNAL_DIR) {}

  pathOf(runId: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(runId))
      throw new UsageError(`run id ${JSON.stringify(runId)}: expected letters, digits, ".", "_" or "-"`);
    if (runId.length > MAX_RUN_ID)
      throw new UsageError(
        `run id ${runId.slice(0, 40)}…: ${runId.length} characters, at most ${MAX_RUN_ID} (it names the journal file)`,
      );
    return path.join(this.dir, `${runId}.json`);
  }

  read(runId: string): JournalEntry | undefined {
    const file = this.pathOf(runId);
    this.checkDir();
    if (!fs.existsSync(file)) return undefined;
    return parseEntry(file);
  }

  /** Starts (or extends) a run's journal with snapshot entries not yet recorded. */
  recordSnapshot(runId: string, cluster: JournalEntry['cluster'], snapshot: Snapshot): JournalEntry {
    const now = new Date().toISOString();
    const entry: JournalEntry = this.read(runId) ?? {
      schemaVersion: JOURNAL_SCHEMA_VERSION,
      runId,
      createdAt: now,
      updatedAt: now,
      state: 'open',
      cluster,
      snapshot: { takenAt: snapshot.takenAt, entries: [] },
      intents: [],
    };
    for (const e of snapshot.entries)
      if (!entry.snapshot.entries.some((x) => sameKey(x.key, e.key))) entry.snapshot.entries.push(e);
    entry.state = 'open';
    return this.write(entry);
  }

  /** Must be called, and return, before the mutation it announces. */
  recordIntent(runId: string, action: JournalIntent['action'], key: ObjectKey): JournalEntry {
    const entry = this.mustRead(runId);
    if (!entry.snapshot.entries.some((e) => sameKey(e.key, key)))
      throw new Error(`journal ${runId}: refusing to ${action} ${keyText(key)} without a snapshot of it`);
    entry.intents.push({ at: new Date().toISOString(), action, key });
    entry.state = 'open';
    return this.write(entry);
  }

  /** After a write: what the server answered, replacing an earlier record of the key. */
  recordApplied(runId: string, key: ObjectKey, object: Record<string, unknown> | null): JournalEntry {
    const entry = this.mustRead(runId);
    entry.applied = [...(entry.applied ?? []).filter((a) => !sameKey(a.key, key)), { key, object }];
    return this.write(entry);
  }

  /** After the restore was read back and compared. */
  markDone(runId: string, note?: string): JournalEntry {
    const entry = this.mustRead(runId);
    entry.state = 'done';
    entry.doneAt = new Date().toISOString();
    if (note) entry.note = note;
    return this.write(entry);
  }

  /** Every readable journal; use scan() to also learn which files could not be read. */
  list(): JournalEntry[] {
    return this.scan().entries;
  }

  /**
   * Every `.json` in the folder: the journals, and the files that are not readable journals
   * (torn, foreign, incomplete, unreadable). One bad file never hides the others (issue 13
   * item 8): each caller names the bad ones and goes on with the rest.
   */
  scan(): { entries: JournalEntry[]; unreadable: UnreadableJournal[] } {
    if (!this.checkDir()) return { entries: [], unreadable: [] };
    const entries: JournalEntry[] = [];
    const unreadable: UnreadableJournal[] = [];
    for (const f of fs
      .readdirSync(this.dir)
      .filter((n) => n.endsWith('.json') && !n.endsWith(CREATED_JOURNAL_SUFFIX))
      .sort()) {
      const file = path.join(this.dir, f);
      try {
        entries.push(parseEntry(file));
      } catch (err) {
        unreadable.push({ file, reason: (err as Error).message });
      }
    }
    return { entries, unreadable };
  }

  /** Journals that may have left something changed: open, with at least one intent recorded. */
  listUnfinished(): JournalEntry[] {
    return this.scan().entries.filter(isUnfinished);
  }

  /**
   * `run` refuses to start while an unfinished journal touches any of `keys`. A file that
   * cannot be read says nothing about which objects it touched, so it blocks nobody; it is
   * returned for the caller to name.
   */
  assertNoConflict(keys: ObjectKey[], exceptRunId?: string): UnreadableJournal[] {
    const { entries, unreadable } = this.scan();
    for (const e of entries.filter(isUnfinished)) {
      if (e.runId === exceptRunId) continue;
      const touched = e.snapshot.entries.map((x) => x.key).filter((k) => keys.some((q) => sameKey(q, k)));
      if (touched.length > 0)
        throw new InfraError(
          `run ${e.runId} may have left ${touched.map(keyText).join(', ')} changed (unfinished journal ${this.pathOf(e.runId)}); run \`meshproof restore --run ${e.runId}\` first`,
        );
    }
    return unreadable;
  }

  /**
   * Replays unfinished journals through `restore` (which puts the snapshot back and reads it
   * back), marking each done; idempotent — a done journal is reported, not replayed. A run
   * whose journal holds no intent never mutated anything and is closed without a call.
   */
  async replay(restore: (entry: JournalEntry) => Promise<void>, runId?: string): Promise<ReplayResult> {
    const result: ReplayResult = { restored: [], alreadyDone: [], failed: [], unreadable: [] };
    let entries: JournalEntry[];
    if (runId) {
      const one = this.read(runId);
      if (!one) throw new UsageError(`no journal for run ${runId} in ${this.dir}`);
      entries = [one];
    } else {
      const all = this.scan();
      entries = all.entries.filter(isUnfinished);
      result.unreadable = all.unreadable;
    }
    for (const e of entries) {
      if (e.state === 'done') {
        result.alreadyDone.push(e.runId);
        continue;
      }
      try {
        if (e.intents.length > 0) await restore(e);
        this.markDone(e.runId, e.intents.length > 0 ? 'restored by replay' : 'nothing had been applied');
        result.restored.push(e.runId);
      } catch (error) {
        result.failed.push({ runId: e.runId, error });
      }
    }
    return result;
  }

  private mustRead(runId: string): JournalEntry {
    const e = this.read(runId);
    if (!e) throw new Error(`journal ${runId}: not started (snapshot first)`);
    return e;
  }

  private write(entry: JournalEntry): JournalEntry {
    entry.updatedAt = new Date().toISOString();
    const file = this.pathOf(entry.runId);
    this.checkDir();
    try {
      writeDurably(file, JSON.stringify(entry, null, 2) + '\n');
    } catch (err) {
      // no journal, no mutation (design.md "Safety rules"): the caller has not changed anything yet
      throw new InfraError(
        `cannot write the journal ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; nothing was changed for this step`,
      );
    }
    return entry;
  }

  /** false when the folder does not exist yet; UsageError when the path is something else than a folder (`--journal-dir /etc/passwd`). */
  private checkDir(): boolean {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(this.dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return false;
      if (code === 'ENOTDIR')
        throw new UsageError(`journal folder ${this.dir}: a part of the path is a file, not a folder (--journal-dir)`);
      throw new InfraError(`journal folder ${this.dir} cannot be read: ${code ?? (err as Error).message}`);
    }
    if (!stat.isDirectory())
      throw new UsageError(
        `journal folder ${this.dir}: not a folder (--journal-dir expects the folder holding <run-id>.json files)`,
      );
    return true;
  }
}

function isUnfinished(e: JournalEntry): boolean {
  return e.state !== 'done' && e.intents.length > 0;
}

function parseEntry(file: string): JournalEntry {
  try {
    if (!fs.statSync(file).isFile()) throw new Error('not a regular file');
    const e = JSON.parse(fs.readFileSync(file, 'utf8')) as JournalEntry;
    if (e?.schemaVersion !== JOURNAL_SCHEMA_VERSION)
      throw new Error(`schemaVersion ${e?.schemaVersion}, expected ${JOURNAL_SCHEMA_VERSION}`);
    const missing = missingField(e);
    if (missing) throw new Error(`incomplete: ${missing}`);
    return e;
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new InfraError(`journal ${file} cannot be read: ${why}`);
  }
}

/** The first field a usable journal must have and this one lacks (a hand-edited or foreign file). */
function missingField(e: JournalEntry): string | undefined {
  if (typeof e.runId !== 'string' || !/^[A-Za-z0-9._-]+$/.test(e.runId)) return 'runId';
  if (e.state !== 'open' && e.state !== 'done') return 'state ("open" or "done")';
  if (typeof e.cluster?.server !== 'string' || typeof e.cluster.context !== 'string')
    return 'cluster.server / cluster.context';
  if (!Array.isArray(e.snapshot?.entries)) return 'snapshot.entries';
  for (const [i, x] of e.snapshot.entries.entries()) {
    const k = x?.key;
    if (
      !k ||
      typeof k.name !== 'string' ||
      typeof k.namespace !== 'string' ||
      (k.kind !== 'DestinationRule' && k.kind !== 'VirtualService')
    )
      return `snapshot.entries[${i}].key`;
    if (x.object !== null && (typeof x.object !== 'object' || Array.isArray(x.object)))
      return `snapshot.entries[${i}].object`;
  }
  if (!Array.isArray(e.intents)) return 'intents';
  return undefined;
}
