import { defineCommand } from '../command.js';
import { UsageError } from '../exit.js';

// Placeholder: replaced by the module that implements `meshproof run`.
export default defineCommand({
  command: 'run',
  describe: '(run: being built)',
  examples: [],
  builder: (y) => y,
  run: async () => {
    throw new UsageError('run is not available yet');
  },
});
