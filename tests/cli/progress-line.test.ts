/** The one progress line (src/cli/progress-line.ts): engine progress for `load`, experiment events for `run` / `demo`. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { progressLine } from '../../src/cli/progress-line.js';

function capture() {
  const written: string[] = [];
  const stream = { isTTY: true, columns: 200, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
  return { written, stream };
}

test('load: elapsed/total, req/s between updates, status counts; clear erases the line', () => {
  const { written, stream } = capture();
  const line = progressLine({ stream, enabled: true, redrawMs: 0 });
  line.update({ elapsedMs: 1000, totalMs: 2000, requests: 100, statuses: { 200: 100 } });
  line.update({ elapsedMs: 1500, totalMs: 2000, requests: 150, statuses: { 200: 150 } });
  line.clear();
  // the first redraw's rate is since the start: 100 requests in 1 s
  assert.is(written[0], '\r\x1b[2K1.0s/2.0s  100 req/s  100 reqs  200:100');
  assert.is(written[1], '\r\x1b[2K1.5s/2.0s  100 req/s  150 reqs  200:150');
  assert.is(written[2], '\r\x1b[2K');
});

test('run: the scenario and the phase in front of the engine progress; apply and restore shown', () => {
  const { written, stream } = capture();
  const line = progressLine({ label: 'pool', stream, enabled: true, redrawMs: 0 });
  line.onEvent({ type: 'phase', phase: 'policy', slot: 1, slots: 4, warmup: false });
  line.onEvent({
    type: 'progress',
    phase: 'policy',
    slot: 1,
    warmup: false,
    progress: { elapsedMs: 500, totalMs: 1000, requests: 10, statuses: { 503: 10 } },
  });
  line.onEvent({ type: 'restore', reason: 'final' });
  assert.equal(written, [
    '\r\x1b[2Kpool · policy 2/4 · 0.5s/1.0s  20 req/s  10 reqs  503:10',
    '\r\x1b[2Kpool · restoring',
  ]);
});

test('redraws of engine progress are throttled', () => {
  const { written, stream } = capture();
  const line = progressLine({ stream, enabled: true, redrawMs: 60_000 });
  line.update({ elapsedMs: 1000, totalMs: 2000, requests: 100, statuses: {} });
  line.update({ elapsedMs: 1500, totalMs: 2000, requests: 150, statuses: {} });
  assert.is(written.length, 1);
});

test('off when quiet or not enabled: nothing is written', () => {
  const { written, stream } = capture();
  for (const line of [progressLine({ stream, enabled: true, quiet: true }), progressLine({ stream, enabled: false })]) {
    line.update({ elapsedMs: 1, totalMs: 2, requests: 1, statuses: {} });
    line.onEvent({ type: 'apply', at: 'now' });
    line.clear();
  }
  assert.equal(written, []);
});

test.run();
