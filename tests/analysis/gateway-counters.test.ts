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
  });
});

test("one slack rule for every comparison: max(2, 1 % of the clients' count)", async () => {
  const { withinSlack } = await import('../../src/analysis/gateway-counters.js');
  assert.is(withinSlack(2, 0), true);
  assert.is(withinSlack(3, 0), false);
  assert.is(withinSlack(1010, 1000), true);
  assert.is(withinSlack(1011, 1000), false);
});

test.run();
