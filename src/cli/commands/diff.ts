/** `meshproof diff <old> <new>`: compare two runs' report.json and exit 1 on a regression (src/analysis/diff.ts says what counts). */
import { defineCommand, jsonOption } from '../command.js';
import { ExitCode, UsageError } from '../exit.js';
import { useColor } from '../../config.js';
import { DEFAULT_DIFF_TOLERANCE_MS, DEFAULT_DIFF_TOLERANCE_RATIO, diffReports } from '../../analysis/diff.js';
import { readReport } from '../../report/read.js';
import { renderDiff } from '../../report/diff-terminal.js';

interface DiffArgs {
  old: string;
  new: string;
  toleranceRatio: number;
  toleranceMs: number;
  json: boolean;
}

export default defineCommand<DiffArgs>({
  command: 'diff <old> <new>',
  describe: 'compare two runs (e.g. main vs a PR): exit 1 when the new one regressed',
  examples: [
    ['$0 diff main/report.json pr/report.json', 'a gate that passed now fails, or a failure share / percentile rose beyond tolerance → exit 1'],
    ['$0 diff a.json b.json --tolerance-ratio 0.05 --tolerance-ms 20 --json', 'looser tolerances; the changes as JSON on stdout'],
  ],
  builder: (y) =>
    y
      .positional('old', { type: 'string', describe: 'report.json of the reference run' })
      .positional('new', { type: 'string', describe: 'report.json of the run to judge' })
      .options({
        'tolerance-ratio': { type: 'number', default: DEFAULT_DIFF_TOLERANCE_RATIO, describe: 'a failure or cause share must rise by more than this (0.02 = 2 percentage points), with non-overlapping 95 % intervals' },
        'tolerance-ms': { type: 'number', default: DEFAULT_DIFF_TOLERANCE_MS, describe: 'a latency percentile must rise by more than this many ms, with non-overlapping 95 % intervals' },
        ...jsonOption,
      }),
  run: async (argv) => {
    const tolerance = { ratio: argv.toleranceRatio, ms: argv.toleranceMs };
    if (!(tolerance.ratio >= 0 && tolerance.ratio < 1)) throw new UsageError(`--tolerance-ratio: expected a share between 0 and 1 (e.g. 0.02), got ${argv.toleranceRatio}`);
    if (!(tolerance.ms >= 0)) throw new UsageError(`--tolerance-ms: expected a non-negative number of milliseconds, got ${argv.toleranceMs}`);
    const [oldReport, newReport] = await Promise.all([readReport(String(argv.old)), readReport(String(argv.new))]);
    const d = diffReports(oldReport, newReport, tolerance);
    if (argv.json) process.stdout.write(`${JSON.stringify(d, null, 2)}\n`);
    process.stderr.write(renderDiff(d, { color: useColor() }));
    return { exitCode: d.regression ? ExitCode.gateFailed : ExitCode.ok };
  },
});
