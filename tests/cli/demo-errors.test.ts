/**
 * Issue G item 3: one scenario that cannot run does not stop `meshproof demo`; its line says
 * why, the summary counts it as an error, and the exit code is the worst one seen.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli-capture.js';
import { causeMedianLine, demoSummary, worstExitCode } from '../../src/cli/commands/demo.js';
import { buildFixtureReport } from '../fixtures/report/fixture.js';
import { ExitCode } from '../../src/errors.js';

test('the summary counts passes out of all scenarios and names the errors: "4/5 passed, 1 error"', () => {
  const pass = { verdict: 'pass' as const };
  assert.is(demoSummary([pass, pass, { verdict: 'error' }, pass, pass]), '4/5 passed, 1 error');
  assert.is(
    demoSummary([pass, { verdict: 'fail' }, { verdict: 'error' }, { verdict: 'error' }]),
    '1/4 passed, 2 errors',
  );
  assert.is(demoSummary([pass, { verdict: 'inconclusive' }]), '1/2 passed');
});

/**
 * Issue 12 item 4: the demo shows the workshop's story, not only the shed share — the 200s get
 * slower (they queue) and the 503s come back faster than the 200s — as each cause's median,
 * baseline → policy (the report's "p50 <cause>" rows); nothing when a phase has one cause.
 */
test("the demo names each cause's median, baseline → policy, under the gates", () => {
  assert.is(causeMedianLine(buildFixtureReport()), '    medians      ok 24.9 ms → 24.7 ms · overflow 0.9 ms\n');
  assert.is(causeMedianLine(buildFixtureReport({ overflowShare: 0 })), '');
});

test('the exit code is the worst: infrastructure > config > gate failed > inconclusive > pass', () => {
  assert.is(worstExitCode([ExitCode.ok, ExitCode.infra, ExitCode.ok, ExitCode.ok, ExitCode.ok]), ExitCode.infra);
  assert.is(worstExitCode([ExitCode.ok, ExitCode.inconclusive, ExitCode.gateFailed]), ExitCode.gateFailed);
  assert.is(worstExitCode([ExitCode.usage, ExitCode.gateFailed]), ExitCode.usage);
  assert.is(worstExitCode([ExitCode.ok, ExitCode.inconclusive]), ExitCode.inconclusive);
  assert.is(worstExitCode([ExitCode.ok, ExitCode.ok]), ExitCode.ok);
});

test('demo with a k6 that does not exist runs every scenario, reports each error on its line, exits 3', async () => {
  const out = await mkdtemp(join(tmpdir(), 'meshproof-demo-err-'));
  try {
    const { code, stderr, stdout } = await runCli([
      'demo',
      'outlier-detection',
      'retries',
      '--engine',
      'k6',
      '--k6',
      '/nonexistent/k6',
      '--out',
      out,
      '--quiet',
      '--json',
    ]);
    assert.is(code, 3, stderr);
    const lines = stderr.trimEnd().split('\n');
    assert.match(
      lines[0],
      /^! outlier-detection\s+ERROR\s+\d+\.\ds  k6 at \/nonexistent\/k6 is missing or not executable/,
    );
    assert.ok(
      lines.some((l) => /^! retries\s+ERROR\s+\d+\.\ds  k6 at \/nonexistent\/k6/.test(l)),
      stderr,
    );
    assert.match(lines.at(-1)!, /^0\/2 passed, 2 errors in \d+\.\ds$/);
    const json = JSON.parse(stdout) as { results: { scenario: string; verdict: string; exitCode: number }[] };
    assert.equal(
      json.results.map((r) => [r.scenario, r.verdict, r.exitCode]),
      [
        ['outlier-detection', 'error', 3],
        ['retries', 'error', 3],
      ],
    );
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('demo with no names runs the seven default scenarios (here each stops at the missing k6: exit 3, one line each)', async () => {
  const out = await mkdtemp(join(tmpdir(), 'meshproof-demo-default-'));
  try {
    const { code, stderr, stdout } = await runCli([
      'demo',
      '--engine',
      'k6',
      '--k6',
      '/nonexistent/k6',
      '--out',
      out,
      '--quiet',
      '--json',
    ]);
    // before: exit 2 'unknown demo scenario ' (an empty name: yargs' [undefined] for no names)
    assert.is(code, 3, stderr);
    const json = JSON.parse(stdout) as { results: { scenario: string }[] };
    assert.equal(
      json.results.map((r) => r.scenario),
      [
        'connection-pool-overflow',
        'outlier-detection',
        'route-timeout',
        'fault-injection',
        'retries',
        'traffic-shift',
        'bad-canary',
      ],
    );
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test.run();
