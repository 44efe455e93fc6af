/**
 * src/load/k6/process.ts runK6Process with many k6 at once (`--instances` > 10): one
 * process-wide `exit` hook for every live k6, not one listener each — Node warns
 * (MaxListenersExceededWarning) past 10 listeners of one event. That the hook still kills every
 * live k6 when meshproof exits: tests/load/k6-engine.test.ts ("does not outlive meshproof").
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runK6Process } from '../../src/load/k6/process.js';
import { DEFAULT_VERSION } from '../fixtures/fake-k6/version.mjs';
import { FAKE_K6 } from './helpers/bundle.js';

test('12 concurrent k6 processes add one exit listener, removed with the last: no MaxListenersExceededWarning', async () => {
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  const before = process.listenerCount('exit');
  try {
    const runs = Array.from({ length: 12 }, () => runK6Process(FAKE_K6, ['version']));
    // all 12 spawned, none closed yet ('close' comes on a later turn of the event loop)
    const during = process.listenerCount('exit');
    const exits = await Promise.all(runs);
    assert.equal(
      exits.map((e) => e.code),
      Array(12).fill(0),
    );
    assert.ok(exits.every((e) => e.stdout.startsWith(`k6 v${DEFAULT_VERSION} (`)));
    // process.emitWarning emits on the next tick
    await new Promise((r) => setImmediate(r));
    assert.equal(
      warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message),
      [],
    );
    assert.is(during - before, 1);
    assert.is(process.listenerCount('exit'), before);
  } finally {
    process.off('warning', onWarning);
  }
});

test.run();
