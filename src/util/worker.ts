/**
 * A worker thread running one of meshproof's own modules, bundled or not. Bundled (build.mjs),
 * the module is its own file beside dist/cli.js (dist/load-worker.js, dist/pod-worker.js); from
 * src/ under tsx (tests, bench) it is the .ts source, loaded through tsx's tsImport since worker
 * threads do not inherit tsx's loader.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { InfraError } from '../errors.js';

/** Where a worker's module is, seen from the module that starts it. */
export interface WorkerModule {
  /** `import.meta.url` of the module starting the worker */
  caller: string;
  /** the worker's source, beside the caller in src/ (e.g. "instance-worker.ts") */
  source: string;
  /** the worker's bundle, beside dist/cli.js (e.g. "load-worker.js") */
  bundle: string;
}

const BOOT = `const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) await (await import(workerData.tsx)).tsImport(workerData.entry, workerData.entry);
  else await import(workerData.entry);
})().catch((err) => { throw err; });`;

export interface WorkerOptions {
  /**
   * The young generation's semi-space the thread starts with, MB (V8's --min-semi-space-size;
   * capped by the thread's maxYoungGenerationSizeMb / 3, 16 MB by default). V8 starts a thread
   * at 1 MB and grows it only when many objects survive, so a thread that allocates a steady
   * stream of short-lived objects — a load generator's requests — stays at 1 MB and pauses for
   * a scavenge every megabyte it allocates.
   */
  semiSpaceMb?: number;
}

/** Starts the worker; it reads `data` as its `workerData`. */
export function startWorker(module: WorkerModule, data: object, options: WorkerOptions = {}): Worker {
  const sized = options.semiSpaceMb !== undefined;
  const workerData = { ...data, ...workerEntry(module) };
  if (sized) openSemiSpace(options.semiSpaceMb!);
  let worker: Worker;
  try {
    worker = new Worker(BOOT, { eval: true, workerData });
  } catch (err) {
    // no thread, no 'online': set the flag back now, or every later thread would get the size
    if (sized) closeSemiSpace();
    throw err;
  }
  if (sized) {
    let closed = false;
    const close = () => void (closed || ((closed = true), closeSemiSpace()));
    worker.once('online', close).once('error', close).once('exit', close);
  }
  return worker;
}

/*
 * Node gives a worker no initial young-generation size (resourceLimits has only the maximum),
 * and V8 reads --min-semi-space-size when it creates an isolate (Heap::ConfigureHeap,
 * src/heap/heap.cc: initial_semispace_size_), not after. So the flag is set while the worker's
 * isolate is being created — on the worker's own thread, done by its 'online' event — and set
 * back after. A thread started in that window without the option gets the same size.
 */
let sizing = 0;
/** --min-semi-space-size as this process was started with (0: V8's default), restored after. */
const STARTUP_SEMI_SPACE_MB = Number(
  process.execArgv.map((a) => /^--min[-_]semi[-_]space[-_]size=(\d+)$/.exec(a)?.[1]).find(Boolean) ?? 0,
);
let sizedMb = 0;

function openSemiSpace(mb: number): void {
  sizedMb = sizing++ === 0 ? mb : Math.max(sizedMb, mb);
  setFlagsFromString(`--min-semi-space-size=${sizedMb}`);
}

function closeSemiSpace(): void {
  if (--sizing === 0) setFlagsFromString(`--min-semi-space-size=${STARTUP_SEMI_SPACE_MB}`);
}

/** The worker module to load: the bundle's file, or the .ts source under tsx. */
function workerEntry(m: WorkerModule): { entry: string; tsx?: string } {
  const here = fileURLToPath(m.caller);
  if (here.endsWith('.ts'))
    return { entry: pathToFileURL(join(dirname(here), m.source)).href, tsx: import.meta.resolve('tsx/esm/api') };
  const bundled = join(dirname(here), m.bundle);
  if (!existsSync(bundled)) throw new InfraError(`${bundled} not found: run \`npm run build\` (node build.mjs) first`);
  return { entry: pathToFileURL(bundled).href };
}
