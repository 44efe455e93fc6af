/** The `meshproof` executable (bundled to dist/cli.js): run main() on the process arguments. */
import { hideBin } from 'yargs/helpers';
import { main, reportError } from './main.js';

main(hideBin(process.argv)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.exitCode = reportError(err);
  },
);
