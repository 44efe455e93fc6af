/**
 * 7. Scaling out on one machine (issue 17 item 4): the same closed loop as one instance and as
 * two (`--instances 2`: k6 execution segments, worker threads for the built-in engine, k6
 * processes for the k6 engine) against the fast loopback target, as a ratio in one run.
 * Goal on 2 cores: ≥ 1.6×. The target server runs in its own process on the same cores, so
 * on a 2-core machine the ratio is bounded by what the target leaves; read it with `nproc`.
 * Each variant runs `rounds` times, interleaved, keeping its best (least disturbed) run.
 * The k6 line needs a k6 (--k6 / MESHPROOF_K6 / PATH); without one it says "skipped — no k6".
 */
import { figure, skipped, type Figure } from './report.js';
import { closedLoop, engineFigures, runEngine, type LoadFigures } from './lib/load.js';
import { builtinEngine } from './lib/subjects.js';
import { startTarget } from './lib/target.js';
import { K6Engine } from '../src/load/k6/engine.js';
import { findK6 } from '../src/load/k6/locate.js';
import type { Engine } from '../src/load/model.js';

export const BENCH = 'instances-scaling';

export interface ScalingParams {
  vus: number;
  seconds: number;
  rounds: number;
}

export const FULL: ScalingParams = { vus: 20, seconds: 5, rounds: 2 };
export const QUICK: ScalingParams = { vus: 20, seconds: 2, rounds: 1 };

/** Issue 17: two instances reach at least 1.6× one instance's throughput on 2 cores. */
export const TARGET_RATIO = { on: 'ratio', op: '>=', limit: 1.6 } as const;

export async function instancesScaling(p: ScalingParams = FULL): Promise<Figure[]> {
  const engines: [string, Engine | null][] = [
    ['builtin', await builtinEngine()],
    ['k6', findK6() ? new K6Engine() : null],
  ];
  const target = await startTarget();
  const figures: Figure[] = [];
  try {
    for (const [name, engine] of engines) {
      const label = `${name} req/s, 2 instances vs 1 (${p.vus} VUs)`;
      if (!engine) {
        figures.push(skipped(BENCH, label, 'req/s', 'no k6', TARGET_RATIO));
        continue;
      }
      const best: Record<1 | 2, LoadFigures | undefined> = { 1: undefined, 2: undefined };
      for (let round = 0; round < p.rounds; round++) {
        for (const n of [1, 2] as const) {
          const f = engineFigures(await runEngine(engine, target.url, closedLoop(p.vus, p.seconds), { instances: n }));
          if (!best[n] || best[n]!.rps < f.rps) best[n] = f;
        }
      }
      const failedNote = best[2]!.failed > 0 ? `${best[2]!.failed} of ${best[2]!.requests} requests failed` : undefined;
      figures.push(
        figure({
          bench: BENCH,
          name: label,
          value: best[2]!.rps,
          unit: 'req/s',
          reference: { name: '1 instance', value: best[1]!.rps },
          target: TARGET_RATIO,
          ...(failedNote ? { note: failedNote } : {}),
        }),
      );
    }
  } finally {
    await target.stop();
  }
  return figures;
}
