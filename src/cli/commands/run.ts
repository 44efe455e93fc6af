/**
 * `meshproof run <scenario.yaml>`: one experiment — baseline, policy, restore, verdict — on
 * the local mesh (default) or a real cluster (`--target`, `--kubeconfig`, `--context`).
 * Wiring only: the work is runSession() in src/experiment.
 */
import type { Argv } from 'yargs';
import { defineCommand, jsonOption } from '../command.js';
import { ExitCode, UsageError, exitCodeForVerdict } from '../exit.js';
import { readEnv, useColor } from '../../config.js';
import { loadScenario, type Scenario } from '../../experiment/scenario.js';
import { runSession, type SessionOptions, type SessionResult } from '../../experiment/session.js';
import { guardSignals } from '../../experiment/signals.js';
import { progressLine } from '../../experiment/progress-line.js';
import { MAX_REPEAT } from '../../experiment/defaults.js';
import { parseFormats } from '../../report/write.js';
import { render as renderTerminal } from '../../report/terminal.js';
import type { EngineChoice } from '../../load/engines.js';

/** Where reports go when neither --out nor MESHPROOF_OUT says otherwise. */
export const DEFAULT_OUT = 'reports';
/** Every format: the terminal table on stderr plus the four files. */
export const DEFAULT_FORMATS = 'terminal,json,md,html,junit';

/** Flags `run` and `demo` share. */
export const experimentOptions = {
  engine: { choices: ['auto', 'builtin', 'k6'] as const, describe: 'load engine (auto: k6 when found, else built-in) [default: auto or MESHPROOF_ENGINE]' },
  k6: { type: 'string', describe: 'path to the k6 executable (default: MESHPROOF_K6, then PATH)' },
  out: { type: 'string', describe: `reports folder; each run writes <out>/<UTC time>-<scenario>/ [default: MESHPROOF_OUT or ${DEFAULT_OUT}]` },
  format: { type: 'string', default: DEFAULT_FORMATS, describe: 'comma-separated: terminal, json, md, html, junit' },
  quiet: { type: 'boolean', default: false, describe: 'no progress line and no terminal table; only verdicts and paths' },
  ...jsonOption,
} as const;

export interface ExperimentArgs {
  engine?: EngineChoice;
  k6?: string;
  out?: string;
  format: string;
  quiet: boolean;
  json: boolean;
}

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
}

export default defineCommand<RunArgs>({
  command: 'run <scenario>',
  describe: 'run one experiment: baseline, apply the policy, measure again, restore, judge the gates',
  examples: [
    ['meshproof run scenarios/connection-pool-overflow.yaml', 'prove a connection-pool policy on the local mesh'],
    ['meshproof run my.yaml --target auto --context prod-eu --dry-run', 'show what a real-cluster run would apply'],
  ],
  builder: (y: Argv) =>
    y
      .positional('scenario', { type: 'string', describe: 'scenario file (YAML)' })
      .options({
        ...experimentOptions,
        repeat: { type: 'number', describe: `alternate A B B A … this many times and pool (1–${MAX_REPEAT}) [default: the scenario's]` },
        seed: { type: 'number', describe: "random seed for the local mesh and the engine [default: the scenario's]" },
        kubeconfig: { type: 'string', group: 'Real cluster:', describe: 'kubeconfig file (default: KUBECONFIG, then ~/.kube/config)' },
        context: { type: 'string', group: 'Real cluster:', describe: 'kubeconfig context' },
        namespace: { type: 'string', group: 'Real cluster:', describe: "namespace of the policy objects [default: the scenario's, else the context's]" },
        target: { type: 'string', group: 'Real cluster:', describe: 'ingress gateway URL, or "auto" to discover it' },
        'dry-run': { type: 'boolean', default: false, group: 'Real cluster:', describe: 'server-side dry run: print the plan, change nothing' },
        'allow-system-namespaces': { type: 'boolean', default: false, group: 'Real cluster:', describe: 'allow kube-system / istio-system' },
        'allow-other-namespaces': { type: 'boolean', default: false, group: 'Real cluster:', describe: "allow policy objects outside the run's namespace" },
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
    };
    const result = await runOne(scenario, { ...sessionOptions(argv), cluster }, argv);
    if (result.kind === 'dry-run') {
      if (argv.json) process.stdout.write(`${JSON.stringify({ dryRun: true, scenario: scenario.name, plan: result.plan }, null, 2)}\n`);
      process.stderr.write(`dry run of ${scenario.name}: nothing was changed and no load was sent\n`);
      return { exitCode: ExitCode.ok };
    }
    printResult(result, argv);
    return { exitCode: exitCodeForVerdict(result.report.verdict) };
  },
});

/** Flags → SessionOptions (engine, output), with MESHPROOF_* defaults. */
export function sessionOptions(argv: ExperimentArgs): SessionOptions & { terminal: boolean } {
  const env = readEnv();
  const names = argv.format.split(',').map((s) => s.trim()).filter(Boolean);
  const terminal = names.includes('terminal');
  const files = names.filter((n) => n !== 'terminal');
  const { formats, unknown } = parseFormats(files);
  if (unknown.length) throw new UsageError(`--format: unknown ${unknown.map((u) => JSON.stringify(u)).join(', ')}; expected terminal, json, md, html, junit`);
  const engine = argv.engine ?? (env.engine as EngineChoice | undefined) ?? 'auto';
  if (!['auto', 'builtin', 'k6'].includes(engine)) throw new UsageError(`MESHPROOF_ENGINE: expected auto, builtin or k6, got ${JSON.stringify(engine)}`);
  return { engine, k6: argv.k6 ?? env.k6, out: argv.out ?? env.out ?? DEFAULT_OUT, formats: files.length ? formats : [], terminal };
}

/** Runs one scenario with signal handling and the progress line; restores before returning or throwing. */
export async function runOne(scenario: Scenario, opts: SessionOptions, argv: Pick<ExperimentArgs, 'quiet' | 'json'>): Promise<SessionResult> {
  const guard = guardSignals();
  const progress = progressLine(scenario.name, process.stderr, !argv.quiet && useColor(process.stderr));
  try {
    return await runSession(scenario, { ...opts, signal: guard.signal, onEvent: progress.onEvent, say: (line) => process.stderr.write(`${line}\n`) });
  } finally {
    progress.clear();
    guard.dispose();
  }
}

function printResult(result: Extract<SessionResult, { kind: 'report' }>, argv: RunArgs): void {
  const { report, dir } = result;
  const { terminal } = sessionOptions(argv);
  if (argv.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  if (terminal && !argv.quiet) process.stderr.write(`${renderTerminal(report, { color: useColor(process.stderr) })}\n`);
  else process.stderr.write(`${report.scenario.name}: ${report.verdict}\n`);
  if (result.files.length) process.stderr.write(`report: ${dir}\n`);
}

function withOverrides(scenario: Scenario, argv: Pick<RunArgs, 'repeat' | 'seed'>): Scenario {
  const out = { ...scenario };
  if (argv.repeat !== undefined) {
    if (!Number.isInteger(argv.repeat) || argv.repeat < 1 || argv.repeat > MAX_REPEAT) throw new UsageError(`--repeat: expected an integer from 1 to ${MAX_REPEAT}, got ${argv.repeat}`);
    out.repeat = argv.repeat;
  }
  if (argv.seed !== undefined) {
    if (!Number.isInteger(argv.seed) || argv.seed < 0) throw new UsageError(`--seed: expected a non-negative integer, got ${argv.seed}`);
    out.seed = argv.seed;
  }
  return out;
}
