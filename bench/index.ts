/**
 * `npm run bench [-- --quick] [--only name[,name]] [--json]`: every benchmark in bench/
 * (`--only` takes a name or an unambiguous start of one: `--only instances`),
 * one line per figure (value, reference, ratio, target, ok/short), then
 * bench/results.json. Not run in CI (too noisy on shared machines); tests/bench keeps the
 * code from rotting. All traffic goes to 127.0.0.1.
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
import { failed, formatLine, machine, toJson, writeResults, type Figure, type Results } from './report.js';

type Mode = 'full' | 'quick';

interface Bench {
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
  { name: mesh.BENCH, run: (m) => mesh.meshOverhead(m === 'quick' ? mesh.QUICK : mesh.FULL) },
  { name: memory.BENCH, run: (m) => memory.memoryAnalysis(m === 'quick' ? memory.QUICK : memory.FULL) },
  { name: demo.BENCH, run: (m) => demo.demoWall(m === 'quick' ? demo.QUICK : demo.FULL) },
  { name: scale.BENCH, run: (m) => scale.policyScale(m === 'quick' ? scale.QUICK : scale.FULL) },
  { name: instances.BENCH, run: (m) => instances.instancesScaling(m === 'quick' ? instances.QUICK : instances.FULL) },
];

export const RESULTS_PATH = fileURLToPath(new URL('./results.json', import.meta.url));

/** The benchmark names `--only` means: each given name exactly, or the one benchmark it starts. */
export function selectBenches(only: string[]): string[] {
  const names = BENCHES.map((b) => b.name);
  return only.map((given) => {
    if (names.includes(given)) return given;
    const starts = names.filter((n) => n.startsWith(given));
    if (starts.length === 1) return starts[0];
    throw new Error(
      starts.length > 1
        ? `--only ${given}: ambiguous, matches ${starts.join(', ')}`
        : `--only: unknown benchmark ${given}; expected one of ${names.join(', ')}`,
    );
  });
}

export async function runBenches(mode: Mode, given: string[], print: (line: string) => void): Promise<Results> {
  const only = selectBenches(given);
  const m = machine();
  const startedAt = new Date().toISOString();
  print(`meshproof bench (${mode}) on ${m.nproc} × ${m.cpu}, Node ${m.node}, ${m.platform}`);
  const figures: Figure[] = [];
  for (const b of BENCHES) {
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
