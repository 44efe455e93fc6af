/**
 * meshproof's entry point: yargs wiring and the one place that maps outcomes and errors to
 * exit codes (design.md "Exit codes"). Verbs are registered as an explicit array because
 * yargs 18 is ESM-only and has no commandDir (ecosystem.md).
 */
import yargs from 'yargs';
import { ExitCode, MeshproofError, UsageError, type Outcome } from '../errors.js';
import type { Command } from './command.js';
import { commands } from './commands/index.js';
import { VERSION } from '../version.js';
import { escapeControls } from '../util/text.js';
import { stripUserinfo } from '../util/redact.js';
import { notANumber, usageMessage } from './usage-message.js';

/** Runs the CLI with the given arguments and returns the exit code (tests call this directly). */
export async function main(args: string[]): Promise<number> {
  let outcome: Outcome | undefined;
  const cli = yargs(args)
    .scriptName('meshproof')
    .usage('$0 <verb> [options]\n\nProve that Istio resilience policies do what their authors think.')
    .version(VERSION)
    .strict()
    .demandCommand(1, 'name a verb')
    .recommendCommands()
    .wrap(Math.min(100, process.stdout.columns || 100))
    // usage errors are thrown to us (as UsageError → exit 2), not printed-and-exited by yargs
    .fail((msg: string | undefined, err: Error | undefined) => {
      throw (
        err ??
        new UsageError(
          usageMessage(
            msg ?? 'bad usage',
            args,
            commands.map((c) => c.command),
          ),
        )
      );
    })
    .middleware((argv) => {
      const problem = notANumber(argv, args);
      if (problem)
        throw new UsageError(
          usageMessage(
            problem,
            args,
            commands.map((c) => c.command),
          ),
        );
    })
    .exitProcess(false)
    .epilogue(
      'Exit codes: 0 pass · 1 gate failed · 2 usage/config/policy error · 3 infrastructure error · 4 inconclusive',
    );
  for (const c of commands as Command<any>[]) {
    cli.command({
      command: c.command,
      describe: c.describe,
      builder: (y: any) => {
        const built = c.builder(y);
        for (const [cmd, what] of c.examples) built.example(cmd, what);
        return built;
      },
      handler: async (argv: any) => {
        outcome = await c.run(argv);
      },
    });
    for (const [cmd, what] of c.examples.slice(0, 1)) cli.example(cmd, what);
  }
  try {
    await cli.parseAsync();
  } catch (err) {
    return reportError(err);
  }
  // --help and --version print and leave outcome unset: that is success
  return outcome?.exitCode ?? ExitCode.ok;
}

export function reportError(err: unknown): number {
  if (err instanceof MeshproofError) {
    process.stderr.write(`meshproof: ${escapeControls(stripUserinfo(err.message))}\n`);
    return err.exitCode;
  }
  if (err instanceof Error && err.name === 'YError') {
    // yargs' own errors (e.g. a bad command definition argument): one line, exit 2
    process.stderr.write(`meshproof: ${escapeControls(stripUserinfo(err.message.split('\n')[0]))}\n`);
    return ExitCode.usage;
  }
  // a bug: say so plainly, with the stack, and treat it as an infrastructure failure
  process.stderr.write(
    `meshproof: internal error: ${escapeControls(stripUserinfo(err instanceof Error ? String(err.stack) : String(err)))}\n`,
  );
  return ExitCode.infra;
}
