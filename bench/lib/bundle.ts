/**
 * Runs a benchmark child as meshproof ships: bundled by esbuild as build.mjs bundles dist/
 * (no tsx transform on the measured path — tsx keeps function names with a call per closure
 * created, which cost the mesh's gateway 5–10 % of its req/s here). The bundle and the worker
 * bundles it starts (src/util/worker.ts looks for them beside it) go to `.tmp/bench-bundle/`
 * inside the project, so npm dependencies resolve from its node_modules.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { NODE_BUNDLE, WORKER_BUNDLES } from '../../build.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT = join(ROOT, '.tmp', 'bench-bundle');

/** Bundles `entry` (and the workers beside it) and forks it with plain node. */
export async function forkBundled(entry: URL, args: string[] = []): Promise<ChildProcess> {
  mkdirSync(OUT, { recursive: true });
  const outfile = join(OUT, `${basename(fileURLToPath(entry), '.ts')}.mjs`);
  await build({ ...NODE_BUNDLE, entryPoints: [fileURLToPath(entry)], outfile });
  for (const w of WORKER_BUNDLES)
    await build({ ...NODE_BUNDLE, entryPoints: [join(ROOT, w.source)], outfile: join(OUT, w.bundle) });
  return fork(outfile, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}
