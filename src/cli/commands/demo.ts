/**
 * `meshproof demo [name…]`: the demo scenarios on the local mesh, one after another, each
 * verdict and report path printed as it lands. `npm run demo` runs this.
 */
import type { Argv } from 'yargs';
import { defineCommand } from '../command.js';
import { basename } from 'node:path';
import { ExitCode, exitCodeForVerdict, MeshproofError, type Outcome } from '../../errors.js';
import { ExperimentInterrupted } from '../../experiment/orchestrator.js';
import { useColor } from '../../config.js';
import { loadScenario } from '../../scenario/scenario.js';
import { demoScenarioFiles, DEMO_SCENARIOS } from '../demo-scenarios.js';
import type { Report, Verdict } from '../../report/model.js';
import { gateRows, statRows } from '../../report/rows.js';
import { experimentOptions, runOne, sessionOptions, type ExperimentArgs } from '../experiment-options.js';
import { createEngine } from '../../load/engines.js';
import type { SessionOptions } from '../../experiment/session.js';

interface DemoArgs extends ExperimentArgs {
  names?: string[];
}

const MARK: Record<Verdict | 'error', string> = { pass: '✔', fail: '✘', inconclusive: '?', error: '!' };

export default defineCommand<DemoArgs>({
  command: 'demo [names..]',
  describe: `run the demo scenarios on the local mesh (${DEMO_SCENARIOS.length} of them, under a minute) and print each verdict`,
  examples: [
    ['meshproof demo', 'watch seven resilience policies proven on the local mesh'],
    ['meshproof demo retries', 'just the retries scenario'],
  ],
  builder: (y: Argv) =>
    y
      .positional('names', {
        type: 'string',
        array: true,
        default: undefined, // yargs would print "[default: []]" after the real default above
        describe: `names of the package's scenarios/ files, the demos' or others' such as outlier-detection-default-cap (default: ${DEMO_SCENARIOS.join(', ')})`,
      })
      .options(experimentOptions) as unknown as Argv,
  run: async (argv) => {
    // with `default: undefined` yargs gives an empty variadic positional as [undefined]
    const files = demoScenarioFiles((argv.names ?? []).filter((n) => n !== undefined));
    // the demo always runs on the local mesh: no cluster flags exist here on purpose
    const opts = { ...sessionOptions(argv), terminal: false };
    // one engine for every scenario: the built-in engine's thread (a local run's load comes from
    // it) starts once — each start cost the demo 0.3-1.5 s (measured under load)
    const engine = opts.engine === 'k6-operator' ? undefined : createEngine(opts.engine, { k6: opts.k6 });
    try {
      return await runDemo(files, { ...opts, sharedEngine: engine }, argv);
    } finally {
      await engine?.close?.();
    }
  },
});

/** Each scenario in turn on the local mesh, its verdict printed as it lands; the worst exit code. */
async function runDemo(files: string[], opts: SessionOptions, argv: DemoArgs): Promise<Outcome> {
  const results: DemoResult[] = [];
  const started = Date.now();
  // one broken scenario (k6 missing, a port taken, a bad file) does not stop the others
  for (const file of files) {
    const t0 = Date.now();
    let name = basename(file, '.yaml');
    try {
      const scenario = await loadScenario(file);
      name = scenario.name;
      const result = await runOne(scenario, opts, argv);
      if (result.kind !== 'report') continue; // cannot happen: the demo never dry-runs
      const { report, files } = result;
      // --format terminal writes no file, so there is no folder to name
      const dir = files.length ? result.dir : '';
      const seconds = (Date.now() - t0) / 1000;
      results.push({
        scenario: name,
        verdict: report.verdict,
        report: dir || undefined,
        seconds,
        exitCode: exitCodeForVerdict(report.verdict),
      });
      process.stderr.write(
        `${paint(report.verdict)} ${name.padEnd(26)} ${report.verdict.toUpperCase().padEnd(12)} ${seconds.toFixed(1).padStart(5)}s${dir ? `  ${dir}` : ''}\n`,
      );
      if (!argv.quiet) process.stderr.write(gateLines(report) + causeMedianLine(report));
    } catch (err) {
      // a user interrupt ends the demo; anything else is this scenario's error
      if (err instanceof ExperimentInterrupted) throw err;
      const seconds = (Date.now() - t0) / 1000;
      const exitCode = err instanceof MeshproofError ? err.exitCode : ExitCode.infra;
      const why = err instanceof Error ? err.message : String(err);
      results.push({ scenario: name, verdict: 'error', error: why, seconds, exitCode });
      process.stderr.write(
        `${paint('error')} ${name.padEnd(26)} ${'ERROR'.padEnd(12)} ${seconds.toFixed(1).padStart(5)}s  ${indent(why)}\n`,
      );
    }
  }
  const total = (Date.now() - started) / 1000;
  process.stderr.write(`${demoSummary(results)} in ${total.toFixed(1)}s\n`);
  if (argv.json) process.stdout.write(`${JSON.stringify({ seconds: total, results }, null, 2)}\n`);
  return { exitCode: worstExitCode(results.map((r) => r.exitCode)) };
}

export interface DemoResult {
  scenario: string;
  verdict: Verdict | 'error';
  /** the report folder (verdicts) */
  report?: string;
  /** what went wrong (errors) */
  error?: string;
  seconds: number;
  exitCode: ExitCode;
}

/** "4/5 passed, 1 error" — errors counted only when there are some. */
export function demoSummary(results: Pick<DemoResult, 'verdict'>[]): string {
  const passed = results.filter((r) => r.verdict === 'pass').length;
  const errors = results.filter((r) => r.verdict === 'error').length;
  return `${passed}/${results.length} passed${errors ? `, ${errors} error${errors === 1 ? '' : 's'}` : ''}`;
}

/**
 * The demo's exit code is its worst scenario's: an error (3 infrastructure, then 2 config) is
 * worse than a failed gate (1), which is worse than inconclusive (4), which is worse than a pass.
 */
export function worstExitCode(codes: ExitCode[]): ExitCode {
  const rank: ExitCode[] = [ExitCode.ok, ExitCode.inconclusive, ExitCode.gateFailed, ExitCode.usage, ExitCode.infra];
  return codes.reduce<ExitCode>((worst, c) => (rank.indexOf(c) > rank.indexOf(worst) ? c : worst), ExitCode.ok);
}

function indent(text: string): string {
  return text.replace(/\n/g, '\n    ');
}

/** The proof under each verdict: every gate with what was observed and its 95 % interval. */
function gateLines(report: Report): string {
  const rows = gateRows(report);
  const width = Math.max(...rows.map((r) => `${r.scope} ${r.metric} ${r.expression}`.length));
  return rows
    .map((r) => {
      const gate = `${r.scope} ${r.metric} ${r.expression}`.padEnd(width);
      const interval =
        r.interval === 'exact' || r.interval === 'no data' || r.interval === 'chi-square'
          ? r.interval
          : `[${r.interval}]`;
      return `    ${r.verdict.padEnd(13)}${gate}  ${r.observed.padStart(9)} ${interval}\n`;
    })
    .join('');
}

/**
 * Each cause's median, baseline → policy, when the run saw more than one cause (the report's
 * "p50 <cause>" rows): what a shed share does to the requests that still succeed, and how fast
 * the shed ones come back (issue 12 item 4: the 200s get slower, the 503s return first).
 */
export function causeMedianLine(report: Report): string {
  const parts = statRows(report)
    .filter((r) => r.label.startsWith('p50 '))
    .map(
      (r) =>
        `${r.label.slice(4)} ${r.baseline.value && r.policy.value ? `${r.baseline.value} → ${r.policy.value}` : r.policy.value || r.baseline.value}`,
    );
  return parts.length ? `    ${'medians'.padEnd(13)}${parts.join(' · ')}\n` : '';
}

function paint(v: Verdict | 'error'): string {
  const colour = v === 'pass' ? 32 : v === 'fail' || v === 'error' ? 31 : 33;
  return useColor(process.stderr) ? `\x1b[${colour}m${MARK[v]}\x1b[0m` : MARK[v];
}
