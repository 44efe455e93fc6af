import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BuiltinEngine } from '../../src/load/builtin/engine.js';
import { LOCAL_REPLIES } from './helpers/local-replies.js';
import { startServer } from './helpers/server.js';

test('§1 local replies: the built-in engine counts statuses and causes exactly (3 of each reply + 3 dropped connections)', async () => {
  // reply n cycles through every §1 local reply, then one "destroy the socket" (no response)
  const kinds = LOCAL_REPLIES.length + 1;
  const s = await startServer((_req, res, n) => {
    const r = LOCAL_REPLIES[n % kinds];
    if (!r) return res.socket?.destroy();
    res.writeHead(r.status, { 'content-type': 'text/plain', ...r.headers });
    res.end(r.body);
  });
  try {
    const total = 3 * kinds; // 48 iterations in 1 s, all answered long before the end
    const result = await new BuiltinEngine().run(
      { executor: 'constant-arrival-rate', rate: total, duration: '1s', preAllocatedVUs: 10 },
      { method: 'GET', baseUrl: s.url, path: '/productpage', host: 'bookinfo.example.com' },
    );
    const expectCauses: Record<string, number> = { network_error: 3 };
    const expectStatuses: Record<string, number> = { 0: 3 };
    for (const r of LOCAL_REPLIES) {
      expectCauses[r.cause] = (expectCauses[r.cause] ?? 0) + 3;
      expectStatuses[r.status] = (expectStatuses[r.status] ?? 0) + 3;
    }
    assert.is(result.requests, total);
    assert.equal(result.causes, expectCauses);
    assert.equal(result.statuses, expectStatuses);
    // per-outcome latency exists for every cause, and its counts add up
    const perCause = Object.values(result.latency.byCause).reduce((a, l) => a + (l?.count ?? 0), 0);
    assert.is(perCause, total);
  } finally {
    await s.close();
  }
});

test.run();
