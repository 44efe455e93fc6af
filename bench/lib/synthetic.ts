/**
 * Synthetic PhaseResults for the analysis benchmark: `n` lognormal latencies recorded into
 * the same HDR histograms the engines fill, a share of them 503 overflows. Seeded, so two
 * runs analyse the same data.
 */
import { createHistogram, recordMs, serializeHistogram, summarize } from '../../src/load/histogram.js';
import type { PhaseResult } from '../../src/load/model.js';
import type { Rng } from '../../src/util/random.js';

/** z of the 99th percentile of a standard normal: fits a lognormal to (p50, p99). */
const Z99 = 2.3263478740408408;

export interface SyntheticShape {
  p50Ms: number;
  p99Ms: number;
  /** share of requests that are 503 overflows (answered in 1 ms) */
  overflowShare: number;
}

export function syntheticPhase(n: number, rng: Rng, shape: SyntheticShape): PhaseResult {
  const mu = Math.log(shape.p50Ms);
  const sigma = Math.log(shape.p99Ms / shape.p50Ms) / Z99;
  const overall = createHistogram();
  const ok = createHistogram();
  const overflow = createHistogram();
  let overflows = 0;
  for (let i = 0; i < n; i++) {
    if (rng.next() < shape.overflowShare) {
      overflows++;
      recordMs(overall, 1);
      recordMs(overflow, 1);
    } else {
      const ms = Math.exp(mu + sigma * rng.normal());
      recordMs(overall, ms);
      recordMs(ok, ms);
    }
  }
  const durationMs = 60_000;
  const start = Date.UTC(2026, 0, 1);
  return {
    profile: { executor: 'constant-vus', vus: 10, duration: '60s' },
    plan: { method: 'GET', baseUrl: 'http://127.0.0.1:1', path: '/' },
    engine: { name: 'builtin', version: 'synthetic' },
    startedAt: new Date(start).toISOString(),
    endedAt: new Date(start + durationMs).toISOString(),
    durationMs,
    requests: n,
    iterations: n,
    droppedIterations: 0,
    statuses: { '200': n - overflows, '503': overflows },
    causes: { ok: n - overflows, overflow: overflows },
    latency: { overall: summarize(overall), byCause: { ok: summarize(ok), overflow: summarize(overflow) } },
    histograms: {
      overall: serializeHistogram(overall),
      byCause: { ok: serializeHistogram(ok), overflow: serializeHistogram(overflow) },
    },
    timeline: [],
  };
}
