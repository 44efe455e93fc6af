import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDurationMs, formatProtoDuration } from '../../src/util/duration.js';

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

test('protobuf duration formatting as in Envoy config_dump', () => {
  assert.is(formatProtoDuration(500), '0.5s');
  assert.is(formatProtoDuration(30_000), '30s');
  assert.is(formatProtoDuration(1250), '1.25s');
});

test.run();
