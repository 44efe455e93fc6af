/**
 * `meshproof run <scenario.yaml>`: one experiment — baseline, policy, restore, verdict — on
 * the local mesh (default) or a real cluster (`--target`, `--kubeconfig`, `--context`).
 * Wiring only: the work is runSession() in src/experiment.
 */
import type { Argv } from 'yargs';
import { defineCommand } from '../command.js';
import { ExitCode, UsageError, exitCodeForVerdict } from '../../errors.js';
import { useColor } from '../../config.js';
import { loadScenario, type Scenario } from '../../scenario/scenario.js';
import type { SessionResult } from '../../experiment/session.js';
import { MAX_REPEAT } from '../../scenario/defaults.js';
import { DEFAULT_MAX_RATE, DEFAULT_MAX_VUS, LOCAL_MAX_RATE, LOCAL_MAX_VUS } from '../../scenario/load-cap.js';
import { render as renderTerminal } from '../../report/terminal.js';
import { positiveFlag, seedFlag } from '../flag-checks.js';
import { experimentOptions, runOne, sessionOptions, type ExperimentArgs } from '../experiment-options.js';
import { escapeControls } from '../../util/text.js';

interface RunArgs extends ExperimentArgs {
  scenario: string;
  repeat?: number;
  seed?: number;
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  target?: string;
  'dry-run': boolean;
  'allow-system-namespaces': boolean;
  'allow-other-namespaces': boolean;
  'max-rate'?: number;
  'max-vus'?: number;
}

export default defineCommand<RunArgs>({
  command: 'run <scenario>',
  describe: 'run one experiment: baseline, apply the policy, measure again, restore, judge the gates',
  examples: [
    ['meshproof run scenarios/connection-pool-overflow.yaml', 'prove a connection-pool policy on the local mesh'],
    ['meshproof run my.yaml --target auto --context prod-eu --dry-run', 'show what a real-cluster run would apply'],
  ],
  builder: (y: Argv) =>
    y.positional('scenario', { type: 'string', describe: 'scenario file (YAML)' }).options({
      ...experimentOptions,
      repeat: {
        type: 'number',
        describe: `alternate A B B A … this many times and pool (1–${MAX_REPEAT}) [default: the scenario's]`,
      },
      seed: { type: 'number', describe: "random seed for the local mesh and the engine [default: the scenario's]" },
      kubeconfig: {
        type: 'string',
        group: 'Real cluster:',
        describe: 'kubeconfig file (default: KUBECONFIG, then ~/.kube/config)',
      },
      context: { type: 'string', group: 'Real cluster:', describe: 'kubeconfig context' },
      namespace: {
        type: 'string',
        group: 'Real cluster:',
        describe: "namespace of the policy objects [default: the scenario's, else the context's]",
      },
      target: { type: 'string', group: 'Real cluster:', describe: 'ingress gateway URL, or "auto" to discover it' },
      'dry-run': {
        type: 'boolean',
        default: false,
        group: 'Real cluster:',
        describe: 'server-side dry run: print the plan, change nothing',
      },
      'allow-system-namespaces': {
        type: 'boolean',
        default: false,
        group: 'Real cluster:',
        describe: 'allow kube-system / istio-system',
      },
      'allow-other-namespaces': {
        type: 'boolean',
        default: false,
        group: 'Real cluster:',
        describe: "allow policy objects outside the run's namespace",
      },
      'max-rate': {
        type: 'number',
        describe: `refuse arrival rates above this many requests/s [default: ${DEFAULT_MAX_RATE} on a cluster, ${LOCAL_MAX_RATE} on the local mesh]`,
      },
      'max-vus': {
        type: 'number',
        describe: `refuse more VUs than this [default: ${DEFAULT_MAX_VUS} on a cluster, ${LOCAL_MAX_VUS} on the local mesh]`,
      },
    }) as unknown as Argv,
  run: async (argv) => {
    const scenario = withOverrides(await loadScenario(argv.scenario), argv);
    const cluster = {
      kubeconfig: argv.kubeconfig,
      context: argv.context,
      namespace: argv.namespace,
      target: argv.target,
      dryRun: argv['dry-run'],
      allowSystemNamespaces: argv['allow-system-namespaces'],
      allowOtherNamespaces: argv['allow-other-namespaces'],
      maxRate: positiveFlag(argv['max-rate'], '--max-rate'),
      maxVus: positiveFlag(argv['max-vus'], '--max-vus'),
    };
    const result = await runOne(scenario, { ...sessionOptions(argv), cluster }, argv);
    if (result.kind === 'dry-run') {
      if (argv.json)
        process.stdout.write(
          `${JSON.stringify({ dryRun: true, scenario: scenario.name, plan: result.plan }, null, 2)}\n`,
        );
      process.stderr.write(`dry run of ${scenario.name}: nothing was changed and no load was sent\n`);
      return { exitCode: ExitCode.ok };
    }
    printResult(result, argv);
    return { exitCode: exitCodeForVerdict(result.report.verdict) };
  },
});

function printResult(result: Extract<SessionResult, { kind: 'report' }>, argv: RunArgs): void {
  const { report, dir } = result;
  const { terminal } = sessionOptions(argv);
  if (argv.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  if (terminal && !argv.quiet) process.stderr.write(`${renderTerminal(report, { color: useColor(process.stderr) })}\n`);
  else process.stderr.write(`${report.scenario.name}: ${report.verdict}\n`);
  if (result.files.length) process.stderr.write(`report: ${escapeControls(dir)}\n`);
}

function withOverrides(scenario: Scenario, argv: Pick<RunArgs, 'repeat' | 'seed'>): Scenario {
  const out = { ...scenario };
  if (argv.repeat !== undefined) {
    if (!Number.isInteger(argv.repeat) || argv.repeat < 1 || argv.repeat > MAX_REPEAT)
      throw new UsageError(`--repeat: expected an integer from 1 to ${MAX_REPEAT}, got ${argv.repeat}`);
    out.repeat = argv.repeat;
  }
  const seed = seedFlag(argv.seed);
  if (seed !== undefined) out.seed = seed;
  return out;
}
