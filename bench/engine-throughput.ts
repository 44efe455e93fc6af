/**
 * 1. Engine throughput: the built-in engine vs autocannon (and wrk, hey when installed),
 * closed loop against the same loopback target — a minimal HTTP server in its own process —
 * at 10 and 100 connections. Target: ≥ 0.8× autocannon's req/s at 10 connections.
 * Each tool runs `rounds` times, interleaved, and keeps its best: on a shared machine the
 * best of a few runs is the least disturbed one.
 */
import { figure, skipped, type Figure } from './report.js';
import { autocannonClosedLoop, engineClosedLoop, heyClosedLoop, wrkClosedLoop, type LoadFigures } from './lib/load.js';
import { hasCommand } from './lib/proc.js';
import { builtinEngine } from './lib/subjects.js';
import { startTarget } from './lib/target.js';

export const BENCH = 'engine-throughput';

export interface ThroughputParams {
  connections: number[];
  seconds: number;
  rounds: number;
  /** autocannon against the target before anything is measured (JIT, sockets); 0 = none */
  warmupSeconds: number;
}

export const FULL: ThroughputParams = { connections: [10, 100], seconds: 5, rounds: 2, warmupSeconds: 1 };
export const QUICK: ThroughputParams = { connections: [10, 100], seconds: 2, rounds: 1, warmupSeconds: 1 };

/** The target: the engine must not be the bottleneck of what it measures. */
export const TARGET_VS_AUTOCANNON = { on: 'ratio', op: '>=', limit: 0.8 } as const;
const TARGET_CONNECTIONS = 10;

type Tool = (url: string, connections: number, seconds: number) => Promise<LoadFigures>;

export async function engineThroughput(p: ThroughputParams = FULL): Promise<Figure[]> {
  const engine = await builtinEngine();
  const references: [string, Tool | null][] = [
    ['autocannon', autocannonClosedLoop],
    ['wrk', hasCommand('wrk') ? wrkClosedLoop : null],
    ['hey', hasCommand('hey') ? heyClosedLoop : null],
  ];
  const target = await startTarget();
  const figures: Figure[] = [];
  try {
    if (p.warmupSeconds > 0) await autocannonClosedLoop(target.url, 10, p.warmupSeconds);
    for (const c of p.connections) {
      const best = new Map<string, LoadFigures>();
      const keep = (name: string, f: LoadFigures): void => {
        if (!best.has(name) || best.get(name)!.rps < f.rps) best.set(name, f);
      };
      for (let round = 0; round < p.rounds; round++) {
        keep('builtin', await engineClosedLoop(engine, target.url, c, p.seconds));
        for (const [name, tool] of references) if (tool) keep(name, await tool(target.url, c, p.seconds));
      }
      const own = best.get('builtin')!;
      const note = own.failed > 0 ? `${own.failed} of ${own.requests} requests failed` : undefined;
      for (const [name, tool] of references) {
        const label = `builtin req/s, ${c} conns`;
        const t = name === 'autocannon' && c === TARGET_CONNECTIONS ? TARGET_VS_AUTOCANNON : undefined;
        if (!tool) figures.push(skipped(BENCH, label, 'req/s', `${name} not installed`));
        else figures.push(figure({ bench: BENCH, name: label, value: own.rps, unit: 'req/s', reference: { name, value: best.get(name)!.rps }, ...(t ? { target: t } : {}), ...(note ? { note } : {}) }));
      }
    }
  } finally {
    await target.stop();
  }
  return figures;
}
