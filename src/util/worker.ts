/**
 * A worker thread running one of meshproof's own modules, bundled or not. Bundled (build.mjs),
 * the module is its own file beside dist/cli.js (dist/load-worker.js, dist/pod-worker.js); from
 * src/ under tsx (tests, bench) it is the .ts source, loaded through tsx's tsImport since worker
 * threads do not inherit tsx's loader.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
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

/** Starts the worker; it reads `data` as its `workerData`. */
export function startWorker(module: WorkerModule, data: object): Worker {
  return new Worker(BOOT, { eval: true, workerData: { ...data, ...workerEntry(module) } });
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
