/**
 * Pod service time drawn from the app model's LatencyModel (src/mesh/app-model.ts).
 * Lognormal is fitted to the median and the 99th percentile: μ = ln p50, σ = (ln p99 − ln p50) / z₀.₉₉.
 */
import type { LatencyModel } from './app-model.js';
import type { Rng } from '../util/random.js';

/** z-score of the 99th percentile of the standard normal */
const Z99 = 2.3263478740408408;

/** A sampler for one latency model; built once per behaviour change, called per request. */
export function latencySampler(model: LatencyModel | undefined, rng: Rng): () => number {
  if (!model) return () => 0;
  switch (model.kind) {
    case 'fixed':
      return () => model.ms;
    case 'uniform':
      return () => model.minMs + rng.next() * (model.maxMs - model.minMs);
    case 'lognormal': {
      const mu = Math.log(model.p50Ms);
      const sigma = Math.max(0, (Math.log(model.p99Ms) - mu) / Z99);
      return () => Math.exp(mu + sigma * rng.normal());
    }
  }
}
