/**
 * Tests that need a tool this machine may lack (python3, wrk): uvu's `test` when it is there,
 * else `test.skip` — counted as skipped in the run's summary, never as passed — with one line
 * on stderr that names the tool and the command that installs it.
 */
import { test } from 'uvu';

const said = new Set<string>();

export function testIfInstalled(present: boolean, tool: string, install: string): typeof test | typeof test.skip {
  if (present) return test;
  if (!said.has(tool)) {
    said.add(tool);
    process.stderr.write(`tests: ${tool} not found, its tests are skipped (${install})\n`);
  }
  return test.skip;
}
