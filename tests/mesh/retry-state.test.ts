/**
 * §4.3 / D7: Envoy's full-jitter exponential backoff with the default 25 ms base, as current
 * Envoy computes it (backoff_strategy.cc JitteredExponentialBackOffStrategy: random % interval,
 * the interval doubling from the base while below max/2, then max): retry 1 in [0, 24] ms,
 * retry 2 in [0, 49], retry 3 in [0, 99], retry 4 in [0, 199], then [0, 249] (max 10 × base).
 * The docs' "[0,74], [0,174]" describe the strategy Envoy replaced (meshproof's §4.3 note).
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

test('§4.3 (meshproof note) default backoff delays fill [0,24], [0,49], [0,99], [0,199], then [0,249] ms (4000 seeded requests)', () => {
  const rng = createRng(9);
  const max = [0, 0, 0, 0, 0, 0];
  for (let i = 0; i < 4000; i++) {
    const r = new RetryState(POLICY, {} as ClusterResources, {} as ClusterStats, rng);
    for (let k = 0; k < 6; k++) max[k] = Math.max(max[k], r.backoffMs());
  }
  assert.equal(max, [24, 49, 99, 199, 249, 249], 'each bound is reached and never passed');
});

test('§4.3 (meshproof note) the interval stops doubling at max/2: base 30, max 100 → [0,29], [0,59], then [0,99]', () => {
  const rng = createRng(4);
  const max = [0, 0, 0, 0];
  for (let i = 0; i < 3000; i++) {
    const r = new RetryState({ ...POLICY, baseMs: 30, maxMs: 100 }, {} as ClusterResources, {} as ClusterStats, rng);
    for (let k = 0; k < 4; k++) max[k] = Math.max(max[k], r.backoffMs());
  }
  // 60 ≥ 100/2, so the third interval is the max itself, not 120 capped
  assert.equal(max, [29, 59, 99, 99]);
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
  assert.is(later, 999);
});

test.run();
