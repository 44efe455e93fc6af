import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  createHistogram,
  recordMs,
  serializeHistogram,
  deserializeHistogram,
  mergeHistograms,
  summarize,
  valueAtRankMs,
} from '../../src/load/histogram.js';

test('percentiles of 1..1000 ms are exact to HDR resolution (0.1 %)', () => {
  const h = createHistogram();
  for (let i = 1; i <= 1000; i++) recordMs(h, i);
  const s = summarize(h);
  assert.is(s.count, 1000);
  assert.ok(Math.abs(s.p50 - 500) <= 0.5, String(s.p50));
  assert.ok(Math.abs(s.p99 - 990) <= 1, String(s.p99));
  assert.ok(Math.abs(s.mean - 500.5) <= 0.5);
  assert.ok(Math.abs(valueAtRankMs(h, 950) - 950) <= 1);
  assert.ok(Math.abs(valueAtRankMs(h, 1) - 1) <= 0.01);
});

test('serialised histograms merge exactly: counts add and percentiles match the pooled data', () => {
  const a = createHistogram(),
    b = createHistogram(),
    all = createHistogram();
  for (let i = 1; i <= 500; i++) {
    recordMs(a, i);
    recordMs(all, i);
  }
  for (let i = 501; i <= 1000; i++) {
    recordMs(b, i);
    recordMs(all, i);
  }
  const merged = deserializeHistogram(mergeHistograms([serializeHistogram(a), serializeHistogram(b)]));
  assert.is(merged.totalCount, 1000);
  // both sides go through the same encoding, so equality is exact
  assert.equal(summarize(merged), summarize(deserializeHistogram(serializeHistogram(all))));
});

test.run();
