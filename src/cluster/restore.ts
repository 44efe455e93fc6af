/**
 * `meshproof restore` as a library: replay every unfinished journal (or one run's) against
 * the cluster it was written for, through the same restore-and-read-back the run uses, and
 * delete what interrupted `--engine k6-operator` runs left (k6-operator-restore.ts).
 * Idempotent: a finished journal is reported, not replayed; an object already back in its
 * snapshot state is not written. A journal whose restore fails (API down, forbidden) is kept.
 */
import { ExitCode, MeshproofError, type ExitCode as Code } from '../errors.js';
import { ClusterApplier } from './applier.js';
import { Journal, DEFAULT_JOURNAL_DIR, type JournalEntry, type ReplayResult } from './journal.js';
import { hasCreated, replayCreated } from './k6-operator-restore.js';
import { loadConnection, type ConnectOptions, type Connection } from './kubeconfig.js';
import { keyText } from '../ports.js';

export interface RestoreOptions extends Pick<ConnectOptions, 'kubeconfig' | 'context' | 'env' | 'retry'> {
  runId?: string;
  journalDir?: string;
  /** overwrite objects someone else changed since the run's last write (default: leave them, exit 3) */
  force?: boolean;
  log?: (line: string) => void;
}

export interface RestoreSummary {
  journalDir: string;
  restored: string[];
  alreadyDone: string[];
  failed: { runId: string; message: string; exitCode: Code }[];
  /** `.json` files that are not readable journals: named and skipped, the others were replayed */
  unreadable: { file: string; reason: string }[];
  exitCode: Code;
}

export async function restoreFromJournals(opts: RestoreOptions = {}): Promise<RestoreSummary> {
  const journalDir = opts.journalDir ?? DEFAULT_JOURNAL_DIR;
  const journal = new Journal(journalDir);
  const log = opts.log ?? (() => {});
  // `--run NAME` of a k6-operator run names its TestRun; it has no policy journal
  const operatorOnly = opts.runId !== undefined && !journal.read(opts.runId) && hasCreated(journalDir, opts.runId);
  const result: ReplayResult = operatorOnly
    ? { restored: [], alreadyDone: [], failed: [], unreadable: [] }
    : await journal.replay(async (entry) => {
        log(
          `restoring run ${entry.runId}: ${entry.snapshot.entries.map((e) => `${keyText(e.key)} (${e.object ? 'as before' : 'absent before'})`).join(', ')}`,
        );
        const applier = new ClusterApplier({
          conn: await connectionFor(entry.cluster, opts),
          runId: entry.runId,
          journal,
          log,
        });
        await applier.restoreJournal(entry, opts.force);
      }, opts.runId);
  const created =
    opts.runId === undefined || operatorOnly
      ? await replayCreated(journalDir, (cluster) => connectionFor(cluster, opts), log, opts.runId)
      : { restored: [], alreadyDone: [], failed: [], unreadable: [] };
  const failed = [
    ...result.failed.map(({ runId, error }) => ({
      runId,
      message: withJournal(error instanceof Error ? error.message : String(error), journal.pathOf(runId)),
      exitCode: error instanceof MeshproofError ? error.exitCode : ExitCode.infra,
    })),
    ...created.failed,
  ];
  result.unreadable.push(...created.unreadable);
  for (const f of failed) log(`run ${f.runId} not restored: ${f.message}`);
  for (const r of result.restored) log(`run ${r} restored and read back`);
  for (const r of created.restored) log(`run ${r}: what it created is deleted`);
  result.restored.push(...created.restored);
  result.alreadyDone.push(...created.alreadyDone);
  for (const r of result.alreadyDone) log(`run ${r} was already restored`);
  for (const u of result.unreadable)
    log(
      `skipped ${u.file}: ${u.reason.replace(/^journal \S+ cannot be read: /, 'cannot be read: ')}; it may stand for a run that left a change — check it, then fix or delete the file`,
    );
  // infrastructure trouble outranks a wrong flag: the cluster may still carry a policy — and so
  // may whatever run an unreadable journal stood for, so that is no clean exit either
  const infra = failed.some((f) => f.exitCode === ExitCode.infra) || result.unreadable.length > 0;
  const exitCode = infra ? ExitCode.infra : (failed[0]?.exitCode ?? ExitCode.ok);
  return {
    journalDir,
    restored: result.restored,
    alreadyDone: result.alreadyDone,
    failed,
    unreadable: result.unreadable,
    exitCode,
  };
}

/** The message, saying where the journal is kept unless it already does (concurrent.ts). */
function withJournal(message: string, file: string): string {
  return message.includes(file) ? message : `${message}; journal kept: ${file}`;
}

/** The journal's own context when the kubeconfig has it and `--context` was not given. */
async function connectionFor(cluster: JournalEntry['cluster'], opts: RestoreOptions): Promise<Connection> {
  if (opts.context) return loadConnection(opts);
  const probe = await loadConnection(opts);
  const own = probe.kc.getContextObject(cluster.context) ? cluster.context : undefined;
  return own && own !== probe.context ? loadConnection({ ...opts, context: own }) : probe;
}
