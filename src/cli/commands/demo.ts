/**
 * `meshproof demo [name…]`: the demo scenarios on the local mesh, one after another, each
 * verdict and report path printed as it lands (issue D item 5). `npm run demo` runs this.
 */
import type { Argv } from 'yargs';
import { defineCommand } from '../command.js';
import { exitCodeForVerdict } from '../exit.js';
import { overallVerdict } from '../../analysis/gates.js';
import { useColor } from '../../config.js';
import { loadScenario } from '../../experiment/scenario.js';
import { demoScenarioFiles, DEMO_SCENARIOS } from '../../experiment/demo.js';
import type { Report, Verdict } from '../../report/model.js';
import { gateRows } from '../../report/rows.js';
import { experimentOptions, runOne, sessionOptions, type ExperimentArgs } from '../experiment-options.js';

interface DemoArgs extends ExperimentArgs {
  names: string[];
}

const MARK: Record<Verdict, string> = { pass: '✔', fail: '✘', inconclusive: '?' };

export default defineCommand<DemoArgs>({
  command: 'demo [names..]',
  describe: `run the demo scenarios on the local mesh (${DEMO_SCENARIOS.length} of them, under a minute) and print each verdict`,
  examples: [
    ['meshproof demo', 'watch five resilience policies proven on the local mesh'],
    ['meshproof demo retries', 'just the retries scenario'],
  ],
  builder: (y: Argv) =>
    y.positional('names', { type: 'string', array: true, describe: `scenario names (default: ${DEMO_SCENARIOS.join(', ')})` }).options(experimentOptions) as unknown as Argv,
  run: async (argv) => {
    const files = demoScenarioFiles(argv.names ?? []);
    // the demo always runs on the local mesh: no cluster flags exist here on purpose
    const opts = { ...sessionOptions(argv), terminal: false };
    const results: { scenario: string; verdict: Verdict; report: string; seconds: number }[] = [];
    const started = Date.now();
    for (const file of files) {
      const scenario = await loadScenario(file);
      const t0 = Date.now();
      const result = await runOne(scenario, opts, argv);
      if (result.kind !== 'report') continue; // cannot happen: the demo never dry-runs
      const { report, dir } = result;
      const seconds = (Date.now() - t0) / 1000;
      results.push({ scenario: scenario.name, verdict: report.verdict, report: dir, seconds });
      process.stderr.write(`${paint(report.verdict)} ${scenario.name.padEnd(26)} ${report.verdict.toUpperCase().padEnd(12)} ${seconds.toFixed(1).padStart(5)}s  ${dir}\n`);
      if (!argv.quiet) process.stderr.write(gateLines(report));
    }
    const total = (Date.now() - started) / 1000;
    process.stderr.write(`${results.filter((r) => r.verdict === 'pass').length}/${results.length} passed in ${total.toFixed(1)}s\n`);
    if (argv.json) process.stdout.write(`${JSON.stringify({ seconds: total, results }, null, 2)}\n`);
    // fail beats inconclusive beats pass: the demo's exit code is its worst scenario's
    return { exitCode: exitCodeForVerdict(overallVerdict(results)) };
  },
});

/** The proof under each verdict: every gate with what was observed and its 95 % interval. */
function gateLines(report: Report): string {
  const rows = gateRows(report);
  const width = Math.max(...rows.map((r) => `${r.scope} ${r.metric} ${r.expression}`.length));
  return rows
    .map((r) => {
      const gate = `${r.scope} ${r.metric} ${r.expression}`.padEnd(width);
      const interval = r.interval === 'exact' || r.interval === 'no data' ? r.interval : `[${r.interval}]`;
      return `    ${r.verdict.padEnd(13)}${gate}  ${r.observed.padStart(9)} ${interval}\n`;
    })
    .join('');
}

function paint(v: Verdict): string {
  const colour = v === 'pass' ? 32 : v === 'fail' ? 31 : 33;
  return useColor(process.stderr) ? `\x1b[${colour}m${MARK[v]}\x1b[0m` : MARK[v];
}
