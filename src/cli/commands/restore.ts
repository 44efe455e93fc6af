import { defineCommand } from '../command.js';
import { UsageError } from '../exit.js';

// Placeholder: replaced by the module that implements `meshproof restore`.
export default defineCommand({
  command: 'restore',
  describe: '(restore: being built)',
  examples: [],
  builder: (y) => y,
  run: async () => {
    throw new UsageError('restore is not available yet');
  },
});
