/**
 * instance-worker.ts settleHeap: V8's flags are the process's, so a thread turning --expose-gc
 * on and off races every other thread doing the same — `--instances N` starts N engine threads
 * at once, and one thread's `--no-expose-gc` could land between another's `--expose-gc` and the
 * context it reads `gc` from ("ReferenceError: gc is not defined": 3 of 40 threads started 8 at
 * a time failed so). A thread that misses `gc` starts anyway, its heap not settled.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { setFlagsFromString } from 'node:v8';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../src/util/worker.js';

const ENGINE = new URL('../../src/load/builtin/instance-host.ts', import.meta.url).href;

test('engine threads start while another thread keeps turning --expose-gc off: every one gets ready', async () => {
  const workers: Worker[] = [];
  const outcomes: Promise<string>[] = [];
  try {
    for (let i = 0; i < 4; i++) {
      const w = startWorker({ caller: ENGINE, source: 'instance-worker.ts', bundle: 'load-worker.js' }, { kept: true });
      workers.push(w);
      outcomes.push(
        new Promise((resolve) => {
          w.once('message', (m: { type: string }) => resolve(m.type));
          w.once('error', (e) => resolve(String(e)));
        }),
      );
    }
    // the other thread: its --no-expose-gc lands inside every starting thread's settleHeap (bounded: 3 s)
    for (const end = Date.now() + 3000; Date.now() < end; ) setFlagsFromString('--no-expose-gc');
    assert.equal(await Promise.all(outcomes), ['ready', 'ready', 'ready', 'ready']);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
});

test.run();
