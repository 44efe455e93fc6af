/** `meshproof lint`: warnings exit 0 (2 with --strict), validation errors exit 2, --replicas prints effective limits. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile } from 'node:fs/promises';
import { runCli } from '../helpers/cli-capture.js';

test('lint --replicas 3 prints "effective limit = limit × 3" for the classic connection pool (§0)', async () => {
  const r = await runCli(['lint', '--replicas', '3', 'policies/connection-pool.yaml']);
  assert.is(r.code, 0, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(
    lines.map((l) => l.replace(/^.*: effective limit/, 'effective limit').replace(/ \(see .*$/, '')),
    ['effective limit = 1 × 3 = 3', 'effective limit = 1 × 3 = 3', '1 document checked: 0 errors, 2 warnings'],
  );
  const line =
    (await readFile('policies/connection-pool.yaml', 'utf8'))
      .split('\n')
      .findIndex((l) => l.includes('maxConnections:')) + 1;
  assert.ok(
    lines[0].startsWith(
      `policies/connection-pool.yaml:${line}:9: warning: spec.trafficPolicy.connectionPool.tcp.maxConnections: `,
    ),
    lines[0],
  );
});

test('lint --strict exits 2 on warnings; --json carries rule and section', async () => {
  const r = await runCli(['lint', '--strict', '--json', 'policies/route-timeout.yaml']);
  assert.is(r.code, 2);
  const report = JSON.parse(r.stdout);
  assert.is(report.warnings, 1);
  assert.equal(
    [report.findings[0].rule, report.findings[0].section, report.findings[0].line, report.findings[0].column],
    ['default-retries', '§4.1', 15, 7],
  );
});

test('lint reports validation errors too (exit 2), so a broken policy never looks clean', async () => {
  const r = await runCli(['lint', 'tests/fixtures/policy/ten-mistakes.yaml']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /: 10 errors, \d+ warnings\n$/);
});

test('--replicas must be a whole number ≥ 1', async () => {
  for (const bad of ['0', '1.5', '-2']) {
    const r = await runCli(['lint', '--replicas', bad, 'policies/']);
    assert.is(r.code, 2, bad);
    assert.match(r.stderr, '--replicas: expected a whole number ≥ 1', bad);
  }
});

test.run();
