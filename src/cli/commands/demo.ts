import { defineCommand } from '../command.js';
import { UsageError } from '../exit.js';

// Placeholder: replaced by the module that implements `meshproof demo`.
export default defineCommand({
  command: 'demo',
  describe: '(demo: being built)',
  examples: [],
  builder: (y) => y,
  run: async () => {
    throw new UsageError('demo is not available yet');
  },
});
