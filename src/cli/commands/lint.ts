import { defineCommand } from '../command.js';
import { UsageError } from '../exit.js';

// Placeholder: replaced by the module that implements `meshproof lint`.
export default defineCommand({
  command: 'lint',
  describe: '(lint: being built)',
  examples: [],
  builder: (y) => y,
  run: async () => {
    throw new UsageError('lint is not available yet');
  },
});
