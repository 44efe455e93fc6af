/**
 * How a verb is declared. A command module is wiring only: it declares flags and calls a
 * plain async function from the library; `run` returns an Outcome (or throws a
 * MeshproofError) and `main()` alone turns that into an exit code.
 */
import type { Argv } from 'yargs';
import type { Outcome } from '../errors.js';

export interface Command<A = Record<string, unknown>> {
  /** yargs command string, e.g. "validate <paths..>" */
  command: string;
  describe: string;
  /** shown under the top-level --help: [command line, what it does] */
  examples: [string, string][];
  builder: (y: Argv) => Argv;
  run: (argv: A) => Promise<Outcome>;
}

/** Identity helper that keeps the argv type of a command module. */
export function defineCommand<A>(c: Command<A>): Command<A> {
  return c;
}

/** Options every verb that reports something shares. */
export const jsonOption = {
  json: { type: 'boolean', default: false, describe: 'print one JSON document on stdout (human text goes to stderr)' },
} as const;
