/**
 * `npm pack` of this checkout, once per test process: the tarball a user installs. The
 * installed-package test and the CI-recipe test both install it, each into its own empty
 * folder; packing (which runs `prepare`, i.e. the build) is the part worth sharing.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** npm flags that keep an install fast and quiet: the cache first, no audit, no funding banner. */
export const NPM_QUIET = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

let packed: Promise<{ tarball: string; files: string[] }> | undefined;
const dirs: string[] = [];

/** Packs once; resolves to the tarball path and the file list npm put in it. */
export function packTarball(): Promise<{ tarball: string; files: string[] }> {
  packed ??= (async () => {
    const dest = tempDir('meshproof-pack-');
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dest, ...NPM_QUIET], {
      cwd: PROJECT_ROOT,
      timeout: 120_000,
      maxBuffer: 16 << 20,
    });
    const [info] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    return { tarball: join(dest, info.filename), files: info.files.map((f) => f.path) };
  })();
  return packed;
}

/** A temporary folder removed when the test process exits. */
export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}
process.on('exit', () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
