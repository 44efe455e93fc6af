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

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT = join(ROOT, '.tmp', 'bench-bundle');

/** build.mjs's settings for Node bundles */
const NODE_BUNDLE = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
} as const;

/** The worker bundles a mesh starts: the pods' thread (src/mesh/pod-host.ts). */
const WORKERS = [{ source: 'src/mesh/pod-worker.ts', bundle: 'pod-worker.js' }];

/** Bundles `entry` (and the workers beside it) and forks it with plain node. */
export async function forkBundled(entry: URL, args: string[] = []): Promise<ChildProcess> {
  mkdirSync(OUT, { recursive: true });
  const outfile = join(OUT, `${basename(fileURLToPath(entry), '.ts')}.mjs`);
  await build({ ...NODE_BUNDLE, entryPoints: [fileURLToPath(entry)], outfile });
  for (const w of WORKERS)
    await build({ ...NODE_BUNDLE, entryPoints: [join(ROOT, w.source)], outfile: join(OUT, w.bundle) });
  return fork(outfile, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}
