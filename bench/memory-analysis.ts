/**
 * 4. Memory and analysis. Engine RSS after 1 M requests (target < 200 MB), measured by a
 * child process running the engine and reading its own RSS; and building plus comparing
 * two phases of 1 M samples each (target < 1 s): synthetic PhaseResults recorded into the
 * HDR histograms, then analyzePhase ×2 and comparePhases — what a report costs.
 */
import { analyzePhase } from '../src/analysis/phase.js';
import { comparePhases } from '../src/analysis/compare.js';
import { createRng } from '../src/util/random.js';
import { figure, type Figure } from './report.js';
import { forkTs, nextMessage, stopChild, type Message } from './lib/proc.js';
import { syntheticPhase } from './lib/synthetic.js';
import { startTarget } from './lib/target.js';

export const BENCH = 'memory-analysis';

export interface MemoryParams {
  /** requests the engine completes before its RSS is read */
  requests: number;
  vus: number;
  /** samples per synthetic phase */
  samples: number;
}

export const FULL: MemoryParams = { requests: 1_000_000, vus: 10, samples: 1_000_000 };
/** --quick: 150 k requests (RSS must already be flat by then if memory is bounded). */
export const QUICK: MemoryParams = { requests: 150_000, vus: 10, samples: 1_000_000 };

export const TARGET_RSS_MB = { on: 'value', op: '<', limit: 200 } as const;
export const TARGET_ANALYSIS_MS = { on: 'value', op: '<', limit: 1000 } as const;
/** Bound on the memory run whatever the machine: time for the requests at a slow 2,000 req/s. */
const SLOWEST_RATE = 2_000;

interface MemoryReport extends Message {
  requests: number;
  rssMb: number;
  peakRssMb: number;
  seconds: number;
}

export async function engineMemory(p: MemoryParams): Promise<Figure> {
  const target = await startTarget();
  // the engine reports progress every 250 ms whatever the output; the child aborts on it at
  // `requests`, so the duration is only a bound for a machine slower than SLOWEST_RATE
  const maxSeconds = Math.ceil(p.requests / SLOWEST_RATE) + 5;
  const child = forkTs(new URL('./children/engine-memory.ts', import.meta.url), [
    target.url,
    String(p.requests),
    String(p.vus),
    String(maxSeconds),
  ]);
  try {
    const m = await nextMessage<MemoryReport>(child, 'memory', (maxSeconds + 30) * 1000);
    return figure({
      bench: BENCH,
      name: `engine RSS after ${formatCount(p.requests)} requests`,
      value: m.rssMb,
      unit: 'MB',
      target: TARGET_RSS_MB,
      note: `${m.requests.toLocaleString('en-US')} requests in ${m.seconds.toFixed(1)} s; peak RSS ${m.peakRssMb.toFixed(0)} MB`,
    });
  } finally {
    await stopChild(child);
    await target.stop();
  }
}

/** Build two phases of `samples` samples each, analyse both, compare: wall time in ms. */
export function analysisTime(samples: number): Figure {
  const t0 = performance.now();
  const rng = createRng(7);
  const baseline = syntheticPhase(samples, rng.fork('baseline'), { p50Ms: 25, p99Ms: 60, overflowShare: 0.001 });
  const policy = syntheticPhase(samples, rng.fork('policy'), { p50Ms: 20, p99Ms: 45, overflowShare: 0.4 });
  const built = performance.now();
  const comparison = comparePhases(
    { result: baseline, stats: analyzePhase(baseline) },
    { result: policy, stats: analyzePhase(policy) },
  );
  const ms = performance.now() - t0;
  if (!Number.isFinite(comparison.percentiles.p50?.delta)) throw new Error('analysis produced no p50 delta');
  return figure({
    bench: BENCH,
    name: `build+compare 2×${formatCount(samples)} samples`,
    value: ms,
    unit: 'ms',
    target: TARGET_ANALYSIS_MS,
    note: `building ${(built - t0).toFixed(0)} ms, analysing ${(ms - built + t0).toFixed(0)} ms`,
  });
}

export async function memoryAnalysis(p: MemoryParams = FULL): Promise<Figure[]> {
  const analysis = analysisTime(p.samples);
  return [analysis, await engineMemory(p)];
}

function formatCount(n: number): string {
  return n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6} M` : n >= 1e3 && n % 1e3 === 0 ? `${n / 1e3} k` : String(n);
}
