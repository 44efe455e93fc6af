import { defineCommand } from '../command.js';
import { UsageError } from '../exit.js';

// Placeholder: replaced by the module that implements `meshproof mesh`.
export default defineCommand({
  command: 'mesh',
  describe: '(mesh: being built)',
  examples: [],
  builder: (y) => y,
  run: async () => {
    throw new UsageError('mesh is not available yet');
  },
});
