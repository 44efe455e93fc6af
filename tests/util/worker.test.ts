/**
 * util/worker.ts: a thread started with `semiSpaceMb` starts with that young generation (the
 * built-in engine's threads: instance-host.ts ENGINE_SEMI_SPACE_MB), and the flag it takes
 * is set back, so the next thread started without it gets V8's default.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startWorker, type WorkerOptions } from '../../src/util/worker.js';

const MB = 1024 * 1024;

async function newSpaceBytes(options?: WorkerOptions): Promise<number> {
  const worker = startWorker(
    { caller: import.meta.url, source: 'fixtures/heap-worker.ts', bundle: 'unused.js' },
    {},
    options,
  );
  try {
    return await new Promise<number>((resolve, reject) => worker.once('message', resolve).once('error', reject));
  } finally {
    await worker.terminate();
  }
}

test('semiSpaceMb sizes the thread young generation; the next thread without it gets the default again', async () => {
  const sized = await newSpaceBytes({ semiSpaceMb: 16 });
  const plain = await newSpaceBytes();
  // V8 starts a thread's new space at 1 MB (grown to a few by loading the module under tsx)
  assert.ok(sized >= 16 * MB, `sized thread: new space ${(sized / MB).toFixed(1)} MB`);
  assert.ok(plain < 16 * MB, `thread without the option: new space ${(plain / MB).toFixed(1)} MB`);
});

test('a thread that cannot start (its bundle missing, its data not cloneable) leaves the flag set back: the next thread gets the default', async () => {
  const missing = { caller: new URL('./fixtures/none.js', import.meta.url).href, source: 'none.ts', bundle: 'none.js' };
  assert.throws(() => startWorker(missing, {}, { semiSpaceMb: 16 }), /none\.js not found/);
  // data a thread cannot be given (a function): node's Worker throws DataCloneError at once
  const heap = { caller: import.meta.url, source: 'fixtures/heap-worker.ts', bundle: 'unused.js' };
  assert.throws(() => startWorker(heap, { f: () => 1 }, { semiSpaceMb: 16 }), /could not be cloned/);
  const plain = await newSpaceBytes();
  assert.ok(plain < 16 * MB, `thread started after the failed one: new space ${(plain / MB).toFixed(1)} MB`);
});

test.run();
