/**
 * stop() closes every server, socket and timer the mesh made — including those of requests in
 * flight (hanging pods, fault delays, retry backoffs, outlier sweeps, pending pushes) — and ends
 * the pods' thread (pod-host.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startMesh } from '../../src/mesh/index.js';
import { appWith, dr, fixed, send, sleep, vs } from './helpers.js';

/** Count of live handles by kind (timers, sockets, servers). */
function resources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}

test('stop() leaves no socket, server or timer behind, even with requests in flight', async () => {
  await sleep(20);
  const before = resources();
  const m = await startMesh({
    app: appWith(
      [{ mode: 'hang' }, fixed(50), { ...fixed(1), errors: { status: 503, rate: 1 } }],
      [
        vs({
          retries: { attempts: 3, retryOn: '5xx', backoff: '500ms' },
          fault: { delay: { fixedDelay: '2s', percentage: { value: 30 } } },
        }),
      ],
    ),
    policies: [
      dr({
        outlierDetection: { consecutive5xxErrors: 3, interval: '50ms' },
        connectionPool: { http: { idleTimeout: '10s' } },
      }),
    ],
    pushDelayMs: 1000,
    workers: 2,
  });
  const inflight = Array.from({ length: 12 }, () => send(m.gatewayUrl));
  await sleep(150);
  const push = m.applyPolicies([dr({})]);
  await m.stop();
  await push;
  const replies = await Promise.all(inflight);
  assert.is(replies.length, 12, 'every client call settled');
  await sleep(50);
  const after = resources();
  for (const kind of new Set([...Object.keys(before), ...Object.keys(after)])) {
    assert.ok(
      (after[kind] ?? 0) <= (before[kind] ?? 0),
      `${kind}: ${before[kind] ?? 0} before, ${after[kind] ?? 0} after`,
    );
  }
});

/** OS threads of this process (Linux: /proc/self/status), or null where there is no /proc. */
function threads(): number | null {
  if (!existsSync('/proc/self/status')) return null;
  const m = /^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : null;
}

test('5 start/stop cycles with traffic: handles, workers (MessagePort) and OS threads return to their baseline every time', async () => {
  const app = appWith([fixed(1), { mode: 'hang' }, fixed(5)]);
  const cycle = async (check?: (running: Record<string, number>, t: number | null) => void) => {
    const m = await startMesh({ app, workers: 2 });
    const replies = Promise.all(Array.from({ length: 6 }, () => send(m.gatewayUrl)));
    await sleep(30);
    check?.(resources(), threads());
    await m.stop();
    await replies;
  };
  await cycle(); // the first start loads modules and may start libuv's thread pool: not a leak
  await sleep(50);
  const before = resources();
  const t0 = threads();
  for (let i = 0; i < 5; i++) {
    await cycle((running, t) => {
      // the checks below can fail: a running mesh is visible in both measures
      assert.is(running.MessagePort ?? 0, (before.MessagePort ?? 0) + 1, `cycle ${i}: the pods' worker while running`);
      assert.is(running.TCPServerWrap ?? 0, (before.TCPServerWrap ?? 0) + 2, `cycle ${i}: gateway and admin listening`);
      if (t !== null && t0 !== null) assert.ok(t > t0, `cycle ${i}: ${t} threads while running, ${t0} before`);
    });
    await sleep(20);
    const after = resources();
    for (const kind of new Set([...Object.keys(before), ...Object.keys(after)]))
      assert.ok(
        (after[kind] ?? 0) <= (before[kind] ?? 0),
        `cycle ${i}: ${kind}: ${before[kind] ?? 0} before, ${after[kind] ?? 0} after`,
      );
    const t = threads();
    if (t !== null && t0 !== null) assert.ok(t <= t0, `cycle ${i}: ${t} OS threads after stop, ${t0} before`);
  }
});

test.run();
