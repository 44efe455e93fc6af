import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gatewayCounters } from '../../src/analysis/gateway-counters.js';
import { fakeResult } from '../experiment/fakes.js';
import { mismatchText, reportGateway } from '../../src/report/gateway-text.js';

const C = 'cluster.outbound|9080||productpage.default.svc.cluster.local';
const profile = { executor: 'constant-vus', vus: 1, duration: '1s' } as const;
const plan = { method: 'GET', baseUrl: 'http://127.0.0.1:1', path: '/' };

test('gateway deltas are summed over repetitions; overflow counters that agree with the clients raise nothing (§1, §2.2)', () => {
  const result = fakeResult(profile, plan, { ok: 100, overflow: 900 }, 5);
  const g = gatewayCounters(
    'policy',
    [{ [`${C}.upstream_rq_pending_overflow`]: 450 }, { [`${C}.upstream_rq_pending_overflow`]: 449 }],
    result,
  );
  assert.equal(g.deltas, { [`${C}.upstream_rq_pending_overflow`]: 899 });
  assert.equal(g.mismatches, [], 'one request at a phase boundary is within the slack');
});

test('a gateway that counts fewer overflows than the clients saw is flagged, with both numbers', () => {
  const result = fakeResult(profile, plan, { ok: 100, overflow: 900 }, 5);
  const g = gatewayCounters('policy', [{ [`${C}.upstream_rq_pending_overflow`]: 600 }], result);
  assert.equal(g.mismatches, [
    { phase: 'policy', counter: 'upstream_rq_pending_overflow', cause: 'overflow', gateway: 600, clients: 900 },
  ]);
  assert.equal(g.mismatches.map(mismatchText), [
    'policy: gateway counted 600 upstream_rq_pending_overflow, clients saw 900 overflow 503s',
  ]);
});

test('route timeouts are checked against upstream_rq_timeout too (§4.1)', () => {
  const result = fakeResult(profile, plan, { ok: 100, route_timeout: 50 }, 5);
  const g = gatewayCounters('policy', [{ [`${C}.upstream_rq_timeout`]: 10 }], result);
  assert.equal(g.mismatches.map(mismatchText), [
    'policy: gateway counted 10 upstream_rq_timeout, clients saw 50 route-timeout 504s',
  ]);
  assert.equal(reportGateway(g), {
    phase: 'policy',
    deltas: { [`${C}.upstream_rq_timeout`]: 10 },
    mismatches: ['policy: gateway counted 10 upstream_rq_timeout, clients saw 50 route-timeout 504s'],
    // a gateway whose /stats lists only the timeout counter keeps none of the others (its stats matcher)
    unexposed: [
      'upstream_rq_total',
      'upstream_rq_pending_overflow',
      'upstream_cx_overflow',
      'upstream_rq_retry',
      'upstream_rq_retry_overflow',
    ],
  });
});

test("one slack rule for every comparison: max(2, 1 % of the clients' count), for the overflow and the timeout counter alike", () => {
  const cases: [string, 'overflow' | 'route_timeout', number, number, boolean][] = [
    ['upstream_rq_pending_overflow', 'overflow', 1000, 1010, false],
    ['upstream_rq_pending_overflow', 'overflow', 1000, 1011, true],
    ['upstream_rq_pending_overflow', 'overflow', 1000, 989, true],
    ['upstream_rq_pending_overflow', 'overflow', 0, 2, false],
    ['upstream_rq_pending_overflow', 'overflow', 0, 3, true],
    ['upstream_rq_timeout', 'route_timeout', 1000, 990, false],
    ['upstream_rq_timeout', 'route_timeout', 1000, 1011, true],
    ['upstream_rq_timeout', 'route_timeout', 0, 2, false],
    ['upstream_rq_timeout', 'route_timeout', 0, 3, true],
  ];
  for (const [counter, cause, clients, gateway, flagged] of cases) {
    const result = fakeResult(profile, plan, { ok: 100, ...(clients > 0 ? { [cause]: clients } : {}) }, 5);
    const g = gatewayCounters('policy', [{ [`${C}.${counter}`]: gateway }], result);
    assert.is(g.mismatches.length, flagged ? 1 : 0, `${counter}: gateway ${gateway}, clients ${clients}`);
  }
});

test.run();
