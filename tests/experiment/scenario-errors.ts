/** The ConfigError message lines `parseScenario` gives for a scenario text (named scenarios/x.yaml). */
import * as assert from 'uvu/assert';
import { ConfigError } from '../../src/cli/exit.js';
import { parseScenario } from '../../src/experiment/scenario.js';

export const FILE = 'scenarios/x.yaml';

export function errorsOf(text: string): string[] {
  try {
    parseScenario(FILE, text, '/work/demo/scenarios');
  } catch (err) {
    assert.instance(err, ConfigError);
    return (err as Error).message.split('\n');
  }
  assert.unreachable('expected a ConfigError');
  return [];
}
