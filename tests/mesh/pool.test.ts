/**
 * §2.2 connection-pool admission and the §1 overflow reply, on real sockets (E1–E3, D1, D2,
 * the maxConnections throughput law, §2.3 workers).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startMesh } from '../../src/mesh/index.js';
import { appWith, closedLoop, CLUSTER, dr, fixed, send, sleep, type Reply, stall, vs, within } from './helpers.js';

const OVERFLOW = 'upstream connect error or disconnect/reset before headers. reset reason: overflow';
const stat = (m: { stats(): Record<string, number> }, name: string) => m.stats()[`cluster.${CLUSTER}.${name}`];

const isOverflow = (r: Reply) => r.status === 503 && r.headers['x-envoy-overloaded'] === 'true';

test.before.each(stall.reset);

test('E1: maxConnections 1 + pending 1, warm pool, 3 concurrent → 200 @200, 200 @400 (queued), 503 UO @0 (§2.2, §1)', async () => {
  const m = await startMesh({
    app: appWith([fixed(200)]),
    policies: [dr({ connectionPool: { tcp: { maxConnections: 1 }, http: { http1MaxPendingRequests: 1 } } })],
  });
  try {
    await send(m.gatewayUrl); // warm: one idle keep-alive connection
    const rs = (await Promise.all([0, 1, 2].map(() => send(m.gatewayUrl)))).sort((a, b) => a.ms - b.ms);
    const [over, first, second] = rs;
    assert.ok(isOverflow(over), JSON.stringify(over));
    assert.ok(within(over.ms, 0, 60), `overflow is immediate, took ${over.ms}`);
    assert.is(over.body, OVERFLOW);
    assert.is(over.body.length, 81);
    assert.is(over.headers['content-type'], 'text/plain');
    assert.is(over.headers['content-length'], '81');
    assert.is(over.headers.server, 'istio-envoy');
    assert.is(over.headers['x-envoy-upstream-service-time'], undefined);
    assert.is([first.status, second.status].join(), '200,200');
    assert.ok(within(first.ms, 195, 290), `#1 ~200ms, got ${first.ms}`);
    assert.ok(within(second.ms, 395, 520), `#2 queued ~400ms, got ${second.ms}`);
    assert.ok(first.headers['x-envoy-upstream-service-time'] !== undefined);
    assert.is(stat(m, 'upstream_rq_pending_overflow'), 1);
    assert.is(stat(m, 'upstream_rq_503'), 1, 'Envoy charges an overflow as an upstream 503');
    assert.is(stat(m, 'upstream_rq_200'), 3);
    assert.is(m.pods[0].requestsSeen(), 3, 'overflow is never retried (1 warm-up + 2)');
  } finally {
    await m.stop();
  }
});

test('E2: http2MaxRequests 1, 2 concurrent → #2 503 UO once its new connection is ready (checked at attach)', async () => {
  const m = await startMesh({
    app: appWith([fixed(200)]),
    policies: [dr({ connectionPool: { http: { http2MaxRequests: 1 } } })],
  });
  try {
    await send(m.gatewayUrl);
    const rs = (await Promise.all([0, 1].map(() => send(m.gatewayUrl)))).sort((a, b) => a.ms - b.ms);
    assert.ok(isOverflow(rs[0]), JSON.stringify(rs[0]));
    assert.is(rs[1].status, 200);
    assert.is(stat(m, 'upstream_cx_total'), 2, 'a second connection was opened for #2 before it was rejected');
    assert.is(stat(m, 'upstream_rq_pending_overflow'), 1, 'Envoy counts max_requests overflow as pending overflow');
  } finally {
    await m.stop();
  }
});

test('E3: maxConnections 1 + pending 1, cold pool, connect takes 5 ms, 2 concurrent → one 200, one 503 UO', async () => {
  const m = await startMesh({
    app: appWith([{ ...fixed(50), connectDelayMs: 5 }]),
    policies: [dr({ connectionPool: { tcp: { maxConnections: 1 }, http: { http1MaxPendingRequests: 1 } } })],
  });
  try {
    const rs = await Promise.all([0, 1].map(() => send(m.gatewayUrl)));
    assert.equal(rs.map((r) => r.status).sort(), [200, 503]);
    const over = rs.find((r) => r.status === 503) as Reply;
    assert.ok(isOverflow(over), JSON.stringify(over));
    assert.is(over.body, OVERFLOW);
    assert.is(m.pods[0].requestsSeen(), 1);
    assert.is(stat(m, 'upstream_rq_pending_overflow'), 1);
    assert.is(stat(m, 'upstream_cx_total'), 1, 'the one connect in flight is all maxConnections allows');
  } finally {
    await m.stop();
  }
});

const D_POLICY = dr({
  connectionPool: { tcp: { maxConnections: 1 }, http: { http1MaxPendingRequests: 1, maxRequestsPerConnection: 1 } },
  outlierDetection: { consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '3m', maxEjectionPercent: 100 },
});

for (const [name, clients, total] of [
  ['D1', 2, 20],
  ['D2', 3, 30],
] as const) {
  test(`${name}: ${clients} closed-loop clients, maxConnections 1 / pending 1 / maxRequestsPerConnection 1 → both 200 and 503, pending_overflow = overflow 503s`, async () => {
    const m = await startMesh({ app: appWith([fixed(5)]), policies: [D_POLICY] });
    try {
      const rs = await closedLoop(m.gatewayUrl, clients, { total });
      assert.is(rs.length, total);
      const ok = rs.filter((r) => r.status === 200).length;
      const over = rs.filter(isOverflow).length;
      assert.ok(ok > 0 && over > 0, `200: ${ok}, 503: ${over}`);
      assert.is(ok + over, total, 'nothing but 200 and overflow');
      assert.is(stat(m, 'upstream_rq_pending_overflow'), over);
      assert.is(
        stat(m, 'outlier_detection.ejections_enforced_total'),
        0,
        'overflow never feeds outlier detection (§3.2)',
      );
    } finally {
      await m.stop();
    }
  });
}

test('law: maxConnections 1 with service time S=20ms caps success throughput at 1/S (+10 %) under 8 closed-loop clients', async () => {
  const m = await startMesh({
    app: appWith([fixed(20)]),
    policies: [dr({ connectionPool: { tcp: { maxConnections: 1 } } })],
  });
  try {
    const t0 = performance.now();
    const ok = (await closedLoop(m.gatewayUrl, 8, { forMs: 1000 })).filter((r) => r.status === 200).length;
    const secs = (performance.now() - t0) / 1000;
    const rate = ok / secs;
    assert.ok(rate <= 50 * 1.1, `success throughput ${rate.toFixed(1)}/s exceeds 1/S = 50/s`);
    assert.ok(rate >= 30, `the one connection is kept busy: ${rate.toFixed(1)}/s`);
    assert.is(stat(m, 'upstream_cx_total'), 1);
  } finally {
    await m.stop();
  }
});

test('§2.3 workers: 2 workers each open a connection despite maxConnections 1 (a pool with none may always connect)', async () => {
  const policies = [dr({ connectionPool: { tcp: { maxConnections: 1 } } })];
  for (const workers of [1, 2]) {
    const m = await startMesh({ app: appWith([fixed(150)]), policies, workers });
    try {
      const rs = await Promise.all([0, 1].map(() => send(m.gatewayUrl)));
      const slowest = Math.max(...rs.map((r) => r.ms));
      assert.equal(
        rs.map((r) => r.status),
        [200, 200],
      );
      // either way the second connect attempt finds cx 1 ≥ maxConnections 1: one upstream_cx_overflow
      assert.is(stat(m, 'upstream_cx_overflow'), 1);
      if (workers === 1) {
        assert.ok(within(slowest, 295, Infinity), `1 worker serialises: ${slowest}`);
        assert.is(stat(m, 'upstream_cx_total'), 1);
      } else {
        assert.ok(within(slowest, 0, 260), `2 workers run both at once: ${slowest}`);
        assert.is(stat(m, 'upstream_cx_total'), 2, "the second worker's empty pool connects anyway");
      }
    } finally {
      await m.stop();
    }
  }
});

test('§2.1 connectTimeout: a connect slower than tcp.connectTimeout fails with 503 UF "connection timeout"', async () => {
  const m = await startMesh({
    app: appWith([{ ...fixed(0), connectDelayMs: 300 }]),
    policies: [dr({ connectionPool: { tcp: { connectTimeout: '50ms' } } })],
  });
  try {
    const r = await send(m.gatewayUrl);
    assert.is(r.status, 503);
    // Istio's default retryOn has connect-failure: 3 connects, then the reply names the retry
    assert.is(
      r.body,
      'upstream connect error or disconnect/reset before headers. retried and the latest reset reason: connection timeout',
    );
    assert.is(stat(m, 'upstream_cx_connect_timeout'), 3);
    assert.is(
      stat(m, 'upstream_rq_pending_failure_eject'),
      3,
      'each failed connect purges the one request waiting on it',
    );
    await sleep(10);
  } finally {
    await m.stop();
  }
});

test('§2.2 a failed connect fails every request queued on it at once: maxConnections 1, 3 concurrent, connect timeout → 3 × 503 UF, 1 connect', async () => {
  const m = await startMesh({
    app: appWith([{ ...fixed(0), connectDelayMs: 300 }], [vs({ retries: { attempts: 0 } })]),
    policies: [dr({ connectionPool: { tcp: { maxConnections: 1, connectTimeout: '100ms' } } })],
  });
  try {
    const rs = await Promise.all([0, 1, 2].map(() => send(m.gatewayUrl)));
    assert.equal(
      rs.map((r) => r.status),
      [503, 503, 503],
    );
    assert.ok(
      rs.every(
        (r) => r.body === 'upstream connect error or disconnect/reset before headers. reset reason: connection timeout',
      ),
      rs[0].body,
    );
    assert.is(stat(m, 'upstream_cx_total'), 1, 'the 2nd and 3rd waited on the one connect maxConnections allows');
    assert.is(stat(m, 'upstream_cx_connect_timeout'), 1);
    assert.is(stat(m, 'upstream_rq_pending_failure_eject'), 3);
    assert.is(stat(m, 'upstream_rq_503'), 3);
    assert.is(m.pods[0].requestsSeen(), 0);
  } finally {
    await m.stop();
  }
});

test('§2.2 keep-alive: 50 sequential requests reuse one upstream connection', async () => {
  const m = await startMesh({ app: appWith([fixed(0)]) });
  try {
    const rs = await closedLoop(m.gatewayUrl, 1, { total: 50 });
    assert.ok(rs.every((r) => r.status === 200));
    assert.is(
      rs[0].headers['keep-alive'],
      undefined,
      'Envoy writes no Keep-Alive header on a kept-alive client connection',
    );
    assert.is(stat(m, 'upstream_cx_total'), 1);
    assert.is(stat(m, 'upstream_rq_total'), 50);
  } finally {
    await m.stop();
  }
});

test('§2.1 maxConnectionDuration: a connection older than the limit is closed after its request; the next request opens a new one', async () => {
  const m = await startMesh({
    app: appWith([fixed(0)]),
    policies: [dr({ connectionPool: { tcp: { maxConnectionDuration: '150ms' } } })],
  });
  try {
    await send(m.gatewayUrl);
    await send(m.gatewayUrl);
    assert.is(stat(m, 'upstream_cx_total'), 1, 'young connection reused');
    await sleep(200);
    assert.is(stat(m, 'upstream_cx_max_duration_reached'), 1);
    assert.is((await send(m.gatewayUrl)).status, 200);
    assert.is(stat(m, 'upstream_cx_total'), 2);
  } finally {
    await m.stop();
  }
});

test('§2.1 http.idleTimeout: a connection idle for longer is closed; one reused within the window stays', async () => {
  const m = await startMesh({
    app: appWith([fixed(0)]),
    policies: [dr({ connectionPool: { http: { idleTimeout: '300ms' } } })],
  });
  try {
    // 8 uses 60 ms apart span more than the 300 ms window, so one connection means each use
    // restarted the clock; each gap leaves 240 ms for a busy machine's scheduling (at 100 ms
    // windows a loaded CI machine's 40 ms of slack was sometimes not enough)
    for (let i = 0; i < 8; i++) {
      await send(m.gatewayUrl);
      await sleep(60);
    }
    assert.is(stat(m, 'upstream_cx_total'), 1, 'each reuse restarts the idle clock');
    await sleep(500);
    assert.is(stat(m, 'upstream_cx_idle_timeout'), 1);
    assert.is(stat(m, 'upstream_cx_active'), 0);
    await m.applyPolicies([dr({ connectionPool: { tcp: { idleTimeout: '0s' } } })]);
    await send(m.gatewayUrl);
    await sleep(50);
    assert.is(stat(m, 'upstream_cx_idle_timeout'), 1, 'tcp.idleTimeout 0s disables the idle timeout');
    assert.is(stat(m, 'upstream_cx_active'), 1);
  } finally {
    await m.stop();
  }
});

test.run();
