/**
 * §5 fault filter: independent delay/abort draws, exact abort body, delay not charged to the
 * route timeout, omitted percentage never fires (E10–E13).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startMesh } from '../../src/mesh/index.js';
import { appWith, closedLoop, CLUSTER, fixed, HOST, send, sleep, vs, stall, within } from './helpers.js';

test.before.each(stall.reset);

test('E10: abort 503 at 50 % over 10 000 requests → aborted count within 3σ of 5000 (seeded), no upstream call, no retry', async () => {
  const m = await startMesh({
    app: appWith([fixed(0)], [vs({ fault: { abort: { httpStatus: 503, percentage: { value: 50 } } } })]),
    seed: 7,
  });
  try {
    const n = 10_000;
    const rs = await closedLoop(m.gatewayUrl, 16, { total: n });
    assert.is(rs.length, n);
    const aborted = rs.filter((r) => r.body === 'fault filter abort');
    assert.ok(aborted.length >= 4850 && aborted.length <= 5150, `aborted ${aborted.length}`);
    assert.ok(
      aborted.every(
        (r) =>
          r.status === 503 &&
          r.headers['x-envoy-upstream-service-time'] === undefined &&
          r.headers['content-type'] === 'text/plain',
      ),
    );
    assert.is(m.pods[0].requestsSeen(), n - aborted.length);
    assert.is(m.stats()[`cluster.${CLUSTER}.upstream_rq_retry`], 0);
    assert.is(m.stats()['http.outbound_0.0.0.0_8080.fault.aborts_injected'], aborted.length);
  } finally {
    await m.stop();
  }
});

test('E11 (delay scaled to 300ms): delay 100 % + abort 418 100 % → 418 after ~300ms, flags DI,FI, upstream never called', async () => {
  const log = path.join(os.tmpdir(), `meshproof-e11-${process.pid}.log`);
  const m = await startMesh({
    app: appWith(
      [fixed(0)],
      [
        vs({
          fault: {
            delay: { fixedDelay: '300ms', percentage: { value: 100 } },
            abort: { httpStatus: 418, percentage: { value: 100 } },
          },
        }),
      ],
    ),
    accessLogPath: log,
  });
  try {
    const r = await send(m.gatewayUrl);
    assert.is(r.status, 418);
    assert.is(r.body, 'fault filter abort');
    assert.ok(within(r.ms, 295, 400), `took ${r.ms}`);
    assert.is(m.pods[0].requestsSeen(), 0);
  } finally {
    await m.stop();
  }
  const line = fs.readFileSync(log, 'utf8');
  fs.rmSync(log);
  assert.match(line, /" 418 DI,FI /);
});

test('E12 (scaled: delay 600ms, timeout 300ms, upstream 100ms): 200 after ~700ms — the delay is not charged to the timeout', async () => {
  const m = await startMesh({
    app: appWith(
      [fixed(100)],
      [vs({ timeout: '300ms', fault: { delay: { fixedDelay: '600ms', percentage: { value: 100 } } } })],
    ),
  });
  try {
    const r = await send(m.gatewayUrl);
    assert.is(r.status, 200);
    assert.ok(within(r.ms, 695, 820), `took ${r.ms}`);
    const st = Number(r.headers['x-envoy-upstream-service-time']);
    assert.ok(within(st, 100, 200), `service time excludes the fault delay: ${st}`);
  } finally {
    await m.stop();
  }
});

test('§5.2 a client that leaves during the fault delay is still counted and logged (DI,DC), and never reaches the pod', async () => {
  const log = path.join(os.tmpdir(), `meshproof-dc-${process.pid}.log`);
  const m = await startMesh({
    app: appWith([fixed(0)], [vs({ fault: { delay: { fixedDelay: '300ms', percentage: { value: 100 } } } })]),
    accessLogPath: log,
  });
  try {
    await new Promise<void>((resolve) => {
      const req = http.request({
        host: '127.0.0.1',
        port: new URL(m.gatewayUrl).port,
        path: '/productpage',
        agent: false,
        headers: { host: HOST },
      });
      req.on('error', () => resolve());
      req.end();
      setTimeout(() => req.destroy(), 50);
    });
    await sleep(400);
    assert.is(m.stats()['http.outbound_0.0.0.0_8080.downstream_rq_total'], 1);
    assert.is(m.pods[0].requestsSeen(), 0);
  } finally {
    await m.stop();
  }
  const line = fs.readFileSync(log, 'utf8');
  fs.rmSync(log);
  assert.match(line, /" 0 DI,DC /);
});

test('E13: abort 500 without percentage → 0 aborts in 100 requests (§5.1: omitted percentage never fires)', async () => {
  const m = await startMesh({ app: appWith([fixed(0)], [vs({ fault: { abort: { httpStatus: 500 } } })]) });
  try {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let aborted = 0;
    for (let i = 0; i < 100; i++) if ((await send(m.gatewayUrl, { agent })).body === 'fault filter abort') aborted++;
    agent.destroy();
    assert.is(aborted, 0);
    assert.is(m.pods[0].requestsSeen(), 100);
  } finally {
    await m.stop();
  }
});

test('§5.2 delay and abort draws are independent: P(delayed ∧ aborted) = pDelay × pAbort within 3σ', async () => {
  const m = await startMesh({
    app: appWith(
      [fixed(0)],
      [
        vs({
          fault: {
            delay: { fixedDelay: '1ms', percentage: { value: 50 } },
            abort: { httpStatus: 503, percentage: { value: 50 } },
          },
        }),
      ],
    ),
    seed: 11,
    accessLogPath: path.join(os.tmpdir(), `meshproof-indep-${process.pid}.log`),
  });
  const log = path.join(os.tmpdir(), `meshproof-indep-${process.pid}.log`);
  const n = 2000;
  try {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    for (let i = 0; i < n; i += 8) await Promise.all(Array.from({ length: 8 }, () => send(m.gatewayUrl, { agent })));
    agent.destroy();
  } finally {
    await m.stop();
  }
  await sleep(10);
  const lines = fs.readFileSync(log, 'utf8').trim().split('\n');
  fs.rmSync(log);
  const both = lines.filter((l) => / DI,FI /.test(l)).length;
  const sigma = Math.sqrt(n * 0.25 * 0.75);
  assert.is(lines.length, n);
  assert.ok(Math.abs(both - n * 0.25) < 3 * sigma, `both ${both} of ${n}`);
});

test('§1/§5.1 gRPC requests: a grpcStatus abort and a 404 NR become HTTP 200 with grpc-status and grpc-message', async () => {
  const m = await startMesh({
    app: appWith(
      [fixed(0)],
      [vs({ fault: { abort: { grpcStatus: 'RESOURCE_EXHAUSTED', percentage: { value: 100 } } } })],
    ),
  });
  try {
    const grpc = { 'content-type': 'application/grpc' };
    const r = await send(m.gatewayUrl, { headers: grpc });
    assert.is(r.status, 200);
    assert.is(r.headers['grpc-status'], '8');
    assert.is(r.headers['grpc-message'], 'fault%20filter%20abort');
    assert.is(r.body, '');
    const plain = await send(m.gatewayUrl);
    assert.is(plain.status, 200, 'a non-gRPC request gets plain HTTP 200 with the body (§5.1)');
    assert.is(plain.body, 'fault filter abort');
    await m.applyPolicies([vs({})]);
    await m.deleteObjects([{ kind: 'VirtualService', namespace: 'default', name: 'productpage' }]);
    const nr = await send(m.gatewayUrl, { headers: grpc });
    assert.equal([nr.status, nr.headers['grpc-status']], [200, '12'], '404 → UNIMPLEMENTED');
  } finally {
    await m.stop();
  }
});

test.run();
