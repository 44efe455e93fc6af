import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BuiltinEngine } from '../../src/load/builtin/engine.js';
import type { RequestPlan } from '../../src/load/model.js';
import { delayed, ok, startServer } from './helpers/server.js';

const engine = new BuiltinEngine();
const planFor = (url: string): RequestPlan => ({ method: 'GET', baseUrl: url, path: '/productpage' });
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

test('constant-arrival-rate 50/s for 4 s starts 200 ± 2 iterations, one per 20 ms, none dropped', async () => {
  const s = await startServer(ok);
  try {
    const r = await engine.run(
      // 50 VUs, not 5: when the 2-core machine is contended the event loop stalls, the iterations due
      // meanwhile start together and 5 busy VUs made the executor drop one (rightly, as k6 would);
      // what this test is about is the schedule, so the pool covers a 1 s stall
      { executor: 'constant-arrival-rate', rate: 50, timeUnit: '1s', duration: '4s', preAllocatedVUs: 50, maxVUs: 50 },
      planFor(s.url),
    );
    assert.ok(Math.abs(r.requests - 200) <= 2, `requests ${r.requests}`);
    assert.is(s.received, r.requests);
    assert.is(r.droppedIterations, 0);
    assert.is(r.statuses['200'], r.requests);
    assert.is(r.causes.ok, r.requests);
    // the timeline accounts for every request, about 50 per second
    assert.is(sum(r.timeline.map((p) => p.requests)), r.requests);
    for (const p of r.timeline.slice(1, 3)) assert.ok(Math.abs(p.requests - 50) <= 3, `second ${p.t}: ${p.requests}`);
    assert.ok(r.latency.scheduled !== undefined && r.latency.scheduled.count === r.requests);
    assert.ok(r.durationMs >= 3900 && r.durationMs < 4600, `durationMs ${r.durationMs}`);
  } finally {
    await s.close();
  }
});

test('constant-vus: 10 closed-loop VUs against a 100 ms server for 3 s make 10 × 3 s / latency (≈ 300) ± 15 requests, each VU on its own connection', async () => {
  const s = await startServer(delayed(100));
  const sockets = new Set<string>();
  try {
    // warm the JIT and undici once so the first second is not spent compiling
    await engine.run({ executor: 'constant-vus', vus: 1, duration: '200ms' }, planFor(s.url));
    const base = s.received;
    const s2 = await startServer((req, res, n) => {
      sockets.add(`${req.socket.remotePort}`);
      delayed(100)(req, res, n);
    });
    try {
      const r = await engine.run({ executor: 'constant-vus', vus: 10, duration: '3s' }, planFor(s2.url));
      // closed loop: a VU starts its next iteration only when the last one completed, so it makes
      // at most ⌈3000 / latency⌉ (+1 straddling the end) — an upper bound whatever the machine adds
      // to latency — and, with no gaps between iterations, not fewer than 3000 / latency − 1.5.
      // Measured against the engine's own mean latency, not 100 ms: under CPU contention the 100 ms
      // server timers fire late (mean 107–118 ms measured) and 300 ± 15 failed with 254 requests
      // while the law held. On an idle machine mean ≈ 101 ms, so this is the old 300 ± 15; the p50
      // bound below still pins the latency itself to 100–115 ms.
      const mean = r.latency.overall.mean;
      const law = 10 * Math.ceil(3000 / mean);
      assert.ok(r.requests <= law + 10, `requests ${r.requests} > 10 × ⌈3000 / ${mean.toFixed(1)}⌉ + 10 = ${law + 10}`);
      assert.ok(
        r.requests >= (10 * 3000) / mean - 15,
        `requests ${r.requests} < 10 × 3000 / ${mean.toFixed(1)} − 15 = ${((10 * 3000) / mean - 15).toFixed(1)}: gaps between iterations`,
      );
      assert.is(s2.received, r.requests);
      assert.is(sockets.size, 10, 'one keep-alive connection per VU');
      assert.ok(r.latency.overall.p50 >= 100 && r.latency.overall.p50 < 115, `p50 ${r.latency.overall.p50}`);
      assert.is(r.latency.scheduled, undefined, 'closed loop has no schedule');
    } finally {
      await s2.close();
    }
    assert.ok(base > 0);
  } finally {
    await s.close();
  }
});

test('a 1 s stall shows in scheduled-start latency (p90 ≥ 500 ms, max ≈ 1 s) but hides in send latency (p95 < 100 ms)', async () => {
  // The server blocks the whole process for 1 s at its 20th request (t ≈ 1 s), as a stalled
  // box or a GC pause would: the iterations due meanwhile are sent late, answered fast.
  // 20/s, not 50/s: the ~20 iterations due during the stall go out together afterwards, mostly on
  // new connections; at 50/s that burst of 50 alone took > 100 ms under CPU contention (send p95
  // 148 ms measured). The proportions are the same: 1/3 of the requests are delayed, half of those
  // by ≥ 500 ms (≈ 17 % > 10 %, so p90 ≥ 500 ms), and the one stalled request is < 5 %.
  const s = await startServer((_req, res, n) => {
    if (n === 20) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    res.end('ok');
  });
  try {
    const r = await engine.run(
      { executor: 'constant-arrival-rate', rate: 20, duration: '3s', preAllocatedVUs: 40 },
      planFor(s.url),
    );
    const sched = r.latency.scheduled!;
    assert.ok(Math.abs(r.requests - 60) <= 2, `requests ${r.requests}`);
    assert.is(r.droppedIterations, 0);
    assert.ok(sched.max >= 900 && sched.max < 1300, `scheduled max ${sched.max}`);
    assert.ok(sched.p90 >= 500, `scheduled p90 ${sched.p90}`);
    assert.ok(r.latency.overall.p95 < 100, `send p95 ${r.latency.overall.p95}`);
  } finally {
    await s.close();
  }
});

test('arrival-rate drops iterations when maxVUs is exhausted: 20/s for 1 s, 2 VUs, 1.5 s server → 2 requests, 18 dropped', async () => {
  // t=0 takes VU 1; t=50 ms finds none free: dropped, VU 2 added (k6 grows in the background);
  // t=100 ms takes VU 2; t=150…950 ms: none free, maxVUs reached → dropped.
  const s = await startServer(delayed(1500));
  try {
    const r = await engine.run(
      { executor: 'constant-arrival-rate', rate: 20, duration: '1s', preAllocatedVUs: 1, maxVUs: 2 },
      planFor(s.url),
    );
    assert.is(r.requests, 2);
    assert.is(r.droppedIterations, 18);
  } finally {
    await s.close();
  }
});

test('gracefulStop interrupts what is still in flight and does not count it', async () => {
  const s = await startServer(delayed(2000));
  try {
    const r = await engine.run(
      { executor: 'constant-vus', vus: 3, duration: '200ms', gracefulStop: '100ms' },
      planFor(s.url),
    );
    assert.is(r.requests, 0);
    assert.ok(r.durationMs >= 290 && r.durationMs < 800, `durationMs ${r.durationMs}`);
  } finally {
    await s.close();
  }
});

test('an AbortSignal stops a 10 s run at 0.5 s with the partial results measured so far', async () => {
  const s = await startServer(delayed(50));
  try {
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 500);
    const r = await engine.run({ executor: 'constant-vus', vus: 2, duration: '10s' }, planFor(s.url), {
      signal: abort.signal,
    });
    // the timer starts before run() and the phase's clock after the engine's set-up (10-15 ms
    // on a loaded machine: 487.6 ms was measured), so the floor leaves 50 ms for that set-up
    assert.ok(r.durationMs >= 450 && r.durationMs < 900, `durationMs ${r.durationMs}`);
    // 2 VUs × 0.5 s / 50 ms ≈ 20
    assert.ok(r.requests >= 14 && r.requests <= 22, `requests ${r.requests}`);
    assert.is(r.statuses['200'], r.requests);
  } finally {
    await s.close();
  }
});

test('sends the plan: method, path, Host header, extra headers and body', async () => {
  const seen: string[] = [];
  const s = await startServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.host} ${req.headers['x-test']}`);
    res.end('ok');
  });
  try {
    const plan: RequestPlan = {
      method: 'POST',
      baseUrl: s.url,
      path: '/productpage?x=1',
      host: 'bookinfo.example.com',
      headers: { 'x-test': 'yes' },
      body: 'hello',
    };
    const r = await engine.run(
      { executor: 'constant-arrival-rate', rate: 10, duration: '300ms', preAllocatedVUs: 2 },
      plan,
    );
    assert.is(r.requests, 3);
    assert.equal([...new Set(seen)], ['POST /productpage?x=1 bookinfo.example.com yes']);
  } finally {
    await s.close();
  }
});

test('ramping-vus ramps linearly like k6: 0→4 VUs over 600 ms (one more every 150 ms), then 4 for 400 ms', async () => {
  let inFlight = 0,
    maxInFlight = 0,
    first = 0;
  const t0 = performance.now();
  const slow = delayed(50);
  const s = await startServer((req, res, n) => {
    if (n === 0) first = performance.now() - t0;
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    res.on('close', () => inFlight--);
    slow(req, res, n);
  });
  try {
    const r = await engine.run(
      {
        executor: 'ramping-vus',
        startVUs: 0,
        stages: [
          { duration: '600ms', target: 4 },
          { duration: '400ms', target: 4 },
        ],
      },
      planFor(s.url),
    );
    assert.ok(first >= 140 && first < 260, `first request at ${first} ms`);
    assert.is(maxInFlight, 4);
    // busy VU-time = 850 + 700 + 550 + 400 ms = 2.5 VU·s; each VU may finish one partial iteration
    const expected = 2500 / r.latency.overall.mean;
    assert.ok(Math.abs(r.requests - expected) <= 4 + 0.1 * expected, `requests ${r.requests}, expected ≈ ${expected}`);
  } finally {
    await s.close();
  }
});

test('ramping-vus ramp-down: a VU no longer needed gets gracefulRampDown (100 ms) to finish, then is interrupted', async () => {
  const s = await startServer(delayed(2000));
  try {
    const r = await engine.run(
      {
        executor: 'ramping-vus',
        startVUs: 2,
        gracefulRampDown: '100ms',
        stages: [
          { duration: '200ms', target: 2 },
          { duration: '0s', target: 0 },
          { duration: '300ms', target: 0 },
        ],
      },
      planFor(s.url),
    );
    assert.is(s.received, 2);
    assert.is(r.requests, 0, 'interrupted requests are not measurements');
    // the timer starts before run() and the phase's clock after the engine's set-up (10-15 ms
    // on a loaded machine: 487.6 ms was measured), so the floor leaves 50 ms for that set-up
    assert.ok(r.durationMs >= 450 && r.durationMs < 900, `durationMs ${r.durationMs}`);
  } finally {
    await s.close();
  }
});

test.run();
