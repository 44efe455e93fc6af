/**
 * stop() closes every server, socket and timer the mesh made — including those of requests in
 * flight (hanging pods, fault delays, retry backoffs, outlier sweeps, pending pushes).
 */
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

test.run();
