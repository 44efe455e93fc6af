/**
 * What `run` and `demo` share: the experiment flags (engine, output, formats), their
 * MESHPROOF_* defaults, and running one scenario with signal handling and the progress line.
 */
import { jsonOption } from './command.js';
import { UsageError } from '../errors.js';
import { readEnv } from '../config.js';
import type { Scenario } from '../scenario/scenario.js';
import { runSession, type SessionOptions, type SessionResult } from '../experiment/session.js';
import { guardSignals } from './signals.js';
import { progressLine } from './progress-line.js';
import { parseFormats } from '../report/write.js';
import type { EngineChoice } from '../load/engines.js';
import { escapeControls } from '../util/text.js';

/** Where reports go when neither --out nor MESHPROOF_OUT says otherwise. */
export const DEFAULT_OUT = 'reports';
/** Every format: the terminal table on stderr plus the four files. */
export const DEFAULT_FORMATS = 'terminal,json,md,html,junit';

/** Flags `run` and `demo` share. */
export const experimentOptions = {
  engine: {
    choices: ['auto', 'builtin', 'k6', 'k6-operator'] as const,
    describe:
      'load engine (auto: k6 when found, else built-in; k6-operator: a TestRun in the cluster) [default: auto or MESHPROOF_ENGINE]',
  },
  'k6-namespace': { type: 'string', describe: 'namespace for the ConfigMap and TestRun (--engine k6-operator)' },
  'k6-image': { type: 'string', describe: "k6-operator runner image [default: the operator's]" },
  k6: { type: 'string', describe: 'path to the k6 executable (default: MESHPROOF_K6, then PATH)' },
  out: {
    type: 'string',
    describe: `reports folder; each run writes <out>/<UTC time>-<scenario>/ [default: MESHPROOF_OUT or ${DEFAULT_OUT}]`,
  },
  format: { type: 'string', default: DEFAULT_FORMATS, describe: 'comma-separated: terminal, json, md, html, junit' },
  instances: {
    type: 'number',
    describe:
      "run each phase's load as N instances (k6 execution segments), merged [default: the scenario's load.instances, else 1]",
  },
  quiet: {
    type: 'boolean',
    default: false,
    describe: 'no progress line and no terminal table; only verdicts and paths',
  },
  ...jsonOption,
} as const;

export interface ExperimentArgs {
  engine?: EngineChoice | 'k6-operator';
  'k6-namespace'?: string;
  'k6-image'?: string;
  k6?: string;
  out?: string;
  format: string;
  instances?: number;
  quiet: boolean;
  json: boolean;
}

/** Flags → SessionOptions (engine, output), with MESHPROOF_* defaults. */
export function sessionOptions(argv: ExperimentArgs): SessionOptions & { terminal: boolean } {
  const env = readEnv();
  const names = argv.format
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const terminal = names.includes('terminal');
  const files = names.filter((n) => n !== 'terminal');
  const { formats, unknown } = parseFormats(files);
  if (unknown.length)
    throw new UsageError(
      `--format: unknown ${unknown.map((u) => JSON.stringify(u)).join(', ')}; expected terminal, json, md, html, junit`,
    );
  const engine = argv.engine ?? (env.engine as EngineChoice | 'k6-operator' | undefined) ?? 'auto';
  if (!['auto', 'builtin', 'k6', 'k6-operator'].includes(engine))
    throw new UsageError(`MESHPROOF_ENGINE: expected auto, builtin, k6 or k6-operator, got ${JSON.stringify(engine)}`);
  return {
    engine,
    k6: argv.k6 ?? env.k6,
    instances: argv.instances,
    k6Operator: { namespace: argv['k6-namespace'], image: argv['k6-image'] },
    out: argv.out ?? env.out ?? DEFAULT_OUT,
    formats: files.length ? formats : [],
    terminal,
  };
}

/** Runs one scenario with signal handling and the progress line; restores before returning or throwing. */
export async function runOne(
  scenario: Scenario,
  opts: SessionOptions,
  argv: Pick<ExperimentArgs, 'quiet' | 'json'>,
): Promise<SessionResult> {
  const guard = guardSignals();
  const progress = progressLine({ label: scenario.name, quiet: argv.quiet });
  try {
    return await runSession(scenario, {
      ...opts,
      signal: guard.signal,
      onEvent: progress.onEvent,
      say: (line) => process.stderr.write(`${escapeControls(line)}\n`),
    });
  } finally {
    progress.clear();
    guard.dispose();
  }
}
