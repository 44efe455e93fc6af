/** The `meshproof` executable (bundled to dist/cli.js): run main() on the process arguments. */
import { hideBin } from 'yargs/helpers';
import { main, reportError } from './main.js';

/**
 * A crash outside main()'s await — an 'error' event nobody listens to, a promise nobody
 * awaits — would make Node exit 1, which design.md's table reads as "a gate failed". It is an
 * internal error: main()'s own mapping (exit 3), plus the way back for a cluster run whose
 * restore never ran (its journal is still open).
 */
function crash(err: unknown): void {
  const code = reportError(err);
  process.stderr.write(
    'meshproof: if this run was changing a real cluster, `meshproof restore` puts back what it applied\n',
  );
  process.exit(code);
}
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

main(hideBin(process.argv)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.exitCode = reportError(err);
  },
);
