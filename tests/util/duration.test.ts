import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  parseDurationMs,
  formatDuration,
  formatProtoDuration,
  parseTimerMs,
  clampedTimerMs,
  MAX_TIMER_MS,
} from '../../src/util/duration.js';
import { parseGoDurationNsInRange } from '../../src/util/go-duration-range.js';
import { validateText, dr } from '../policy/helpers.js';
import { clusterSettings } from '../../src/mesh/cluster-config.js';
import { translateCluster } from '../../src/translate/index.js';

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

test('Go duration range: beyond int64 nanoseconds is "invalid duration", decided exactly at ±2^63 ns', () => {
  // time/format.go ParseDuration: a magnitude above 1<<63 - 1 (or 1<<63 when negative) is an error
  assert.is(parseGoDurationNsInRange('9223372036854775807ns'), 2 ** 63);
  assert.is(parseGoDurationNsInRange('-9223372036854775808ns'), -(2 ** 63));
  for (const over of ['9223372036854775808ns', '2562047h47m16.854775808s', '3000000h', '99999999999999999999ns'])
    assert.is(parseGoDurationNsInRange(over), undefined, over);
  assert.is(parseGoDurationNsInRange('2562047h47m16.854775807s'), 2 ** 63);
  assert.is(parseGoDurationNsInRange('2562047h'), 2562047 * 3600e9, 'the largest whole-hour duration still parses');
  // validate reads Istio's durations as Go does: the webhook refuses one past the range
  const timeout = (d: string) =>
    validateText(dr(`connectionPool: {tcp: {connectTimeout: ${d}}}`)).map((f) => f.message);
  assert.equal(timeout('2562047h'), []);
  assert.equal(timeout('3000000h'), ['expected a duration like "10s" or "500ms", got "3000000h"']);
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

test("issue 13 item 3: parseTimerMs refuses durations above Node's timer limit (2^31−1 ms), naming the maximum; the limit itself passes", () => {
  assert.equal(parseTimerMs('596h31m23.647s'), { ms: 2 ** 31 - 1 });
  assert.equal(parseTimerMs('596h31m23.648s'), {
    expected: `a duration like "30s" up to 596h31m23.647s (Node's timer limit)`,
  });
  assert.equal(parseTimerMs('876000h', { positive: true }), {
    expected: `a positive duration like "30s" up to 596h31m23.647s (Node's timer limit)`,
  });
  assert.equal(parseTimerMs('0s', { positive: true }), { expected: 'a positive duration like "30s"' });
  assert.equal(parseTimerMs(30), { expected: 'a duration like "30s"' });
  assert.is(MAX_TIMER_MS, 2_147_483_647);
});

test('issue 13 item 3: a policy duration of 100 years becomes a timer of 2^31−1 ms (never fires within a run), not the 1 ms Node would make of it', () => {
  assert.is(clampedTimerMs('876000h', 10_000), 2_147_483_647);
  assert.is(clampedTimerMs('10s', 0), 10_000);
  assert.is(clampedTimerMs(undefined, 10_000), 10_000);
  const c = clusterSettings(
    translateCluster(
      [
        {
          apiVersion: 'networking.istio.io/v1',
          kind: 'DestinationRule',
          metadata: { name: 'p', namespace: 'default' },
          spec: {
            host: 'productpage',
            trafficPolicy: {
              outlierDetection: { consecutive5xxErrors: 1, interval: '876000h', baseEjectionTime: '876000h' },
            },
          },
        },
      ],
      { fqdn: 'productpage.default.svc.cluster.local', port: 9080 },
    ),
  );
  assert.is(c.outlier?.intervalMs, 2_147_483_647);
  assert.is(c.outlier?.baseEjectionMs, 2_147_483_647);
});

test.run();
