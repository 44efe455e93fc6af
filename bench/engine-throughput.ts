/**
 * 1. Engine throughput: the built-in engine vs autocannon (and wrk, hey when installed),
 * closed loop against the same loopback target — a minimal HTTP server in its own process —
 * at 10 and 100 connections. Target: ≥ 0.8× autocannon's req/s at 10 connections.
 * Each tool runs `rounds` times, interleaved, and keeps its best: on a shared machine the
 * best of a few runs is the least disturbed one.
 *
 * And against k6, when one is found (--k6 / MESHPROOF_K6 / PATH): the same
 * closed loop through meshproof's own k6 path (K6Engine, the bundled script), so the ratio is
 * what a user gets from `--engine builtin` vs `--engine k6`. Goal: ≥ 3× at 10 connections.
 * Without k6 the line says "skipped — no k6".
 */
import { figure, skipped, type Figure } from './report.js';
import { autocannonClosedLoop, engineClosedLoop, wrkClosedLoop, type LoadFigures } from './lib/load.js';
import { heyClosedLoop } from './lib/hey.js';
import { hasCommand } from './lib/proc.js';
import { notInstalled, type ReferenceTool } from './lib/references.js';
import { builtinEngine } from './lib/subjects.js';
import { K6Engine } from '../src/load/k6/engine.js';
import { findK6 } from '../src/load/k6/locate.js';
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
/** Issue G item 5: the built-in engine at least 3× k6's throughput at 10 connections. */
export const TARGET_VS_K6 = { on: 'ratio', op: '>=', limit: 3 } as const;

/** meshproof's k6 path as a closed-loop tool (k6 startup included: that is what a phase costs). */
const k6ClosedLoop: Tool = (url, connections, seconds) => engineClosedLoop(new K6Engine(), url, connections, seconds);

type Tool = (url: string, connections: number, seconds: number) => Promise<LoadFigures>;

export async function engineThroughput(p: ThroughputParams = FULL): Promise<Figure[]> {
  const engine = await builtinEngine();
  const references: [string, Tool | null][] = [
    ['autocannon', autocannonClosedLoop],
    ['wrk', hasCommand('wrk') ? wrkClosedLoop : null],
    ['hey', hasCommand('hey') ? heyClosedLoop : null],
    ['k6', findK6() ? k6ClosedLoop : null],
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
        const t =
          c !== TARGET_CONNECTIONS
            ? undefined
            : name === 'autocannon'
              ? TARGET_VS_AUTOCANNON
              : name === 'k6'
                ? TARGET_VS_K6
                : undefined;
        if (!tool)
          figures.push(
            skipped(BENCH, label, 'req/s', name === 'k6' ? 'no k6' : notInstalled(name as ReferenceTool), t),
          );
        else
          figures.push(
            figure({
              bench: BENCH,
              name: label,
              value: own.rps,
              unit: 'req/s',
              reference: { name, value: best.get(name)!.rps },
              ...(t ? { target: t } : {}),
              ...(note ? { note } : {}),
            }),
          );
      }
    }
  } finally {
    await target.stop();
  }
  return figures;
}
