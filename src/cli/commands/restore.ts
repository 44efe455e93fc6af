/**
 * `meshproof restore`: put back what an interrupted or crashed run left applied, from the
 * journals in `reports/.journal/` (src/cluster/restore.ts does the work). Exit 0 when every
 * journal is restored (or there was nothing to do), 3 when the API cannot be reached or
 * refuses — the journal is kept for the next try.
 */
import { defineCommand, jsonOption } from '../command.js';
import { restoreFromJournals } from '../../cluster/restore.js';
import { DEFAULT_JOURNAL_DIR } from '../../cluster/journal.js';
import { escapeControls } from '../../util/text.js';

interface RestoreArgs {
  run?: string;
  kubeconfig?: string;
  context?: string;
  'journal-dir': string;
  force: boolean;
  json: boolean;
}

export default defineCommand<RestoreArgs>({
  command: 'restore',
  describe: 'put back what an interrupted run left applied in the cluster (replays unfinished journals)',
  examples: [
    ['meshproof restore', 'restore every unfinished run in reports/.journal/'],
    [
      'meshproof restore --run 2026-11-21T22-04-01-cb --context kind-dev',
      'restore one run, against a named kubeconfig context',
    ],
    [
      'meshproof restore --run 2026-11-21T22-04-01-cb --force',
      'restore one run even over what someone else changed meanwhile',
    ],
  ],
  builder: (y) =>
    y.options({
      run: { type: 'string', describe: 'only this run id (default: every unfinished journal)' },
      kubeconfig: { type: 'string', describe: 'kubeconfig file (default: KUBECONFIG, then ~/.kube/config)' },
      context: { type: 'string', describe: "kubeconfig context (default: the journal's own, else the current one)" },
      'journal-dir': { type: 'string', default: DEFAULT_JOURNAL_DIR, describe: 'where run journals are kept' },
      force: {
        type: 'boolean',
        default: false,
        describe: 'put the snapshot back even over changes someone else made during the run (they are lost)',
      },
      ...jsonOption,
    }),
  run: async (argv) => {
    const summary = await restoreFromJournals({
      runId: argv.run,
      kubeconfig: argv.kubeconfig,
      context: argv.context,
      journalDir: argv['journal-dir'],
      force: argv.force,
      log: (line) => process.stderr.write(`meshproof: ${escapeControls(line)}\n`),
    });
    const total =
      summary.restored.length + summary.alreadyDone.length + summary.failed.length + summary.unreadable.length;
    if (total === 0)
      process.stderr.write(`meshproof: nothing to restore (no unfinished journal in ${summary.journalDir})\n`);
    if (argv.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return { exitCode: summary.exitCode };
  },
});
