/**
 * design.md "Exit codes" through `meshproof run` on the local mesh (1 s phases): a failed gate
 * exits 1, an undecidable one exits 4 — and `--json` carries the same verdict on stdout.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli-capture.js';
import { ExitCode } from '../../src/errors.js';

const POLICY = fileURLToPath(new URL('../../policies/connection-pool.yaml', import.meta.url));

async function runWith(expect: string): Promise<{
  code: number;
  report: { verdict: string; gates: { verdict: string; interval: (number | null)[] }[] };
  stderr: string;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'meshproof-verdict-'));
  try {
    const file = join(dir, 'scenario.yaml');
    await writeFile(
      file,
      `name: verdict-exit\nload: { executor: constant-vus, vus: 10, duration: 1s }\nwarmup: 0s\npolicy:\n  files: [${JSON.stringify(POLICY)}]\nexpect:\n${expect}`,
    );
    const r = await runCli([
      'run',
      file,
      '--engine',
      'builtin',
      '--out',
      join(dir, 'reports'),
      '--format',
      'json',
      '--quiet',
      '--json',
    ]);
    return { code: r.code, report: JSON.parse(r.stdout), stderr: r.stderr };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a gate whose whole interval violates it exits 1 (§2.2: maxConnections 1 sheds far more than 1 % as overflow)', async () => {
  const { code, report, stderr } = await runWith('  policy:\n    cause_overflow: ["rate<0.01"]\n');
  assert.is(code, ExitCode.gateFailed, stderr);
  assert.is(report.verdict, 'fail');
  assert.is(report.gates[0].verdict, 'fail');
  assert.ok((report.gates[0].interval[0] as number) >= 0.01, `interval ${report.gates[0].interval}`);
});

test('a gate its interval cannot decide exits 4: p(99.9) of a few hundred baseline requests has no upper bound', async () => {
  // 10 closed-loop clients at ~25 ms for 1 s: well under the ~3700 samples a p99.9 upper bound needs
  const { code, report, stderr } = await runWith('  baseline:\n    http_req_duration: ["p(99.9)<60000"]\n');
  assert.is(code, ExitCode.inconclusive, stderr);
  assert.is(report.verdict, 'inconclusive');
  assert.is(report.gates[0].interval[1], null, 'open upper bound (JSON null)');
});

test.run();
