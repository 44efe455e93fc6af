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
import { DEMO_SCENARIOS } from '../../src/cli/demo-scenarios.js';

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

/** `meshproof demo <names…>` with a k6 that does not exist: every scenario stops at once (exit 3). */
async function demoWithoutK6(names: string[]): Promise<{ code: number; stderr: string; results: DemoResult[] }> {
  const out = await mkdtemp(join(tmpdir(), 'meshproof-demo-err-'));
  try {
    const args = ['demo', ...names, '--engine', 'k6', '--k6', '/nonexistent/k6', '--out', out, '--quiet', '--json'];
    const { code, stderr, stdout } = await runCli(args);
    return { code, stderr, results: code === 3 ? (JSON.parse(stdout) as { results: DemoResult[] }).results : [] };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}
interface DemoResult {
  scenario: string;
  verdict: string;
  exitCode: number;
}

test('demo with a k6 that does not exist runs every scenario, reports each error on its line, exits 3', async () => {
  const { code, stderr, results } = await demoWithoutK6(['outlier-detection', 'retries']);
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
  assert.equal(
    results.map((r) => [r.scenario, r.verdict, r.exitCode]),
    [
      ['outlier-detection', 'error', 3],
      ['retries', 'error', 3],
    ],
  );
});

test('demo with no names runs the seven default scenarios (here each stops at the missing k6: exit 3, one line each)', async () => {
  // before: exit 2 'unknown demo scenario ' (an empty name: yargs' [undefined] for no names)
  const { code, stderr, results } = await demoWithoutK6([]);
  assert.is(code, 3, stderr);
  assert.equal(
    results.map((r) => r.scenario),
    [...DEMO_SCENARIOS],
  );
  assert.is(DEMO_SCENARIOS.length, 7);
});

test.run();
