/**
 * `meshproof demo <name>` through main(): one real demo scenario on the local mesh (about 6 s),
 * its verdict line and the summary, and `--json` on stdout.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli-capture.js';

test('demo outlier-detection prints one verdict line with its report path, a summary, and exits 0 (§3.2)', async () => {
  const out = await mkdtemp(join(tmpdir(), 'meshproof-demo-'));
  const { code, stderr, stdout } = await runCli([
    'demo',
    'outlier-detection',
    '--engine',
    'builtin',
    '--out',
    out,
    '--format',
    'json',
    '--json',
  ]);
  try {
    assert.is(code, 0, stderr);
    const lines = stderr.trimEnd().split('\n');
    assert.match(lines[0], /^✔ outlier-detection\s+PASS\s+\d+\.\ds  .*\d{8}T\d{6}Z-outlier-detection$/);
    assert.match(lines.at(-1)!, /^1\/1 passed in \d+\.\ds$/);
    const json = JSON.parse(stdout) as {
      seconds: number;
      results: { scenario: string; verdict: string; report: string }[];
    };
    assert.equal(
      json.results.map((r) => [r.scenario, r.verdict]),
      [['outlier-detection', 'pass']],
    );
    assert.ok(json.seconds < 20, `one demo scenario took ${json.seconds} s`);
    assert.equal(await readdir(json.results[0].report), ['report.json']);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test.run();
