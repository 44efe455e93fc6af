/** Each phase's histogram is decoded once (src/analysis/decoded.ts) and reads as the serialized one. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { histogramOf } from '../../src/analysis/decoded.js';
import {
  createHistogram,
  deserializeHistogram,
  percentileMs,
  recordMs,
  serializeHistogram,
} from '../../src/load/histogram.js';

test('the same serialized histogram gives the same decoded object, with the same percentiles as a fresh decode', () => {
  const h = createHistogram();
  for (let i = 1; i <= 1000; i++) recordMs(h, i / 10);
  const s = serializeHistogram(h);
  const once = histogramOf(s);
  assert.ok(histogramOf(s) === once, 'decoded once, then reused');
  assert.is(once.totalCount, 1000);
  for (const p of [50, 95, 99]) assert.is(percentileMs(once, p), percentileMs(deserializeHistogram(s), p));
  assert.ok(histogramOf(serializeHistogram(h)) !== once, 'another serialized object is decoded on its own');
});

test.run();
