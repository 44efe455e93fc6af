/** `meshproof validate <paths..>`: Istio's own validation rules with file:line:col (istio-envoy-semantics.md §7). */
import { defineCommand, jsonOption } from '../command.js';
import { ExitCode } from '../../errors.js';
import { checkFailed, checkPolicies, formatCheckReport } from '../../policy/check.js';

interface ValidateArgs {
  paths: string[];
  strict: boolean;
  json: boolean;
}

export const strictOption = {
  strict: { type: 'boolean', default: false, describe: 'treat warnings as errors (exit 2 on any warning)' },
} as const;

export default defineCommand<ValidateArgs>({
  command: 'validate <paths..>',
  describe: "check DestinationRule / VirtualService YAML against Istio's validation rules",
  examples: [
    ['$0 validate policies/', 'validate every *.yaml / *.yml under policies/ (exit 2 on any error)'],
    ['$0 validate --strict --json policies/retries.yaml', 'warnings fail too; findings as JSON on stdout'],
  ],
  builder: (y) =>
    y
      .positional('paths', { type: 'string', array: true, default: undefined, describe: 'YAML files or directories' })
      .options({ ...strictOption, ...jsonOption }),
  run: async (argv) => {
    const report = await checkPolicies(argv.paths.map(String));
    if (argv.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    process.stderr.write(formatCheckReport(report));
    return { exitCode: checkFailed(report, argv.strict) ? ExitCode.usage : ExitCode.ok };
  },
});
