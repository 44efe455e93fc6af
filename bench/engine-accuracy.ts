/**
 * 2. Engine accuracy: against a server that answers after a fixed 10 ms, at 500 req/s open
 * loop (constant-arrival-rate), the engine's p50 and p99 must be within 0.5 ms of the
 * server-side truth (measured inside the server: request received → response end). The
 * difference is what the engine adds: loopback, parsing, and its own event-loop delays.
 */
import { figure, type Figure } from './report.js';
import { engineLatencyAtRate } from './lib/load.js';
import { builtinEngine } from './lib/subjects.js';
import { startTarget } from './lib/target.js';

export const BENCH = 'engine-accuracy';

export interface AccuracyParams {
  delayMs: number;
  rate: number;
  seconds: number;
  warmupSeconds: number;
}

export const FULL: AccuracyParams = { delayMs: 10, rate: 500, seconds: 10, warmupSeconds: 2 };
export const QUICK: AccuracyParams = { delayMs: 10, rate: 500, seconds: 4, warmupSeconds: 1 };

export const TARGET_ERROR_MS = { on: 'value', op: '<=', limit: 0.5, abs: true } as const;

export async function engineAccuracy(p: AccuracyParams = FULL): Promise<Figure[]> {
  const engine = await builtinEngine();
  const target = await startTarget({ delayMs: p.delayMs, record: true });
  try {
    if (p.warmupSeconds > 0) await engineLatencyAtRate(engine, target.url, p.rate, p.warmupSeconds);
    await target.reset();
    const seen = await engineLatencyAtRate(engine, target.url, p.rate, p.seconds);
    const truth = await target.truth();
    const note = seen.dropped > 0 ? `${seen.dropped} dropped iterations` : undefined;
    return (['p50', 'p99'] as const).map((q) =>
      figure({
        bench: BENCH,
        name: `${q} error vs server, ${p.rate}/s`,
        value: seen[q] - truth[q],
        unit: 'ms',
        reference: { name: `server ${q}`, value: truth[q] },
        target: TARGET_ERROR_MS,
        note: `engine ${seen[q].toFixed(3)} ms, server ${truth[q].toFixed(3)} ms${note ? `; ${note}` : ''}`,
      }),
    );
  } finally {
    await target.stop();
  }
}
