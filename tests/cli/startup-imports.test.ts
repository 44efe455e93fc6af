/**
 * `@kubernetes/client-node` costs about 0.8 s to import (src/cluster/client-node.ts), so the
 * CLI loads it only when it connects to a Kubernetes API; undici (about 0.15 s) only when the
 * built-in engine runs a phase in the thread (src/load/builtin/http.ts): `--help`, `validate`
 * and `lint` import neither. Checked twice: on the source (the static import closure of src/cli/bin.ts names no
 * value import of it) and on the built bundle (a module resolve hook records every package
 * `node dist/cli.js` imports — esbuild hoists a bundled module's package imports to the top of
 * dist/cli.js, which the source graph alone would not show).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startupPackages } from '../../tools/import-graph.js';
import { ExitCode } from '../../src/errors.js';

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RECORDER = fileURLToPath(new URL('../fixtures/cli/record-packages.mjs', import.meta.url));
const CLIENT_NODE = '@kubernetes/client-node';
/** packages the CLI imports when it needs them, never at start-up */
const LAZY = [CLIENT_NODE, 'undici'];

test('the static import closure of src/cli/bin.ts has no value import of @kubernetes/client-node or undici', () => {
  const packages = startupPackages(join(ROOT, 'src/cli/bin.ts'));
  assert.equal(
    LAZY.filter((p) => packages.includes(p)),
    [],
    packages.join(', '),
  );
  assert.ok(packages.includes('yargs'), 'the closure is walked: yargs (main.ts) is in it');
});

test('the closure check can fail: a value import two files down counts, `import type` and import() do not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshproof-closure-'));
  try {
    writeFileSync(
      join(dir, 'a.ts'),
      "import { b } from './b.js';\nimport type { c } from './c.js';\nexport const a = b;\n",
    );
    writeFileSync(
      join(dir, 'b.ts'),
      "import { KubeConfig } from '@kubernetes/client-node';\nexport const b = KubeConfig;\n",
    );
    writeFileSync(
      join(dir, 'c.ts'),
      "import type { KubeConfig } from '@kubernetes/client-node';\nimport yaml from 'yaml';\nexport type c = KubeConfig;\nexport const later = () => import('undici');\n",
    );
    writeFileSync(join(dir, 'd.ts'), "import { c } from './c.js';\nexport const d = c;\n");
    assert.equal(startupPackages(join(dir, 'a.ts')), [CLIENT_NODE]);
    assert.equal(startupPackages(join(dir, 'd.ts')), ['yaml']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Runs the bundle with the recorder; the packages it imported (each once) and how it ended. */
async function packagesOf(args: string[]): Promise<{ packages: string[]; code: number; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'meshproof-imports-'));
  const file = join(dir, 'packages.txt');
  writeFileSync(file, '');
  try {
    const r = await exec(process.execPath, ['--import', RECORDER, 'dist/cli.js', ...args], {
      cwd: ROOT,
      env: { ...process.env, CI: 'true', MESHPROOF_TEST_PACKAGES: file },
      timeout: 30_000,
    }).then(
      (ok) => ({ code: 0, stderr: ok.stderr }),
      (err: { code?: number; stderr?: string }) => ({ code: err.code ?? -1, stderr: err.stderr ?? '' }),
    );
    const packages = [...new Set(readFileSync(file, 'utf8').split('\n').filter(Boolean))];
    return { packages, ...r };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('node dist/cli.js --help, validate and lint import neither @kubernetes/client-node nor undici; a cluster run imports client-node, with its exit 3 unchanged', async () => {
  await exec(process.execPath, ['build.mjs'], { cwd: ROOT });
  for (const args of [['--help'], ['validate', 'policies/retries.yaml'], ['lint', 'policies/retries.yaml']]) {
    const r = await packagesOf(args);
    assert.is(r.code, ExitCode.ok, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(r.packages.includes('yargs'), `${args.join(' ')}: the recorder saw the bundle's imports`);
    assert.equal(
      LAZY.filter((p) => r.packages.includes(p)),
      [],
      `${args.join(' ')} imported them`,
    );
  }
  // the recorder sees the lazy import: a run against a cluster loads the library to read the kubeconfig
  const cluster = await packagesOf(['run', 'scenarios/retries.yaml', '--kubeconfig', join(ROOT, 'no-such-kubeconfig')]);
  assert.is(cluster.code, ExitCode.infra, cluster.stderr);
  assert.is(
    cluster.stderr,
    `meshproof: no kubeconfig: --kubeconfig ${join(ROOT, 'no-such-kubeconfig')} does not exist\n`,
  );
  assert.ok(cluster.packages.includes(CLIENT_NODE), cluster.packages.join(', '));
});

test.run();
