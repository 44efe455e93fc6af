import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Recorder } from '../../src/load/builtin/recorder.js';
import { createRng } from '../../src/util/random.js';

function resultSize(n: number): number {
  const rng = createRng(7);
  const r = new Recorder(true);
  for (let i = 0; i < n; i++) {
    const latencyMs = Math.exp(3 + rng.normal());
    r.add(200, 'ok', latencyMs, latencyMs + 1, (5000 * i) / n);
  }
  const result = r.result({
    profile: { executor: 'constant-vus', vus: 1, duration: '5s' },
    plan: { method: 'GET', baseUrl: 'http://127.0.0.1:1', path: '/' },
    engine: { name: 'builtin', version: 'test' },
    startedAt: new Date(0),
    durationMs: 5000,
  });
  assert.is(result.requests, n);
  assert.is(result.timeline.length, 5);
  return JSON.stringify(result).length;
}

test('bounded memory: a million requests fit in a result under 150 KB — under 0.15 byte per request, so no per-request arrays', () => {
  // HDR histograms grow only with the number of distinct buckets hit (bounded), timelines with seconds
  assert.ok(resultSize(1_000_000) < 150_000);
  assert.ok(resultSize(10_000) < 30_000);
});

test.run();
