// Bundles the CLI (Node) and the k6 scripts (k6's JS runtime) with esbuild.
// `npm ci` runs this through `prepare`, so a fresh clone has a working `dist/`.
// Imported (bench/lib/bundle.ts bundles its children as dist/ is bundled), it only exports
// its settings: it builds when node runs it.
import { build } from 'esbuild';
import { readdirSync, chmodSync, existsSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Every Node bundle: one ESM file for Node 20, dependencies left in node_modules. */
export const NODE_BUNDLE = {
  bundle: true,
  platform: 'node', // Node built-ins resolve as externals
  format: 'esm', // the package is "type": "module"
  target: 'node20', // engines.node >= 20
  packages: 'external', // keep npm dependencies as imports: smaller bundle, real versions at run time
  logLevel: 'warning',
};

/** The CLI. */
const cli = {
  ...NODE_BUNDLE,
  entryPoints: ['src/cli/bin.ts'],
  outfile: 'dist/cli.js',
  banner: { js: '#!/usr/bin/env node' }, // dist/cli.js is the `meshproof` bin
  sourcemap: true, // stack traces point at src/ when something does go wrong
};

/**
 * The worker threads' modules, each its own file beside dist/cli.js (src/util/worker.ts loads
 * them from there): the built-in engine's instance worker (--instances) and the local mesh's
 * pods (src/mesh/pod-host.ts).
 */
export const WORKER_BUNDLES = [
  { source: 'src/load/builtin/instance-worker.ts', bundle: 'load-worker.js' },
  { source: 'src/mesh/pod-worker.ts', bundle: 'pod-worker.js' },
];

/** The k6 scripts: what a user with k6 runs (`k6 run dist/k6/resilience.js`). */
const k6Entries = existsSync('scripts')
  ? readdirSync('scripts')
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
      .map((f) => `scripts/${f}`)
  : [];
const k6 = {
  entryPoints: k6Entries,
  outdir: 'dist/k6',
  bundle: true, // scripts/lib, src/load/k6/metrics and src/load/classify.ts are inlined: k6 gets one file
  format: 'esm', // k6 loads ES modules
  target: 'es2017', // k6 0.4x passes modules through a Babel that rejects newer syntax (?., ??, spread)
  platform: 'browser', // no Node built-ins exist in k6
  external: ['k6', 'k6/*', 'https://*'], // provided by k6 at run time (built-in modules, remote jslib)
  logLevel: 'warning',
};

// (real paths: a checkout reached through a symlink names itself differently in argv)
if (process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))) {
  await build(cli);
  for (const w of WORKER_BUNDLES)
    await build({ ...NODE_BUNDLE, sourcemap: true, entryPoints: [w.source], outfile: `dist/${w.bundle}` });
  chmodSync('dist/cli.js', 0o755);
  if (k6Entries.length > 0) await build(k6);
}
