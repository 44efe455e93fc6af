/** A minimal valid scenario text and the error lines of a variant, shared by the scenario tests. */
import * as assert from 'uvu/assert';
import { parseScenario } from '../../src/scenario/scenario.js';
import { ConfigError } from '../../src/errors.js';

export const FILE = 'scenarios/x.yaml';
export const GOOD = `name: demo
load: { executor: constant-vus, vus: 10, duration: 4s }
policy: { files: [../policies/connection-pool.yaml] }
expect:
  policy: { cause_overflow: ["rate>=0.3"] }
`;

/** The ConfigError message lines for a scenario text. */
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
