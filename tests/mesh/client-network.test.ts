/**
 * The client's network (src/mesh/client-network.ts, istio-envoy-semantics.md §6.2): a delay
 * line that delays each direction of the client↔gateway connection — the handshake, the
 * request, the response — by rtt/2 ± jitter/2, seeded, in order.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import net from 'node:net';
import { oneWayDelays, startDelayLine } from '../../src/mesh/client-network.js';
import { startMesh } from '../../src/mesh/index.js';
import { createRng } from '../../src/util/random.js';
import { appWith, fixed, send, stall, within } from './helpers.js';

test.before.each(stall.reset);

test('§6.2 one-way delays: rtt/2 ± jitter/2, uniform, mean rtt/2, the same sequence for the same seed, never negative', () => {
  const draw = oneWayDelays({ rttMs: 60, jitterMs: 10 }, createRng(5));
  const xs = Array.from({ length: 20_000 }, draw);
  assert.ok(Math.min(...xs) >= 25 && Math.max(...xs) < 35, `${Math.min(...xs)} … ${Math.max(...xs)}`);
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  // uniform over 10 ms: sd 10/√12 ≈ 2.89 ms, standard error of the mean 0.02 ms; 4 SE
  assert.ok(Math.abs(mean - 30) < 0.09, String(mean));
  const again = oneWayDelays({ rttMs: 60, jitterMs: 10 }, createRng(5));
  assert.equal(Array.from({ length: 5 }, again), xs.slice(0, 5));
  const wide = oneWayDelays({ rttMs: 2, jitterMs: 40 }, createRng(1));
  assert.ok(Array.from({ length: 1000 }, wide).every((x) => x >= 0));
});

test('§6.2 a keep-alive request costs one round trip more than the service time; the first on a new connection one more for the handshake', async () => {
  const rtt = 100;
  const m = await startMesh({ app: appWith([fixed(10)]), network: { rttMs: rtt, jitterMs: 0 } });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const first = await send(m.gatewayUrl, { agent });
    const second = await send(m.gatewayUrl, { agent });
    assert.equal([first.status, second.status], [200, 200]);
    // SYN, SYN-ACK, request, response: 2 RTT + 10 ms; timers never fire early, so the lower bounds
    // are exact. The upper bounds allow less than one more round trip (+ stalls): they catch a
    // delay applied twice or a handshake charged to every request, and tolerate a loaded machine
    assert.ok(within(first.ms, 2 * rtt + 10, 3 * rtt + 10), `first ${first.ms}`);
    assert.ok(within(second.ms, rtt + 10, 2 * rtt + 10), `second ${second.ms}`);
  } finally {
    agent.destroy();
    await m.stop();
  }
});

test('§6.2 without a network the gateway URL is the gateway itself (loopback, no delay line)', async () => {
  const m = await startMesh({ app: appWith([fixed(1)]) });
  const n = await startMesh({ app: appWith([fixed(1)]), network: { rttMs: 0, jitterMs: 0 } });
  try {
    const r = await send(m.gatewayUrl);
    assert.is(r.status, 200);
    assert.ok(within(r.ms, 1, 30), String(r.ms));
    assert.is((await send(n.gatewayUrl)).status, 200);
  } finally {
    await m.stop();
    await n.stop();
  }
});

test('§6.2 bytes stay in order under jitter larger than the gaps between writes (TCP never reorders), both directions, and FIN follows the data', async () => {
  const echo = net.createServer({ allowHalfOpen: true }, (s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  const line = await startDelayLine(
    (echo.address() as net.AddressInfo).port,
    { rttMs: 20, jitterMs: 30 },
    createRng(9),
  );
  try {
    const sent = Array.from({ length: 40 }, (_, i) => `<${i}>`);
    const got = await new Promise<string>((resolve) => {
      const c = net.connect(line.port, '127.0.0.1');
      let text = '';
      c.on('data', (d: Buffer) => (text += d.toString()));
      c.on('end', () => resolve(text));
      let i = 0;
      const t = setInterval(() => {
        c.write(sent[i++]);
        if (i === sent.length) {
          clearInterval(t);
          c.end();
        }
      }, 1);
    });
    assert.is(got, sent.join(''));
  } finally {
    await line.close();
    await new Promise((r) => echo.close(r));
  }
});

test.run();
