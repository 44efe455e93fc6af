/**
 * The pods on their own thread (src/mesh/pod-host.ts, issue 18 item 1): a behaviour change is
 * in force when setBehaviour resolves, requestsSeen is exact and synchronous, lastRequests comes
 * back from the thread dated on the caller's clock, and stop ends the thread.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startPods } from '../../src/mesh/pod-host.js';
import { send } from './helpers.js';

const specs = [
  { name: 'a-0', labels: { app: 'a' }, behaviour: { mode: 'serve' as const } },
  { name: 'a-1', labels: { app: 'a' }, behaviour: { mode: 'refuse' as const } },
];

test('setBehaviour is applied when it resolves: refuse closes the port, serve re-opens it, close and errors take effect on the next request', async () => {
  const group = await startPods(specs, [1, 2]);
  const [a, b] = group.pods;
  try {
    assert.is(group.threads, 1);
    assert.match((await send(b.url, { path: '/' })).error ?? '', /ECONNREFUSED/, 'created in refuse mode');
    await a.setBehaviour({ mode: 'refuse' });
    assert.match((await send(a.url, { path: '/' })).error ?? '', /ECONNREFUSED/);
    await a.setBehaviour({ mode: 'serve', errors: { status: 503, rate: 1 } });
    assert.is((await send(a.url, { path: '/' })).status, 503);
    await a.setBehaviour({ mode: 'close', connectDelayMs: 7 });
    assert.is(a.behaviour().connectDelayMs, 7, "the caller's copy, read by the gateway on every connect");
    assert.match((await send(a.url, { path: '/' })).error ?? '', /socket hang up|ECONNRESET/);
    await b.setBehaviour({ mode: 'serve' });
    assert.is((await send(b.url, { path: '/x' })).body, 'a-1 200\n');
    assert.is(a.requestsSeen(), 2, 'the refused connect never reached the server');
    assert.is(b.requestsSeen(), 1);
  } finally {
    await group.stop();
  }
});

test("requestsSeen counts every request the moment its answer is back; lastRequests keeps the last 64, dated on the caller's clock", async () => {
  const group = await startPods([specs[0]], [1]);
  const [a] = group.pods;
  try {
    const t0 = performance.now();
    for (let i = 0; i < 70; i++) {
      await send(a.url, { path: `/${i}` });
      assert.is(a.requestsSeen(), i + 1);
    }
    const t1 = performance.now();
    const seen = await a.lastRequests();
    assert.is(seen.length, 64);
    assert.equal([seen[0].url, seen[63].url], ['/6', '/69']);
    assert.ok(seen[0].at >= t0 && seen[63].at <= t1, `${seen[0].at} … ${seen[63].at} outside [${t0}, ${t1}]`);
    assert.equal(
      seen.map((s) => s.status),
      seen.map(() => 200),
    );
  } finally {
    await group.stop();
  }
  await group.stop(); // a second stop is a no-op
  assert.is(a.requestsSeen(), 70, 'the count outlives the thread');
  let err = '';
  await a.lastRequests().catch((e: Error) => (err = e.message));
  assert.match(err, /pods' thread exited/);
});

test.run();
