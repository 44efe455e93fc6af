// Bundles the CLI (Node) and the k6 scripts (k6's JS runtime) with esbuild.
// `npm ci` runs this through `prepare`, so a fresh clone has a working `dist/`.
import { build } from 'esbuild';
import { readdirSync, chmodSync, existsSync } from 'node:fs';

/** The CLI: one ESM file for Node 20, dependencies left in node_modules. */
const cli = {
  entryPoints: ['src/cli/bin.ts'],
  outfile: 'dist/cli.js',
  bundle: true,
  platform: 'node', // Node built-ins resolve as externals
  format: 'esm', // the package is "type": "module"
  target: 'node20', // engines.node >= 20
  packages: 'external', // keep npm dependencies as imports: smaller bundle, real versions at run time
  banner: { js: '#!/usr/bin/env node' }, // dist/cli.js is the `meshproof` bin
  sourcemap: true, // stack traces point at src/ when something does go wrong
  logLevel: 'warning',
};

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

/** The built-in engine's instance worker (--instances): a worker thread loads it beside dist/cli.js. */
const loadWorker = {
  ...cli,
  entryPoints: ['src/load/builtin/instance-worker.ts'],
  outfile: 'dist/load-worker.js',
  banner: undefined,
};

/** The local mesh's pods on their own thread (src/mesh/pod-host.ts): a worker loads it beside dist/cli.js. */
const podWorker = { ...loadWorker, entryPoints: ['src/mesh/pod-worker.ts'], outfile: 'dist/pod-worker.js' };

await build(cli);
await build(loadWorker);
await build(podWorker);
chmodSync('dist/cli.js', 0o755);
if (k6Entries.length > 0) await build(k6);
