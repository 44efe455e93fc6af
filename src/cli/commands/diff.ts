/**
 * `meshproof diff <old> <new>`: compare two runs' report.json and exit 1 on a regression.
 * By default it compares what each run's policy did to its own baseline (effects), which
 * holds on noisy CI runners; `--absolute` compares the phases across runs
 * (src/report/diff.ts says what counts in each mode).
 */
import { writeFile } from 'node:fs/promises';
import { defineCommand, jsonOption } from '../command.js';
import { ConfigError, ExitCode, UsageError } from '../../errors.js';
import { useColor } from '../../config.js';
import {
  DEFAULT_DIFF_TOLERANCE_EFFECT,
  DEFAULT_DIFF_TOLERANCE_LATENCY_RATIO,
  DEFAULT_DIFF_TOLERANCE_MS,
  DEFAULT_DIFF_TOLERANCE_RATIO,
  diffReports,
} from '../../report/diff.js';
import { readReport } from '../../report/read.js';
import { renderDiff } from '../../report/diff-terminal.js';
import { renderDiffJunit } from '../../report/diff-junit.js';

interface DiffArgs {
  old: string;
  new: string;
  absolute: boolean;
  toleranceRatio: number;
  toleranceMs: number;
  toleranceLatencyRatio: number;
  toleranceEffect: number;
  junit?: string;
  json: boolean;
}

export default defineCommand<DiffArgs>({
  command: 'diff <old> <new>',
  describe: 'compare two runs (e.g. main vs a PR): exit 1 when the policy now does less, or a gate that passed fails',
  examples: [
    [
      '$0 diff main/report.json pr/report.json',
      "each run's policy vs its own baseline: an effect that weakened, a new failure cause or a gate that now fails → exit 1",
    ],
    [
      '$0 diff a.json b.json --absolute --tolerance-ms 20 --json',
      'phase numbers across runs (same quiet machine only); the comparisons as JSON on stdout',
    ],
    ['$0 diff main/report.json pr/report.json --junit diff.xml', 'also write one JUnit test case per comparison'],
  ],
  builder: (y) =>
    y
      .positional('old', { type: 'string', describe: 'report.json of the reference run (or its report folder)' })
      .positional('new', { type: 'string', describe: 'report.json of the run to judge (or its report folder)' })
      .options({
        absolute: {
          type: 'boolean',
          default: false,
          describe:
            "compare the phases' numbers across runs instead of each policy's effect on its own baseline (machine noise counts)",
        },
        'tolerance-ratio': {
          type: 'number',
          default: DEFAULT_DIFF_TOLERANCE_RATIO,
          describe:
            'a share (or a policy effect on a share) must move by more than this (0.02 = 2 percentage points), with non-overlapping 95 % intervals',
        },
        'tolerance-latency-ratio': {
          type: 'number',
          default: DEFAULT_DIFF_TOLERANCE_LATENCY_RATIO,
          describe:
            'a latency effect (policy ÷ baseline percentile of ok answers) must move by more than this, with non-overlapping 95 % intervals',
        },
        'tolerance-effect': {
          type: 'number',
          default: DEFAULT_DIFF_TOLERANCE_EFFECT,
          describe:
            'an effect must also move by more than this fraction of its own size (0.25: a quarter) — machine load shifts effects too, not only the sampling',
        },
        'tolerance-ms': {
          type: 'number',
          default: DEFAULT_DIFF_TOLERANCE_MS,
          describe:
            'with --absolute: a latency percentile must rise by more than this many ms, with non-overlapping 95 % intervals',
        },
        junit: {
          type: 'string',
          describe: 'write JUnit XML here: one test case per comparison, a regression as a failure',
        },
        ...jsonOption,
      }),
  run: async (argv) => {
    const tolerance = {
      ratio: argv.toleranceRatio,
      ms: argv.toleranceMs,
      latencyRatio: argv.toleranceLatencyRatio,
      effect: argv.toleranceEffect,
    };
    if (!(tolerance.ratio >= 0 && tolerance.ratio < 1))
      throw new UsageError(
        `--tolerance-ratio: expected a share between 0 and 1 (e.g. 0.02), got ${argv.toleranceRatio}`,
      );
    if (!(tolerance.ms >= 0))
      throw new UsageError(`--tolerance-ms: expected a non-negative number of milliseconds, got ${argv.toleranceMs}`);
    if (!(tolerance.effect >= 0 && tolerance.effect < 1))
      throw new UsageError(
        `--tolerance-effect: expected a fraction between 0 and 1 (e.g. 0.25), got ${argv.toleranceEffect}`,
      );
    if (!(tolerance.latencyRatio >= 0))
      throw new UsageError(
        `--tolerance-latency-ratio: expected a non-negative number (e.g. 0.1), got ${argv.toleranceLatencyRatio}`,
      );
    if (argv.junit !== undefined && argv.junit.trim() === '') throw new UsageError('--junit: expected a file path');
    const [oldReport, newReport] = await Promise.all([readReport(String(argv.old)), readReport(String(argv.new))]);
    const d = diffReports(oldReport, newReport, { mode: argv.absolute ? 'absolute' : 'effects', tolerance });
    if (argv.junit !== undefined) await writeJunit(argv.junit, renderDiffJunit(d));
    if (argv.json) process.stdout.write(`${JSON.stringify(d, null, 2)}\n`);
    process.stderr.write(renderDiff(d, { color: useColor() }));
    // a regression is still red; numbers that cannot be compared decide nothing (design.md: 4 inconclusive)
    return { exitCode: d.regression ? ExitCode.gateFailed : d.inconclusive ? ExitCode.inconclusive : ExitCode.ok };
  },
});

async function writeJunit(path: string, xml: string): Promise<void> {
  try {
    await writeFile(path, xml);
  } catch (e) {
    throw new ConfigError(
      `--junit ${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
}
