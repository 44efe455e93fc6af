/**
 * Simulated pods (app-model.ts PodBehaviour): latency models, error rate, refuse / hang /
 * close, behaviour changes while running, seeded randomness.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { latencySampler } from '../../src/mesh/latency.js';
import { startPod } from '../../src/mesh/pods.js';
import { createRng } from '../../src/util/random.js';
import { send, sleep, stall, within } from './helpers.js';

const spec = (behaviour = {}) => ({ name: 'p-0', labels: { app: 'productpage' }, behaviour });

test.before.each(stall.reset);

test('lognormal latency fitted to p50 25ms / p99 60ms: sample quantiles within 3 % of the targets (100 000 draws, seeded)', () => {
  const sample = latencySampler({ kind: 'lognormal', p50Ms: 25, p99Ms: 60 }, createRng(5));
  const xs = Float64Array.from({ length: 100_000 }, sample).sort();
  assert.ok(Math.abs(xs[50_000] / 25 - 1) < 0.03, `p50 ${xs[50_000]}`);
  assert.ok(Math.abs(xs[99_000] / 60 - 1) < 0.03, `p99 ${xs[99_000]}`);
});

test('uniform and fixed latency stay in range; the same seed replays the same draws', () => {
  const a = latencySampler({ kind: 'uniform', minMs: 5, maxMs: 10 }, createRng(1));
  const b = latencySampler({ kind: 'uniform', minMs: 5, maxMs: 10 }, createRng(1));
  const xs = Array.from({ length: 1000 }, a);
  assert.ok(xs.every((x) => x >= 5 && x < 10));
  assert.equal(Array.from({ length: 1000 }, b), xs);
  assert.is(latencySampler({ kind: 'fixed', ms: 7 }, createRng(1))(), 7);
});

test('serve: fixed latency and an error rate of 30 % (within 3σ over 400 requests)', async () => {
  const pod = await startPod(
    spec({ mode: 'serve', latency: { kind: 'fixed', ms: 30 }, errors: { status: 503, rate: 0.3 } }),
    createRng(3),
  );
  try {
    const one = await send(pod.url, { path: '/' });
    assert.ok(within(one.ms, 29, 120), `took ${one.ms}`);
    await pod.setBehaviour({ mode: 'serve', errors: { status: 503, rate: 0.3 } });
    const rs = await Promise.all(Array.from({ length: 400 }, () => send(pod.url, { path: '/' })));
    const errors = rs.filter((r) => r.status === 503).length;
    assert.ok(Math.abs(errors - 120) < 3 * Math.sqrt(400 * 0.3 * 0.7), `errors ${errors}`);
    assert.is(pod.requestsSeen(), 401);
  } finally {
    await pod.stop();
  }
});

test('refuse closes the port (ECONNREFUSED) and serve re-opens the same port; close drops before headers; hang never answers', async () => {
  const pod = await startPod(spec({ mode: 'serve' }), createRng(1));
  try {
    await pod.setBehaviour({ mode: 'refuse' });
    assert.match((await send(pod.url, { path: '/' })).error ?? '', /ECONNREFUSED/);
    await pod.setBehaviour({ mode: 'serve' });
    assert.is((await send(pod.url, { path: '/' })).status, 200);
    await pod.setBehaviour({ mode: 'close' });
    const closed = await send(pod.url, { path: '/' });
    assert.is(closed.status, 0);
    assert.match(closed.error ?? '', /socket hang up|ECONNRESET/);
    await pod.setBehaviour({ mode: 'hang' });
    const hung = await Promise.race([send(pod.url, { path: '/' }), sleep(200).then(() => 'pending')]);
    assert.is(hung, 'pending');
    assert.is(pod.requestsSeen(), 3, 'refused connects never reach the server');
  } finally {
    await pod.stop();
  }
});

test('a pod created in refuse mode has a port number that refuses connections', async () => {
  const pod = await startPod(spec({ mode: 'refuse' }), createRng(1));
  try {
    assert.ok(pod.port > 0);
    assert.match((await send(pod.url, { path: '/' })).error ?? '', /ECONNREFUSED/);
  } finally {
    await pod.stop();
  }
});

test.run();
