import { defineCommand } from '../command.js';
import { UsageError } from '../exit.js';

// Placeholder: replaced by the module that implements `meshproof validate`.
export default defineCommand({
  command: 'validate',
  describe: '(validate: being built)',
  examples: [],
  builder: (y) => y,
  run: async () => {
    throw new UsageError('validate is not available yet');
  },
});
