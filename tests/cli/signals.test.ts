import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventEmitter } from 'node:events';
import { guardSignals } from '../../src/cli/signals.js';
import { ExitCode } from '../../src/errors.js';

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
  assert.match(
    lines[1],
    'keeps its journal for `meshproof restore`',
    'a second Ctrl-C explains that the journal is kept',
  );
  proc.emit('SIGINT');
  assert.equal(exits, [ExitCode.infra]);
  assert.is(ExitCode.infra, 3);
  guard.dispose();
  assert.is(
    proc.listenerCount('SIGINT') + proc.listenerCount('SIGTERM') + proc.listenerCount('SIGHUP'),
    0,
    'handlers removed',
  );
});

test('SIGTERM alone aborts with its own name', () => {
  const proc = new EventEmitter();
  const guard = guardSignals({ proc, write: () => {}, exit: () => {} });
  proc.emit('SIGTERM');
  assert.is(guard.signal.reason, 'SIGTERM');
  guard.dispose();
});

test('SIGHUP (closed terminal) aborts like SIGTERM and counts toward the same three-signal ladder (issue 13 item 5)', () => {
  const proc = new EventEmitter();
  const exits: number[] = [];
  const guard = guardSignals({ proc, write: () => {}, exit: (c) => exits.push(c) });
  proc.emit('SIGHUP');
  assert.is(guard.signal.aborted, true);
  assert.is(guard.signal.reason, 'SIGHUP');
  proc.emit('SIGHUP');
  proc.emit('SIGHUP');
  assert.equal(exits, [3]);
  guard.dispose();
  assert.is(proc.listenerCount('SIGHUP'), 0);
});

test.run();
