import { defineCommand } from '../command.js';
import { UsageError } from '../exit.js';

// Placeholder: replaced by the module that implements `meshproof diff`.
export default defineCommand({
  command: 'diff',
  describe: '(diff: being built)',
  examples: [],
  builder: (y) => y,
  run: async () => {
    throw new UsageError('diff is not available yet');
  },
});
