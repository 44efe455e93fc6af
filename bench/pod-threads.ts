/**
 * The local mesh's pods on the gateway's event loop (`podThreads: 'none'`, the topology before
 * issue 18), on one worker thread (the default) or on a thread each, side by side in one run:
 *
 *   npx tsx bench/pod-threads.ts [--rounds 3] [--seconds 3]
 *
 * The mesh (3 pods answering at once) runs in this process; wrk (closed loop, 10 and 50
 * connections) and hey (1,000 req/s, its p99) run as their own processes, so no load generator
 * shares a loop with the gateway. Per run: req/s, the CPU time per request of the gateway's
 * thread and of the whole process (Linux /proc/self/task), the p99 at 1,000 req/s. The modes
 * are interleaved, `rounds` times; medians are printed. Needs wrk and hey (not on CI machines):
 * without them it says so and exits 1. All traffic goes to 127.0.0.1.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_APP, startMesh, type AppModel } from '../src/mesh/index.js';
import type { PodThreads } from '../src/mesh/pod-host.js';
import { parseHey } from './lib/hey.js';
import { hasCommand, runCommand } from './lib/proc.js';

const MODES: PodThreads[] = ['none', 'one', 'per-pod'];
const HOST = `Host: ${DEFAULT_APP.gatewayHost}`;
const TOOL_GRACE_MS = 15_000;

interface Run {
  rps: number[];
  gatewayUsPerRq: number[];
  processUsPerRq: number[];
  p99Ms: number;
}

/** CPU ticks (1/100 s) of one thread, or of every thread of this process. */
function ticks(tid?: number): number {
  const one = (t: number) => {
    const fields = readFileSync(`/proc/self/task/${t}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  };
  if (tid !== undefined) return one(tid);
  return readdirSync('/proc/self/task').reduce((sum, t) => sum + one(Number(t)), 0);
}

async function wrk(url: string, connections: number, seconds: number): Promise<{ rps: number; requests: number }> {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '-H', HOST, `${url}/productpage`];
  const r = await runCommand('wrk', args, seconds * 1000 + TOOL_GRACE_MS);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(r.stdout);
  const requests = /(\d+) requests in/.exec(r.stdout);
  if (!rps || !requests) throw new Error(`wrk: unexpected output: ${r.stdout}${r.stderr}`);
  return { rps: Number(rps[1]), requests: Number(requests[1]) };
}

async function heyP99(url: string, seconds: number): Promise<number> {
  // -c 10 workers at -q 100 each: 1,000 req/s
  const args = ['-z', `${seconds}s`, '-c', '10', '-q', '100', '-H', HOST, `${url}/productpage`];
  const r = await runCommand('hey', args, seconds * 1000 + TOOL_GRACE_MS);
  const p99 = parseHey(r.stdout).latencyMs[99];
  if (p99 === undefined) throw new Error(`hey: unexpected output: ${r.stdout}${r.stderr}`);
  return p99;
}

async function measure(podThreads: PodThreads, seconds: number): Promise<Run> {
  const app: AppModel = {
    ...DEFAULT_APP,
    pods: DEFAULT_APP.pods.map((p) => ({ ...p, behaviour: { mode: 'serve', latency: { kind: 'fixed', ms: 0 } } })),
  };
  const mesh = await startMesh({ app, podThreads });
  try {
    await wrk(mesh.gatewayUrl, 10, 1); // warm-up: JIT, upstream connections
    const run: Run = { rps: [], gatewayUsPerRq: [], processUsPerRq: [], p99Ms: NaN };
    for (const connections of [10, 50]) {
      const gateway0 = ticks(process.pid);
      const process0 = ticks();
      const r = await wrk(mesh.gatewayUrl, connections, seconds);
      run.rps.push(r.rps);
      run.gatewayUsPerRq.push(((ticks(process.pid) - gateway0) * 1e4) / r.requests);
      run.processUsPerRq.push(((ticks() - process0) * 1e4) / r.requests);
    }
    run.p99Ms = await heyP99(mesh.gatewayUrl, seconds);
    return run;
  } finally {
    await mesh.stop();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pair = (runs: Run[], pick: (r: Run) => number[], digits = 0) =>
  [0, 1].map((i) => median(runs.map((r) => pick(r)[i])).toFixed(digits)).join(' / ');

export async function podThreads(rounds: number, seconds: number, print: (line: string) => void): Promise<void> {
  const runs: Record<string, Run[]> = {};
  for (let round = 0; round < rounds; round++)
    for (const mode of MODES) (runs[mode] ??= []).push(await measure(mode, seconds));
  print(`pods    req/s 10/50 conns   gateway µs/rq   process µs/rq   p99 @1000/s (medians of ${rounds})`);
  for (const mode of MODES) {
    const rs = runs[mode];
    print(
      `${mode.padEnd(8)}${pair(rs, (r) => r.rps).padEnd(20)}${pair(rs, (r) => r.gatewayUsPerRq).padEnd(16)}${pair(rs, (r) => r.processUsPerRq).padEnd(16)}${median(rs.map((r) => r.p99Ms)).toFixed(2)} ms`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { rounds: { type: 'string' }, seconds: { type: 'string' } } });
  const missing = ['wrk', 'hey'].filter((c) => !hasCommand(c));
  if (missing.length > 0 || !existsSync('/proc/self/task')) {
    console.error(
      `bench/pod-threads: ${missing.length > 0 ? `${missing.join(' and ')} not installed (apt-get install -y wrk hey)` : 'needs Linux /proc'}; nothing measured`,
    );
    process.exit(1);
  }
  await podThreads(Number(values.rounds ?? 3), Number(values.seconds ?? 3), console.log);
}
