/**
 * End to end: a shortened connection-pool demo (1 s phases) through the CLI, on the local
 * mesh with the built-in engine — once through main() and once through the built bundle
 * (`node dist/cli.js`). Exit code, report files, and that each file parses.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runCli } from '../helpers/cli-capture.js';
import { parseReport } from '../../src/report/read.js';

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCENARIO = join(ROOT, 'tests/fixtures/experiment/e2e-overflow.yaml');

/** The one report folder under `out`, with every file checked to parse as its format. */
async function checkReports(out: string): Promise<ReturnType<typeof parseReport>> {
  const dirs = await readdir(out);
  assert.is(dirs.length, 1, `one report folder in ${out}`);
  assert.match(dirs[0], /^\d{8}T\d{6}Z-e2e-overflow$/);
  const dir = join(out, dirs[0]);
  assert.equal((await readdir(dir)).sort(), ['junit.xml', 'report.html', 'report.json', 'report.md']);
  const report = parseReport(await readFile(join(dir, 'report.json'), 'utf8'), 'report.json');
  assert.is(report.schemaVersion, 1);
  const junit = await readFile(join(dir, 'junit.xml'), 'utf8');
  assert.match(junit, /^<\?xml/);
  assert.is((junit.match(/<testcase /g) ?? []).length, report.gates.length, 'one JUnit test case per gate');
  const html = await readFile(join(dir, 'report.html'), 'utf8');
  assert.match(html, /<svg/);
  assert.not.match(
    html,
    /(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i,
    'self-contained: nothing loaded over the network',
  );
  assert.match(await readFile(join(dir, 'report.md'), 'utf8'), /e2e-overflow/);
  return report;
}

test('main(["run", scenario]) on the local mesh: exit 0, four report files that parse, overflow shed (§2.2)', async () => {
  const out = await mkdtemp(join(tmpdir(), 'meshproof-e2e-'));
  const { code, stderr } = await runCli(['run', SCENARIO, '--engine', 'builtin', '--out', out]);
  try {
    assert.is(code, 0, stderr);
    const report = await checkReports(out);
    assert.is(report.verdict, 'pass');
    assert.equal(report.order, ['baseline', 'policy']);
    assert.ok(report.phases.policy.stats.causes.overflow!.ratio > 0.3, 'the pool sheds a large share');
    assert.is(report.phases.baseline.stats.causes.overflow?.count ?? 0, 0, 'no overflow without the policy');
    assert.match(stderr.trimEnd().split('\n').at(-1)!, /^report: .*e2e-overflow$/, 'the report folder is printed last');
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('node dist/cli.js run (the built bundle) gives the same exit code and files', async () => {
  await exec(process.execPath, ['build.mjs'], { cwd: ROOT });
  const out = await mkdtemp(join(tmpdir(), 'meshproof-e2e-'));
  try {
    const { stderr } = await exec(
      process.execPath,
      ['dist/cli.js', 'run', SCENARIO, '--engine', 'builtin', '--out', out, '--format', 'json,md,html,junit'],
      {
        cwd: ROOT,
        env: { ...process.env, CI: 'true' },
        timeout: 30_000,
      },
    );
    assert.match(stderr.trimEnd().split('\n').at(-1)!, /^report: .*e2e-overflow$/);
    const report = await checkReports(out);
    assert.is(report.verdict, 'pass');
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test.run();
