/**
 * `npm run bench [-- --quick] [--only name[,name]] [--json]`: every benchmark in bench/
 * (`--only` takes a name or an unambiguous start of one: `--only instances`),
 * one line per figure (value, reference, ratio, target, ok/short), then
 * bench/results.json. `--only` takes benchmark names or a group (GROUPS: `issue-18` is the
 * four figures of issue 18 item 4). Not run in CI (too noisy on shared machines); tests/bench
 * keeps the code from rotting. All traffic goes to 127.0.0.1. The first lines say which
 * reference tools are missing and how to install them.
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import * as demo from './demo-wall.js';
import * as accuracy from './engine-accuracy.js';
import * as throughput from './engine-throughput.js';
import * as memory from './memory-analysis.js';
import * as mesh from './mesh-overhead.js';
import * as scale from './policy-scale.js';
import * as instances from './instances-scaling.js';
import { missingReferences, referencesLine, type ReferenceTool } from './lib/references.js';
import { failed, formatLine, machine, toJson, writeResults, type Figure, type Results } from './report.js';

type Mode = 'full' | 'quick';

export interface Bench {
  name: string;
  run(mode: Mode): Promise<Figure[]>;
}

/** In the order of the issue; each picks its FULL or QUICK parameters. */
export const BENCHES: Bench[] = [
  {
    name: throughput.BENCH,
    run: (m) => throughput.engineThroughput(m === 'quick' ? throughput.QUICK : throughput.FULL),
  },
  { name: accuracy.BENCH, run: (m) => accuracy.engineAccuracy(m === 'quick' ? accuracy.QUICK : accuracy.FULL) },
  {
    name: accuracy.BENCH_UNDER_MESH,
    run: (m) => accuracy.engineAccuracyUnderMesh(m === 'quick' ? accuracy.QUICK_UNDER_MESH : accuracy.FULL_UNDER_MESH),
  },
  { name: mesh.BENCH_THROUGHPUT, run: (m) => mesh.meshThroughput(m === 'quick' ? mesh.QUICK : mesh.FULL) },
  { name: mesh.BENCH_LATENCY, run: (m) => mesh.meshLatency(m === 'quick' ? mesh.QUICK : mesh.FULL) },
  { name: memory.BENCH, run: (m) => memory.memoryAnalysis(m === 'quick' ? memory.QUICK : memory.FULL) },
  { name: demo.BENCH, run: (m) => demo.demoWall(m === 'quick' ? demo.QUICK : demo.FULL) },
  { name: scale.BENCH, run: (m) => scale.policyScale(m === 'quick' ? scale.QUICK : scale.FULL) },
  { name: instances.BENCH, run: (m) => instances.instancesScaling(m === 'quick' ? instances.QUICK : instances.FULL) },
];

/** Names `--only` also takes, each for several benchmarks. */
export const GROUPS: Record<string, string[]> = {
  // issue 18 item 4: (a) throughput vs nginx, (b) added p99 vs nginx, (c) accuracy while the mesh runs, (d) demo
  'issue-18': [mesh.BENCH_THROUGHPUT, mesh.BENCH_LATENCY, accuracy.BENCH_UNDER_MESH, demo.BENCH],
  [mesh.BENCH]: [mesh.BENCH_THROUGHPUT, mesh.BENCH_LATENCY],
};

export const RESULTS_PATH = fileURLToPath(new URL('./results.json', import.meta.url));

/** The benchmark names `--only` means: each given name exactly, a group (GROUPS), or the one benchmark it starts. */
export function selectBenches(only: string[], benches: Bench[] = BENCHES): string[] {
  const names = benches.map((b) => b.name);
  return only.flatMap((given) => {
    if (names.includes(given)) return [given];
    if (GROUPS[given]) return GROUPS[given];
    const starts = names.filter((n) => n.startsWith(given));
    if (starts.length === 1) return starts;
    throw new Error(
      starts.length > 1
        ? `--only ${given}: ambiguous, matches ${starts.join(', ')}`
        : `--only: unknown benchmark ${given}; expected one of ${[...names, ...Object.keys(GROUPS)].join(', ')}`,
    );
  });
}

export async function runBenches(
  mode: Mode,
  names: string[],
  print: (line: string) => void,
  /** tests: the references to call missing, the benchmarks to choose from */
  options: { missing?: readonly ReferenceTool[]; benches?: Bench[] } = {},
): Promise<Results> {
  const missing = options.missing ?? missingReferences();
  const benches = options.benches ?? BENCHES;
  const only = selectBenches(names, benches);
  const m = machine();
  const startedAt = new Date().toISOString();
  print(`meshproof bench (${mode}) on ${m.nproc} × ${m.cpu}, Node ${m.node}, ${m.platform}`);
  print(referencesLine(missing));
  const figures: Figure[] = [];
  for (const b of benches) {
    if (only.length > 0 && !only.includes(b.name)) continue;
    let got: Figure[];
    try {
      got = await b.run(mode);
    } catch (e) {
      got = [failed(b.name, e)];
    }
    for (const f of got) print(formatLine(f));
    figures.push(...got);
  }
  return { startedAt, endedAt: new Date().toISOString(), mode, machine: m, figures };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true, default: [] },
      json: { type: 'boolean', default: false },
    },
  });
  const only = (values.only ?? []).flatMap((s) => s.split(',')).filter(Boolean);
  // people read the lines; with --json stdout carries only the JSON document
  const print = values.json
    ? (l: string) => process.stderr.write(l + '\n')
    : (l: string) => process.stdout.write(l + '\n');
  const results = await runBenches(values.quick ? 'quick' : 'full', only, print);
  writeResults(RESULTS_PATH, results);
  if (values.json) process.stdout.write(toJson(results));
  else print(`results: ${RESULTS_PATH}`);
  return results.figures.some((f) => f.status === 'error') ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then(
    (code) => process.exit(code),
    (e: Error) => {
      process.stderr.write(`bench: ${e.message}\n`);
      process.exit(2);
    },
  );
}
