import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventEmitter } from 'node:events';
import { guardSignals } from '../../src/experiment/signals.js';
import { DEMO_SCENARIOS, demoScenarioFiles, packageScenariosDir } from '../../src/experiment/demo.js';
import { UsageError } from '../../src/cli/exit.js';
import { basename } from 'node:path';

test('the first SIGINT aborts the run, the second explains the restore, the third exits 3', () => {
  const proc = new EventEmitter();
  const lines: string[] = [];
  const exits: number[] = [];
  const guard = guardSignals({ proc, write: (l) => lines.push(l), exit: (c) => exits.push(c) });
  assert.is(guard.signal.aborted, false);
  proc.emit('SIGINT');
  assert.is(guard.signal.aborted, true);
  assert.is(guard.signal.reason, 'SIGINT');
  assert.equal(exits, []);
  proc.emit('SIGTERM');
  assert.equal(exits, [], 'a second signal does not cut the restore short');
  assert.match(lines[1], /still restoring/);
  proc.emit('SIGINT');
  assert.equal(exits, [3]);
  guard.dispose();
  assert.is(proc.listenerCount('SIGINT') + proc.listenerCount('SIGTERM'), 0, 'handlers removed');
});

test('SIGTERM alone aborts with its own name', () => {
  const proc = new EventEmitter();
  const guard = guardSignals({ proc, write: () => {}, exit: () => {} });
  proc.emit('SIGTERM');
  assert.is(guard.signal.reason, 'SIGTERM');
  guard.dispose();
});

test('demo scenarios: the five in story order, found from the package; unknown names are usage errors', () => {
  const files = demoScenarioFiles([]);
  assert.equal(files.map((f) => basename(f, '.yaml')), [...DEMO_SCENARIOS]);
  assert.equal(demoScenarioFiles(['retries']).map((f) => basename(f)), ['retries.yaml']);
  assert.ok(packageScenariosDir().endsWith('scenarios'));
  try {
    demoScenarioFiles(['retry']);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, UsageError);
    assert.match((err as Error).message, /^unknown demo scenario "retry"; expected one of connection-pool-overflow, fault-injection, outlier-detection, retries, route-timeout$/);
  }
});

test.run();
