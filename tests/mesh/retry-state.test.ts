/**
 * §4.3 / D7: Envoy's full-jitter exponential backoff with the default 25 ms base:
 * retry 1 in [0, 24] ms, retry 2 in [0, 74], retry 3 in [0, 174], then capped at 250 (10 × base).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RetryState } from '../../src/mesh/retry-state.js';
import type { ClusterResources } from '../../src/mesh/resources.js';
import type { ClusterStats } from '../../src/mesh/stats.js';
import type { CompiledRetry } from '../../src/mesh/route-config.js';
import { createRng } from '../../src/util/random.js';

const POLICY: CompiledRetry = {
  numRetries: 5,
  perTryMs: 0,
  on: 0,
  codes: [],
  baseMs: 25,
  maxMs: 250,
  avoidPreviousHosts: true,
};

test('D7: default backoff delays fill [0,24], [0,74], [0,174], then [0,250] ms (2000 seeded requests)', () => {
  const rng = createRng(9);
  const max = [0, 0, 0, 0, 0];
  for (let i = 0; i < 2000; i++) {
    const r = new RetryState(POLICY, {} as ClusterResources, {} as ClusterStats, rng);
    for (let k = 0; k < 5; k++) max[k] = Math.max(max[k], r.backoffMs());
  }
  assert.equal(max.slice(0, 3), [24, 74, 174], 'each bound is reached and never passed');
  assert.ok(max[3] <= 250 && max[3] >= 240 && max[4] <= 250, String(max));
});

test('§4.3 backoff base from the VS (retries.backoff 100ms): [0,99], then capped at 10 × base', () => {
  const rng = createRng(2);
  let first = 0;
  let later = 0;
  for (let i = 0; i < 500; i++) {
    const r = new RetryState({ ...POLICY, baseMs: 100, maxMs: 1000 }, {} as ClusterResources, {} as ClusterStats, rng);
    first = Math.max(first, r.backoffMs());
    for (let k = 0; k < 5; k++) later = Math.max(later, r.backoffMs());
  }
  assert.is(first, 99);
  assert.ok(later <= 1000);
});

test.run();
