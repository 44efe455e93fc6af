import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDurationMs, formatDuration, formatProtoDuration } from '../../src/util/duration.js';

// istio-envoy-semantics.md §7.1: Go time.ParseDuration grammar
test('Go duration grammar: units, fractions and concatenation', () => {
  assert.is(parseDurationMs('500ms'), 500);
  assert.is(parseDurationMs('1.5s'), 1500);
  assert.is(parseDurationMs('1h30m'), 5_400_000);
  assert.is(parseDurationMs('250us'), 0.25);
  assert.is(parseDurationMs('250µs'), 0.25);
  assert.is(parseDurationMs('-2s'), -2000);
  assert.is(parseDurationMs('0'), 0);
  assert.is(parseDurationMs('.5s'), 500);
});

test('Go duration grammar rejects days, bare numbers, spaces and empty text', () => {
  for (const bad of ['1d', '10', '', '1 s', 's', '1.2.3s', '5sec']) assert.is(parseDurationMs(bad), undefined, bad);
});

test('protobuf JSON duration formatting as in Envoy config_dump: 0, 3, 6 or 9 fractional digits', () => {
  assert.is(formatProtoDuration(500), '0.500s');
  assert.is(formatProtoDuration(30_000), '30s');
  assert.is(formatProtoDuration(1250), '1.250s');
  assert.is(formatProtoDuration(0.1), '0.000100s');
  assert.is(formatProtoDuration(0), '0s');
});

test('short Go durations round-trip through the parser', () => {
  for (const ms of [500, 1000, 1250, 30_000, 0.25]) assert.is(parseDurationMs(formatDuration(ms)), ms);
  assert.is(formatDuration(500), '0.5s');
});

test.run();
