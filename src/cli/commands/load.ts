import { defineCommand } from '../command.js';
import { UsageError } from '../exit.js';

// Placeholder: replaced by the module that implements `meshproof load`.
export default defineCommand({
  command: 'load',
  describe: '(load: being built)',
  examples: [],
  builder: (y) => y,
  run: async () => {
    throw new UsageError('load is not available yet');
  },
});
