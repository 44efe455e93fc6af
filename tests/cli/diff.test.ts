import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli-capture.js';
import { render as renderJson } from '../../src/report/json.js';
import { buildFixtureReport, FIXTURE_REPORT } from '../fixtures/report/fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'meshproof-diff-'));
const regressed = join(dir, 'regressed.json');
const rerun = join(dir, 'rerun.json');
writeFileSync(regressed, renderJson(buildFixtureReport({ overflowShare: 0.6, p95Shift: 30 })));
writeFileSync(rerun, renderJson(buildFixtureReport({ seedOffset: 100 })));

test('meshproof diff: a regression exits 1 and the table names it', async () => {
  const r = await runCli(['diff', FIXTURE_REPORT, regressed]);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /│ REGRESSION │ gate policy\s+│ pass\s+│ fail\s+│\s+verdict │\n│\s+│ http_req_duration/);
  assert.match(r.stderr, /│ REGRESSION │ policy overflow/);
  assert.match(r.stderr, /\d+ regressions\n$/);
  assert.is(r.stdout, '', 'stdout stays empty without --json');
  for (const l of r.stderr.split('\n')) assert.ok([...l].length <= 100, `${[...l].length} columns: ${l}`);
});

test('meshproof diff: no regression exits 0 (same report; a rerun with other seeds)', async () => {
  for (const other of [FIXTURE_REPORT, rerun]) {
    const r = await runCli(['diff', FIXTURE_REPORT, other]);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stderr, /no regression\n$/);
  }
  const same = await runCli(['diff', FIXTURE_REPORT, FIXTURE_REPORT]);
  assert.match(same.stderr, /no changes beyond tolerance/);
});

test('meshproof diff --json prints the changes on stdout; tolerances are flags', async () => {
  const r = await runCli(['diff', FIXTURE_REPORT, regressed, '--json', '--tolerance-ratio', '0.5', '--tolerance-ms', '100']);
  assert.is(r.code, 1);
  const d = JSON.parse(r.stdout);
  assert.equal(d.tolerance, { ratio: 0.5, ms: 100 });
  assert.is(d.regression, true);
  assert.equal(d.changes.filter((c: { kind: string }) => c.kind === 'regression').map((c: { what: string }) => c.what), ['gate policy http_req_duration p(95)<60']);
});

test('meshproof diff: a bad file or tolerance is exit 2 with one line naming it', async () => {
  const notReport = join(dir, 'k6-summary.json');
  writeFileSync(notReport, '{"metrics":{}}');
  const cases: [string[], RegExp][] = [
    [['diff', FIXTURE_REPORT, notReport], /k6-summary\.json: not a meshproof report/],
    [['diff', FIXTURE_REPORT, join(dir, 'nope.json')], /nope\.json: cannot read the report \(ENOENT\)/],
    [['diff', FIXTURE_REPORT, rerun, '--tolerance-ratio', '2'], /--tolerance-ratio: expected a share between 0 and 1/],
    [['diff', FIXTURE_REPORT], /Not enough non-option arguments|new/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(args);
    assert.is(r.code, 2, args.join(' '));
    assert.match(r.stderr, message);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
