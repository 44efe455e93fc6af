import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli-capture.js';
import { render as renderJson } from '../../src/report/json.js';
import { buildFixtureReport, FIXTURE_REPORT, loadFixtureReport } from '../fixtures/report/fixture.js';
import { scaleLatencies } from '../fixtures/report/scale.js';

const dir = mkdtempSync(join(tmpdir(), 'meshproof-diff-'));
const file = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
const regressed = file('regressed.json', renderJson(buildFixtureReport({ overflowShare: 0.6, p95Shift: 30 })));
const rerun = file('rerun.json', renderJson(buildFixtureReport({ seedOffset: 100 })));
const halved = file('halved.json', renderJson(buildFixtureReport({ overflowShare: 0.225 })));
// the fixture's own run on a machine 1.3× slower: its absolute gates (p(95)<60, max<40) still hold
const busy = file('busy.json', renderJson(scaleLatencies(loadFixtureReport(), 1.3)));

test('meshproof diff: a policy that sheds half as much exits 1; the table names the effect and a line says why in words', async () => {
  const r = await runCli(['diff', FIXTURE_REPORT, halved]);
  assert.is(r.code, 1, r.stderr);
  assert.match(
    r.stderr,
    /^effects: policy vs its own baseline, per run · tolerance 2\.0 pp for shares, 0\.1 for latency ratios, at least 25 % of the effect$/m,
  );
  assert.match(r.stderr, /│ REGRESSION │ overflow share\s+│ \+41\.8 pp\s+│ \+20\.8 pp\s+│\s+-21\.0 pp │/);
  assert.match(
    r.stderr,
    /^regression: overflow share: the policy adds less overflow \(\+41\.8 pp \[40\.1–43\.4\] → \+20\.8 pp \[19\.5–22\.1\]\): weaker by more than 10\.4 pp/m,
  );
  assert.match(r.stderr, /\d+ regressions\n$/);
  assert.is(r.stdout, '', 'stdout stays empty without --json');
  for (const l of r.stderr.split('\n').filter((x) => x.startsWith('│')))
    assert.ok([...l].length <= 100, `${[...l].length} columns: ${l}`);
});

test('meshproof diff: the same run on a 1.3× slower machine exits 0 by default, and 1 with --absolute', async () => {
  const effects = await runCli(['diff', FIXTURE_REPORT, busy]);
  assert.is(effects.code, 0, effects.stderr);
  assert.match(effects.stderr, /no regression\n$/);
  const absolute = await runCli(['diff', FIXTURE_REPORT, busy, '--absolute']);
  assert.is(absolute.code, 1, absolute.stderr);
  assert.match(
    absolute.stderr,
    /^absolute: phase by phase across runs · tolerance 2\.0 pp for shares, 5\.0 ms for percentiles$/m,
  );
  assert.match(absolute.stderr, /│ REGRESSION │ baseline p95/);
});

test('meshproof diff: no regression exits 0 (same report; a rerun with other seeds)', async () => {
  for (const other of [FIXTURE_REPORT, rerun]) {
    const r = await runCli(['diff', FIXTURE_REPORT, other]);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stderr, /no regression\n$/);
  }
  const same = await runCli(['diff', FIXTURE_REPORT, FIXTURE_REPORT]);
  assert.match(same.stderr, /no changes beyond tolerance \(14 comparisons\)/);
});

test('meshproof diff --json prints every comparison on stdout; tolerances are flags', async () => {
  const r = await runCli([
    'diff',
    FIXTURE_REPORT,
    regressed,
    '--json',
    '--absolute',
    '--tolerance-ratio',
    '0.5',
    '--tolerance-ms',
    '100',
  ]);
  assert.is(r.code, 1);
  const d = JSON.parse(r.stdout);
  // versioned and documented (README "Use in CI"): the fields a pipeline script reads
  assert.equal(Object.keys(d), [
    'schemaVersion',
    'mode',
    'old',
    'new',
    'tolerance',
    'regression',
    'comparisons',
    'warnings',
  ]);
  assert.is(d.schemaVersion, 1);
  assert.equal(Object.keys(d.comparisons[0]), ['kind', 'what', 'old', 'new', 'change', 'why']);
  assert.equal(d.tolerance, { ratio: 0.5, ms: 100, latencyRatio: 0.1, effect: 0.25 });
  assert.is(d.mode, 'absolute');
  assert.is(d.regression, true);
  assert.equal(
    d.comparisons.filter((c: { kind: string }) => c.kind === 'regression').map((c: { what: string }) => c.what),
    ['gate policy http_req_duration p(95)<60'],
  );
  const loose = await runCli([
    'diff',
    FIXTURE_REPORT,
    halved,
    '--json',
    '--tolerance-ratio',
    '0.3',
    '--tolerance-latency-ratio',
    '0.5',
    '--tolerance-effect',
    '0.1',
  ]);
  const effects = JSON.parse(loose.stdout);
  assert.equal(effects.tolerance, { ratio: 0.3, ms: 5, latencyRatio: 0.5, effect: 0.1 });
  // 21 pp is within 30 pp: only the gate that now fails remains
  assert.equal(
    effects.comparisons.filter((c: { kind: string }) => c.kind === 'regression').map((c: { what: string }) => c.what),
    ['gate policy cause_overflow rate>=0.3'],
  );
});

test('meshproof diff --junit: one test case per comparison, the regressed effect as a <failure> naming it', async () => {
  const xml = join(dir, 'diff.xml');
  const r = await runCli(['diff', FIXTURE_REPORT, halved, '--junit', xml]);
  assert.is(r.code, 1);
  const text = readFileSync(xml, 'utf8');
  const cases = [
    ...text.matchAll(/<testcase classname="meshproof\.diff\.connection-pool-overflow" name="([^"]+)"/g),
  ].map((m) => m[1]);
  // 7 gates + failed and overflow shares + 5 latency ratios
  assert.is(cases.length, 14, cases.join('; '));
  assert.ok(
    cases.includes('overflow share (effects)') &&
      cases.includes('ok p95 latency (effects)') &&
      cases.includes('gate policy cause_overflow rate&gt;0.42 (effects)'),
    cases.join('; '),
  );
  const failures = [
    ...text.matchAll(/<testcase [^>]*name="([^"]+)"[^>]*>\n\s+<failure type="regression" message="([^"]*)"/g),
  ].map((m) => [m[1], m[2]]);
  assert.ok(
    failures.some(
      ([name, message]) => name === 'overflow share (effects)' && message.startsWith('the policy adds less overflow'),
    ),
    JSON.stringify(failures),
  );
  assert.match(text, /<testsuites name="meshproof diff" tests="14" failures="\d+" errors="0" skipped="0"/);
  assert.is(Number(/failures="(\d+)"/.exec(text)![1]), failures.length);
});

test('meshproof diff: a bad file, tolerance or --junit path is exit 2 with one line naming it', async () => {
  const notReport = file('k6-summary.json', '{"metrics":{}}');
  const cases: [string[], RegExp][] = [
    [['diff', FIXTURE_REPORT, notReport], /k6-summary\.json: not a meshproof report/],
    [['diff', FIXTURE_REPORT, join(dir, 'nope.json')], /nope\.json: cannot read the report \(ENOENT\)/],
    [['diff', FIXTURE_REPORT, rerun, '--tolerance-ratio', '2'], /--tolerance-ratio: expected a share between 0 and 1/],
    [
      ['diff', FIXTURE_REPORT, rerun, '--tolerance-latency-ratio', '-1'],
      /--tolerance-latency-ratio: expected a non-negative number/,
    ],
    [
      ['diff', FIXTURE_REPORT, rerun, '--tolerance-effect', '1'],
      /--tolerance-effect: expected a fraction between 0 and 1/,
    ],
    [
      ['diff', FIXTURE_REPORT, rerun, '--junit', join(dir, 'no-such-dir', 'x.xml')],
      /--junit .*x\.xml: cannot write \(ENOENT\)/,
    ],
    [['diff', FIXTURE_REPORT], /Not enough non-option arguments|new/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(args);
    assert.is(r.code, 2, args.join(' '));
    assert.match(r.stderr, message);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

test('meshproof diff <folder> <folder>: a run folder, the path run prints last, is read as its report.json', async () => {
  const run = (name: string, text: string) => {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'report.json'), text);
    return join(dir, name);
  };
  const old = run('20261130T000000Z-main', readFileSync(FIXTURE_REPORT, 'utf8'));
  const pr = run('20261130T000100Z-pr', readFileSync(halved, 'utf8'));
  const folders = await runCli(['diff', old, pr, '--json']);
  const files = await runCli(['diff', join(old, 'report.json'), join(pr, 'report.json'), '--json']);
  assert.is(folders.code, 1, folders.stderr);
  assert.equal(JSON.parse(folders.stdout), JSON.parse(files.stdout));
  // a folder without one names the file it looked for
  mkdirSync(join(dir, 'terminal-only'));
  const empty = await runCli(['diff', old, join(dir, 'terminal-only')]);
  assert.is(empty.code, 2);
  assert.match(empty.stderr, /terminal-only\/report\.json: cannot read the report \(ENOENT\)/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
/** The fixture's own run, as an older meshproof measured it: engine and mesh on one thread. */
function sharedLoop(): string {
  const doc = JSON.parse(readFileSync(FIXTURE_REPORT, 'utf8'));
  doc.topology.engine = 'main-thread';
  return file('shared-loop.json', JSON.stringify(doc));
}

test('meshproof diff across topologies (issue 18): a warning in effects mode (exit 0); --absolute cannot decide (exit 4)', async () => {
  const other = sharedLoop();
  const effects = await runCli(['diff', other, FIXTURE_REPORT]);
  assert.is(effects.code, 0, effects.stderr);
  assert.match(
    effects.stderr,
    /^warning: different topologies: engine main-thread → worker-thread — on a shared event loop/m,
  );
  const absolute = await runCli(['diff', other, FIXTURE_REPORT, '--absolute', '--json']);
  assert.is(absolute.code, 4, absolute.stderr);
  assert.match(
    absolute.stderr,
    /^inconclusive: the runs measured different topologies \(engine main-thread → worker-thread\)/m,
  );
  assert.match(JSON.parse(absolute.stdout).inconclusive, /different topologies/);
  // the same topology: no warning, and --absolute decides as before (the fixture against itself: 0)
  const same = await runCli(['diff', FIXTURE_REPORT, FIXTURE_REPORT, '--absolute']);
  assert.is(same.code, 0, same.stderr);
  assert.not.match(same.stderr, /topolog/);
});

test('meshproof diff: engine threads at different priorities are different topologies (their latencies are not comparable)', async () => {
  const doc = JSON.parse(readFileSync(FIXTURE_REPORT, 'utf8'));
  doc.topology.engineNice = 0;
  const unprivileged = file('nice-0.json', JSON.stringify(doc));
  doc.topology.engineNice = -5;
  const raised = file('nice-5.json', JSON.stringify(doc));
  const r = await runCli(['diff', unprivileged, raised]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /^warning: different topologies: engine nice 0 → -5/m);
  const absolute = await runCli(['diff', unprivileged, raised, '--absolute']);
  assert.is(absolute.code, 4, absolute.stderr);
  // a report that did not record the priority (older, or the thread could not tell) is not assumed alike
  delete doc.topology.engineNice;
  const unknown = file('nice-unknown.json', JSON.stringify(doc));
  const u = await runCli(['diff', unknown, raised]);
  assert.match(u.stderr, /^warning: different topologies: engine nice \(not recorded\) → -5/m);
  assert.is((await runCli(['diff', unknown, raised, '--absolute'])).code, 4);
});

test('a report.json without a topology (before issue 18) is read as what that version did: the built-in engine on the main thread', async () => {
  const doc = JSON.parse(readFileSync(FIXTURE_REPORT, 'utf8'));
  delete doc.topology;
  const old = file('no-topology.json', JSON.stringify(doc));
  const r = await runCli(['diff', old, FIXTURE_REPORT]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: different topologies: engine main-thread → worker-thread/);
  doc.engine = { name: 'k6', version: '0.54.0' };
  const k6 = file('k6-no-topology.json', JSON.stringify(doc));
  const k = await runCli(['diff', k6, FIXTURE_REPORT]);
  assert.match(k.stderr, /warning: different topologies: engine process → worker-thread/);
});

test.run();
