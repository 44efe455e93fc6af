/**
 * `meshproof load <url>`: one load phase against any URL with either engine, printed as a
 * table (stderr) or one JSON PhaseResult (stdout, --json). Wiring only: flags → profile and
 * plan (src/load/flags.ts), engine choice (src/load/engines.ts), render (src/load/render.ts).
 */
import type { Argv } from 'yargs';
import { defineCommand, jsonOption } from '../command.js';
import { ExitCode, UsageError } from '../../errors.js';
import { readEnv } from '../../config.js';
import { createEngine, ENGINE_CHOICES, type EngineChoice } from '../../load/engines.js';
import { createOperatorEngine } from '../../cluster/k6-operator-engine.js';
import { k6FlagRefusals, planFromFlags, profileFromFlags, DEFAULT_DURATION } from '../../load/flags.js';
import { EXECUTORS, type PhaseResult } from '../../load/model.js';
import { progressLine } from '../progress-line.js';
import { renderPhase } from '../../load/render.js';
import { guardSignals, type GuardMessages } from '../signals.js';
import { instancesProblem } from '../../load/instances.js';
import {
  capProblem,
  peakLoad,
  LOCAL_CAP,
  LOCAL_MAX_RATE,
  LOCAL_MAX_VUS,
  type CapWording,
} from '../../scenario/load-cap.js';
import { redactPlan } from '../../util/redact.js';
import { positiveFlag, seedFlag } from '../flag-checks.js';

const LOAD_MESSAGES: GuardMessages = {
  stopping: () => 'meshproof: interrupted; stopping the load and printing what was measured',
  stillWorking: 'meshproof: still stopping the load; press Ctrl-C once more to quit without the result',
  quitting: 'meshproof: quitting before the load stopped',
};

interface LoadArgs {
  url: string;
  executor?: string;
  vus?: number;
  duration?: string;
  rate?: number;
  'time-unit'?: string;
  'pre-allocated-vus'?: number;
  'max-vus'?: number;
  stages?: string;
  'graceful-stop'?: string;
  host?: string;
  method?: string;
  header?: string[];
  body?: string;
  timeout?: string;
  engine?: EngineChoice | 'k6-operator';
  k6?: string;
  'k6-namespace'?: string;
  'k6-image'?: string;
  kubeconfig?: string;
  context?: string;
  seed?: number;
  instances?: number;
  'cap-rate'?: number;
  'cap-vus'?: number;
  quiet: boolean;
  json: boolean;
}

/** How the local ceiling reads for `load`, whose --max-vus is k6's arrival-rate maxVUs: its own flags raise it. */
const LOAD_CAP: CapWording = { ...LOCAL_CAP, subject: 'the flags ask', rateFlag: '--cap-rate', vusFlag: '--cap-vus' };

export default defineCommand<LoadArgs>({
  command: 'load <url>',
  describe: 'send one phase of load to a URL and print statuses, causes and latency (k6 or built-in engine)',
  examples: [
    [
      'meshproof load http://127.0.0.1:8080/productpage --host bookinfo.example.com --vus 10 --duration 5s',
      '10 closed-loop clients for 5 s against `meshproof mesh`',
    ],
    [
      'meshproof load http://127.0.0.1:8080/ --rate 200 --duration 30s --host bookinfo.example.com',
      '200 requests/s open loop',
    ],
    [
      'meshproof load http://127.0.0.1:8080/ --host bookinfo.example.com --stages 10s:20,20s:20,10s:0 --json',
      'ramp VUs up and down, JSON out',
    ],
    [
      'meshproof load http://127.0.0.1:8080/ --host bookinfo.example.com --engine k6 --instances 2 --vus 10',
      '2 k6 processes of 5 VUs each, one merged result',
    ],
  ],
  builder: (y: Argv) =>
    y.positional('url', { type: 'string', describe: 'target URL (scheme://host:port/path?query)' }).options({
      executor: {
        choices: EXECUTORS,
        describe: 'k6 executor [default: inferred — --stages → ramping-*, --rate → *-arrival-rate, else constant-vus]',
      },
      vus: { type: 'number', describe: 'VUs (constant-vus), startVUs (ramping-vus) [default: 1, as k6]' },
      duration: { type: 'string', describe: `how long, e.g. 30s [default: ${DEFAULT_DURATION}]` },
      rate: { type: 'number', describe: 'iterations per time unit (arrival-rate executors; startRate with --stages)' },
      'time-unit': { type: 'string', describe: 'the rate unit [default: 1s]' },
      'pre-allocated-vus': { type: 'number', describe: 'VUs ready at start (arrival-rate) [default: rate × 0.1 s]' },
      'max-vus': { type: 'number', describe: 'VU ceiling (arrival-rate) [default: rate × 1 s]' },
      stages: { type: 'string', describe: 'duration:target pairs, e.g. 10s:20,20s:0' },
      'graceful-stop': { type: 'string', describe: 'time in-flight requests get after the end [default: 30s]' },
      host: {
        type: 'string',
        describe: "Host header: a gateway routes by it (the local mesh: bookinfo.example.com) [default: the URL's]",
      },
      method: { type: 'string', default: 'GET', describe: 'HTTP method' },
      header: { type: 'string', array: true, describe: 'extra header "name: value" (repeatable)' },
      body: { type: 'string', describe: 'request body' },
      timeout: { type: 'string', describe: 'per-request timeout [default: 60s, as k6]' },
      engine: {
        choices: [...ENGINE_CHOICES, 'k6-operator'],
        describe:
          'load engine (auto: k6 when found; k6-operator: a TestRun in a cluster) [default: auto or MESHPROOF_ENGINE]',
      },
      'k6-namespace': {
        type: 'string',
        group: 'k6 operator:',
        describe: 'namespace for the ConfigMap and TestRun (--engine k6-operator)',
      },
      'k6-image': { type: 'string', group: 'k6 operator:', describe: "runner image [default: the operator's]" },
      kubeconfig: {
        type: 'string',
        group: 'k6 operator:',
        describe: 'kubeconfig file (default: KUBECONFIG, then ~/.kube/config)',
      },
      context: { type: 'string', group: 'k6 operator:', describe: 'kubeconfig context' },
      k6: { type: 'string', describe: 'path to the k6 executable (default: MESHPROOF_K6, then PATH)' },
      seed: { type: 'number', describe: 'random seed passed to the engine' },
      instances: {
        type: 'number',
        describe:
          'run as N instances, each with its k6 execution segment (i/N:(i+1)/N), merged into one result [default: 1]',
      },
      'cap-rate': {
        type: 'number',
        describe: `refuse arrival rates above this many requests/s [default: ${LOCAL_MAX_RATE}]`,
      },
      'cap-vus': {
        type: 'number',
        describe: `refuse more VUs than this (pre-allocated or max) [default: ${LOCAL_MAX_VUS}]`,
      },
      quiet: { type: 'boolean', default: false, describe: 'no progress line' },
      ...jsonOption,
    }) as unknown as Argv,
  run: async (argv) => {
    const cap = {
      maxRate: positiveFlag(argv['cap-rate'], '--cap-rate') ?? LOCAL_MAX_RATE,
      maxVus: positiveFlag(argv['cap-vus'], '--cap-vus') ?? LOCAL_MAX_VUS,
    };
    const seed = seedFlag(argv.seed);
    const { profile, errors: profileErrors } = profileFromFlags({
      executor: argv.executor,
      vus: argv.vus,
      duration: argv.duration,
      rate: argv.rate,
      timeUnit: argv['time-unit'],
      preAllocatedVus: argv['pre-allocated-vus'],
      maxVus: argv['max-vus'],
      stages: argv.stages,
      gracefulStop: argv['graceful-stop'],
      vuCeiling: cap.maxVus,
    });
    const { plan, errors: planErrors } = planFromFlags(argv.url, argv);
    const errors = [...planErrors, ...profileErrors];
    if (errors.length || !profile || !plan) throw new UsageError(errors.join('\n'));
    const over = capProblem(profile, cap, LOAD_CAP);
    if (over) throw new UsageError(over);
    const instances = argv.instances ?? 1;
    const split = instancesProblem(instances, peakLoad(profile).vus);
    if (split) throw new UsageError(`--instances: ${split}`);
    const env = readEnv();
    const choice = argv.engine ?? (env.engine as EngineChoice | 'k6-operator' | undefined) ?? 'auto';
    if (![...ENGINE_CHOICES, 'k6-operator'].includes(choice))
      throw new UsageError(
        `MESHPROOF_ENGINE: expected auto, builtin, k6 or k6-operator, got ${JSON.stringify(choice)}`,
      );
    const engine =
      choice === 'k6-operator'
        ? await createOperatorEngine({
            kubeconfig: argv.kubeconfig,
            context: argv.context,
            namespace: argv['k6-namespace'],
            image: argv['k6-image'],
          })
        : createEngine(choice, { k6: argv.k6 });
    const refusals = engine.name === 'k6' ? k6FlagRefusals(profile) : [];
    if (refusals.length) throw new UsageError(refusals.join('\n'));

    // SIGINT, SIGTERM and SIGHUP (closed terminal) alike: stop and print what was measured
    const guard = guardSignals({ messages: LOAD_MESSAGES });
    const progress = progressLine({ quiet: argv.quiet });
    let result;
    try {
      result = await engine.run(profile, plan, { signal: guard.signal, onProgress: progress.update, seed, instances });
    } finally {
      progress.clear();
      guard.dispose();
    }
    // the result echoes the plan: credentials in its headers are withheld, as in run's reports
    if (argv.json) process.stdout.write(`${JSON.stringify({ ...result, plan: redactPlan(result.plan) }, null, 2)}\n`);
    else process.stderr.write(renderPhase(result));
    const hint = argv.host === undefined ? hostHint(result) : undefined;
    if (hint) process.stderr.write(`${hint}\n`);
    // interrupted is exit 3 (design.md "Exit codes"), as k6 run ends an interrupted test with 105:
    // a CI job killed by its timeout must not read a cut-short load as a success
    if (guard.signal.aborted) {
      process.stderr.write(
        `meshproof: interrupted (${guard.signal.reason}): the result covers the load sent until then\n`,
      );
      return { exitCode: ExitCode.infra };
    }
    return { exitCode: ExitCode.ok };
  },
});

/**
 * Every answer a 404 and no --host: the gateway found no virtual host for the URL's authority
 * (Envoy's 404 with response flag NR), the one mistake that makes a first `load` measure nothing.
 */
function hostHint(result: PhaseResult): string | undefined {
  if (result.requests === 0 || result.statuses['404'] !== result.requests) return undefined;
  return "meshproof: every response was 404: an ingress gateway routes by the Host header; pass --host with the VirtualService's host (the local mesh's: --host bookinfo.example.com)";
}
