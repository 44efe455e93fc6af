/** `meshproof lint <paths..>`: warnings for the Istio resilience traps users keep hitting (istio-envoy-semantics.md). */
import { defineCommand, jsonOption } from '../command.js';
import { ExitCode, UsageError } from '../../errors.js';
import { checkFailed, checkPolicies, formatCheckReport } from '../../policy/check.js';
import { strictOption } from './validate.js';

interface LintArgs {
  paths: string[];
  strict: boolean;
  json: boolean;
  replicas?: number;
}

export default defineCommand<LintArgs>({
  command: 'lint <paths..>',
  describe: 'warn about policy traps (default retries, unbounded queues, panic mode off, per-replica limits, …)',
  examples: [
    ['$0 lint policies/', 'list the traps in every policy, each citing the semantics section'],
    [
      '$0 lint --replicas 3 policies/connection-pool.yaml',
      'print effective circuit-breaker limits for 3 gateway replicas',
    ],
    ['$0 lint --strict --json policies/', 'exit 2 on any warning; findings as JSON on stdout'],
  ],
  builder: (y) =>
    y
      .positional('paths', { type: 'string', array: true, default: undefined, describe: 'YAML files or directories' })
      .options({
        ...strictOption,
        ...jsonOption,
        replicas: {
          type: 'number',
          describe: 'gateway replicas: show "effective limit = limit × N" for circuit-breaker limits',
        },
      }),
  run: async (argv) => {
    const replicas = argv.replicas;
    if (replicas !== undefined && (!Number.isInteger(replicas) || replicas < 1)) {
      throw new UsageError(`--replicas: expected a whole number ≥ 1, got ${String(replicas)}`);
    }
    const report = await checkPolicies(argv.paths.map(String), { lint: replicas === undefined ? {} : { replicas } });
    if (argv.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    process.stderr.write(formatCheckReport(report));
    return { exitCode: checkFailed(report, argv.strict) ? ExitCode.usage : ExitCode.ok };
  },
});
