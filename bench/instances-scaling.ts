/**
 * 7. Scaling out on one machine (issue 17 item 3): the same closed loop as one instance and as
 * two (`--instances 2`: k6 execution segments, worker threads for the built-in engine, k6
 * processes for the k6 engine), as a ratio in one run. Goal on 2 cores: ≥ 1.6×.
 *
 * The target shares the cores, so it must be as cheap as a server can be: nginx `return 200`
 * in one process (lib/nginx.ts) when nginx is installed, else the Node target server, which
 * needs about a core of its own at these rates and so leaves the engine nothing to scale
 * into (the line says which target it used). Beside the ratio the line prints where the CPU
 * went in each variant — the engine's (all its threads, and its main thread alone), the
 * target's, the machine's busy time — and the engine's CPU per request, so a ratio under the
 * goal reads as either "the cores were full" (the physical bound: cores − target − kernel) or
 * "the engine wasted CPU", and the bound those per-request costs put on 2 instances
 * (lib/cpu.ts boundRps: cores ÷ (engine + target CPU per request)). The CPU is read over the steady part of the phase (from the first
 * progress report with requests to the last before the end), so worker start-up is left out.
 * Each variant runs `rounds` times, interleaved, keeping its best (least disturbed) run.
 * The k6 line needs a k6 (--k6 / MESHPROOF_K6 / PATH); without one it says "skipped — no k6".
 */
import { figure, skipped, type Figure } from './report.js';
import { boundRps, cpuSplit, formatSplit, sampleCpu, type CpuSample, type CpuSplit } from './lib/cpu.js';
import { closedLoop, engineFigures, runEngine, type LoadFigures } from './lib/load.js';
import { startStaticNginx } from './lib/nginx.js';
import { hasCommand } from './lib/proc.js';
import { notInstalled } from './lib/references.js';
import { builtinEngine } from './lib/subjects.js';
import { startTarget } from './lib/target.js';
import { K6Engine } from '../src/load/k6/engine.js';
import { findK6 } from '../src/load/k6/locate.js';
import type { Engine, Progress } from '../src/load/model.js';

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

interface ScalingTarget {
  url: string;
  pid: number;
  /** what the line says about the target */
  name: string;
  stop(): Promise<void>;
}

/** nginx `return 200` when installed; else the Node target, saying why. */
export async function scalingTarget(useNginx = hasCommand('nginx')): Promise<ScalingTarget> {
  if (useNginx) return { ...(await startStaticNginx()), name: 'target nginx return 200 (1 process)' };
  const node = await startTarget();
  return { ...node, name: `target Node server — ${notInstalled('nginx')}; it takes a core of its own` };
}

/** The shortest steady window the CPU is read over: /proc counts 10 ms ticks, so ±1 % of a core. */
const MIN_WINDOW_MS = 1000;

/** One instance runs this long before the measured rounds. */
const WARM_UP_SECONDS = 0.5;

interface Measured {
  figures: LoadFigures;
  /** undefined when the engine's CPU is not in this process (k6) */
  cpu?: CpuSplit;
  /** the CPU is the whole run's, worker start-up included */
  whole?: boolean;
}

/** One run, with the CPU split over its steady window (progress reports) or, lacking them, the whole run. */
async function measure(engine: Engine, target: ScalingTarget, p: ScalingParams, instances: number): Promise<Measured> {
  let first: { sample: CpuSample; requests: number } | undefined;
  let last: { sample: CpuSample; requests: number } | undefined;
  const onProgress = (pr: Progress) => {
    if (pr.elapsedMs >= pr.totalMs) return; // the final report comes after the drain
    const at = { sample: sampleCpu(target.pid), requests: pr.requests };
    if (!first) {
      if (pr.requests > 0) first = at;
    } else last = at;
  };
  const before = sampleCpu(target.pid);
  const result = await runEngine(engine, target.url, closedLoop(p.vus, p.seconds), { instances, onProgress });
  const after = sampleCpu(target.pid);
  const figures = engineFigures(result);
  if (engine.name !== 'builtin') return { figures };
  // a steady window too short for /proc's 10 ms ticks: the whole run, start-up included (and said)
  if (!first || !last || last.sample.atMs - first.sample.atMs < MIN_WINDOW_MS)
    return { figures, cpu: cpuSplit(before, after, result.requests), whole: true };
  return { figures, cpu: cpuSplit(first.sample, last.sample, last.requests - first.requests) };
}

/** The physical bound at 2 instances' per-request CPU, as req/s and as a ratio to 1 instance. */
function boundNote(one: Measured, two: Measured): string[] {
  const bound = two.cpu && !two.whole ? boundRps(two.cpu) : undefined;
  if (bound === undefined) return [];
  const ratio = bound / one.figures.rps;
  return [`bound at 2 instances' CPU per request: ${Math.round(bound)} req/s = ${ratio.toFixed(2)}× 1 instance`];
}

export async function instancesScaling(p: ScalingParams = FULL, useNginx?: boolean): Promise<Figure[]> {
  const engines: [string, Engine | null][] = [
    ['builtin', await builtinEngine()],
    ['k6', findK6() ? new K6Engine() : null],
  ];
  const target = await scalingTarget(useNginx);
  const figures: Figure[] = [];
  try {
    for (const [name, engine] of engines) {
      const label = `${name} req/s, 2 instances vs 1 (${p.vus} VUs)`;
      if (!engine) {
        figures.push(skipped(BENCH, label, 'req/s', 'no k6', TARGET_RATIO));
        continue;
      }
      const best: Record<1 | 2, Measured | undefined> = { 1: undefined, 2: undefined };
      // warm-up, discarded: the first run in this process would pay for JIT compiling (worker threads pay it every run)
      await measure(engine, target, { ...p, seconds: WARM_UP_SECONDS }, 1);
      for (let round = 0; round < p.rounds; round++) {
        for (const n of [1, 2] as const) {
          const m = await measure(engine, target, p, n);
          if (!best[n] || best[n]!.figures.rps < m.figures.rps) best[n] = m;
        }
      }
      const two = best[2]!.figures;
      const notes = [
        target.name,
        ...([1, 2] as const).map((n) =>
          best[n]!.cpu
            ? `${n} instance${n > 1 ? 's' : ''}${best[n]!.whole ? ' (whole run, start-up included)' : ''}: ${formatSplit(best[n]!.cpu!)}`
            : `${n} instance${n > 1 ? 's' : ''}: CPU not measured (not in this process)`,
        ),
        ...boundNote(best[1]!, best[2]!),
        ...(two.failed > 0 ? [`${two.failed} of ${two.requests} requests failed`] : []),
      ];
      figures.push(
        figure({
          bench: BENCH,
          name: label,
          value: two.rps,
          unit: 'req/s',
          reference: { name: '1 instance', value: best[1]!.figures.rps },
          target: TARGET_RATIO,
          note: notes.join('; '),
        }),
      );
    }
  } finally {
    await target.stop();
  }
  return figures;
}
