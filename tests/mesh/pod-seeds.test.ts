/**
 * Pods draw from their own seeded stream (app-model.ts, "All randomness comes from one seed"):
 * the same mesh seed gives each pod the same sequence of error and latency draws, whatever
 * thread the pods run on. The values below were taken when the pods shared the gateway's
 * event loop and must not change when they move (issue 18 item 1).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startMesh } from '../../src/mesh/index.js';
import { appWith, send } from './helpers.js';

const round = (x: number | undefined) => (x === undefined ? NaN : Math.round(x * 1e6) / 1e6);

const THREADS = { none: 0, one: 1, 'per-pod': 2 } as const;
const ON = { none: "the gateway's loop", one: 'one thread', 'per-pod': 'a thread each' } as const;

for (const podThreads of ['none', 'one', 'per-pod'] as const)
  test(`seed 7, pods on ${ON[podThreads]}: each pod replays its pinned status and latency draws (4 requests per pod, sent straight to the pod)`, async () => {
    const m = await startMesh({
      seed: 7,
      podThreads,
      app: appWith([
        { mode: 'serve', latency: { kind: 'lognormal', p50Ms: 2, p99Ms: 6 }, errors: { status: 503, rate: 0.5 } },
        { mode: 'serve', latency: { kind: 'uniform', minMs: 1, maxMs: 3 }, errors: { status: 500, rate: 0.5 } },
      ]),
    });
    try {
      assert.is(m.podThreads, THREADS[podThreads]);
      const got: Record<string, { status: number; latencyMs: number }[]> = {};
      for (const pod of m.pods) {
        const replies = [];
        for (let i = 0; i < 4; i++) replies.push(await send(pod.url, { path: `/${i}` }));
        const seen = await pod.lastRequests();
        assert.equal(
          seen.map((s) => s.status),
          replies.map((r) => r.status),
          `${pod.name}: the recorded draw is the status sent`,
        );
        got[pod.name] = seen.map((s) => ({ status: s.status!, latencyMs: round(s.latencyMs) }));
      }
      assert.equal(got, {
        'productpage-v1-0': [
          { status: 503, latencyMs: 2.296526 },
          { status: 200, latencyMs: 2.107691 },
          { status: 503, latencyMs: 1.680953 },
          { status: 200, latencyMs: 1.254806 },
        ],
        'productpage-v1-1': [
          { status: 500, latencyMs: 2.577562 },
          { status: 500, latencyMs: 1.541619 },
          { status: 500, latencyMs: 2.900289 },
          { status: 200, latencyMs: 1.631647 },
        ],
      });
    } finally {
      await m.stop();
    }
  });

test.run();
