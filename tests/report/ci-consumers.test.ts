/**
 * The reports as CI systems read them. junit.xml and diff.xml are parsed with a strict XML 1.0
 * check (tests/helpers/strict-xml.ts: what Xerces in Jenkins' junit plugin and libxml2 in
 * GitLab reject, it rejects) and read back the way the consumers read them:
 * - GitLab lib/gitlab/ci/parsers/test/junit.rb `create_test_case`: a case's status is the
 *   presence of <failure> / <error> / <skipped>, its details the element's text; cases are
 *   keyed by suite + classname + name (reports/test_case.rb), one kept per key.
 * - Jenkins junit plugin JUnitResultArchiver: a file without test cases aborts the build
 *   ("None of the test reports contained any result"); dorny/test-reporter fails on an
 *   empty report (fail-on-empty, default true).
 * - dorny/test-reporter java-junit-parser.ts and mikepenz/action-junit-report testParser.ts:
 *   `parseFloat(time)` seconds; a <skipped> never fails the check.
 * report.md is read as GitHub renders GFM tables (cmark-gfm: a cell runs to the next `|` not
 * preceded by a backslash; `\|` is a pipe in the cell).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  escapeXml,
  NO_GATES,
  render as renderJunit,
  testCaseName,
  uniqueNames,
  type RunPlace,
} from '../../src/report/junit.js';
import { renderDiffJunit } from '../../src/report/diff-junit.js';
import { runPlace } from '../../src/experiment/session.js';
import { mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capMarkdown, linesThatFit, render as renderMarkdown } from '../../src/report/markdown.js';
import type { ReportDiff } from '../../src/report/diff.js';
import type { GateReport, Report } from '../../src/report/model.js';
import { loadFixtureReport } from '../fixtures/report/fixture.js';
import { elementsNamed, parseStrictXml, type XmlElement } from '../helpers/strict-xml.js';

/** Quotes, markup, `]]>`, every character XML 1.0 forbids, tab/newline/CR, emoji, pipes, backslashes. */
const HOSTILE =
  `q"uo'te <tag> &amp; & ]]> end ` +
  '\u0000\u0001\u0008\u000b\u000c\u001f forbidden \ufffe\uffff lone\ud800 \udc00x ' +
  'tab\tnl\ncr\r 🚀 emoji | pipe \\ back';
/** HOSTILE as a conforming parser returns it: the forbidden characters gone, tab/newline/CR kept. */
const HOSTILE_READ = `q"uo'te <tag> &amp; & ]]> end  forbidden  lone x tab\tnl\ncr\r 🚀 emoji | pipe \\ back`;
const LONG = 'n'.repeat(10_000);

function hostileReport(): Report {
  const r = loadFixtureReport();
  return {
    ...r,
    scenario: { ...r.scenario, name: `${HOSTILE}${LONG}` },
    target: { ...r.target, url: HOSTILE },
    policy: { ...r.policy, files: [HOSTILE] },
    gates: r.gates.map((g, i) => ({ ...g, metric: `${HOSTILE}${i}`, message: `${HOSTILE} says ${i}` })),
  };
}

const cases = (root: XmlElement) => elementsNamed(root, 'testcase');
const has = (c: XmlElement, name: string) => c.children.some((e) => e.name === name);
const child = (c: XmlElement, name: string) => c.children.find((e) => e.name === name)!;

/** The suite's counts are the cases' (Jenkins and GitLab count the cases; dashboards show the attributes). */
function assertCountsMatch(suite: XmlElement) {
  const cs = suite.children.filter((c) => c.name === 'testcase');
  assert.is(Number(suite.attrs.tests), cs.length, 'tests');
  assert.is(Number(suite.attrs.failures), cs.filter((c) => has(c, 'failure')).length, 'failures');
  assert.is(Number(suite.attrs.errors), cs.filter((c) => has(c, 'error')).length, 'errors');
  assert.is(Number(suite.attrs.skipped), cs.filter((c) => has(c, 'skipped')).length, 'skipped');
  for (const el of [suite, ...cs]) assert.match(el.attrs.time, /^\d+\.\d{3}$/, 'seconds with a dot decimal');
}

test('the strict check rejects what a conforming parser rejects (else the tests below could not fail)', () => {
  const bad = [
    '<a>\u0001</a>',
    '<a>&#1;</a>',
    '<a>&#xFFFE;</a>',
    '<a>\ud800</a>',
    '<a>]]></a>',
    '<a b="<"/>',
    '<a b="1" b="2"/>',
    '<a>&nbsp;</a>',
    '<a>&</a>',
    '<a><b></a></b>',
    '<a/><b/>',
    '<a>',
  ];
  for (const doc of bad) assert.throws(() => parseStrictXml(doc), /not well-formed/, JSON.stringify(doc));
  const ok = parseStrictXml('<?xml version="1.0" encoding="UTF-8"?>\n<a b="x&#10;y\tz">t&#13;\r\n&lt;&#x1F680;</a>');
  assert.is(ok.attrs.b, 'x\ny z', 'a reference keeps its newline, a literal tab is normalised to a space');
  assert.is(ok.text, 't\r\n<🚀');
});

test('junit.xml with hostile user text is well-formed XML 1.0 and reads back as the user wrote it, minus what XML cannot hold', () => {
  const report = hostileReport();
  const xml = renderJunit(report);
  const root = parseStrictXml(xml); // throws on the old escaping: a lone surrogate, a raw newline in an attribute
  assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites '));
  assert.is(root.name, 'testsuites');
  const suites = elementsNamed(root, 'testsuite');
  assert.is(suites.length, 1);
  assert.is(suites[0].attrs.name, `meshproof ${HOSTILE_READ}${LONG}`);
  assertCountsMatch(suites[0]);
  assert.equal(
    [root.attrs.tests, root.attrs.failures, root.attrs.skipped],
    [suites[0].attrs.tests, suites[0].attrs.failures, suites[0].attrs.skipped],
  );
  const props = Object.fromEntries(elementsNamed(root, 'property').map((p) => [p.attrs.name, p.attrs.value]));
  assert.is(props.target, HOSTILE_READ);
  assert.is(props.policy, HOSTILE_READ);
  const cs = cases(root);
  assert.is(cs.length, 7);
  report.gates.forEach((g, i) => {
    const c = cs[i];
    assert.is(c.attrs.name, `${HOSTILE_READ}${i} - ${g.expression} (${g.scope})`);
    assert.is(c.attrs.classname, `meshproof.${HOSTILE_READ}${LONG}.${g.scope}`);
    const said = `${HOSTILE_READ} says ${i}`;
    if (g.verdict === 'fail') {
      assert.is(child(c, 'failure').attrs.message, said);
      assert.is(child(c, 'failure').text, said, 'GitLab shows the text, not the message attribute');
    }
    if (g.verdict === 'inconclusive') {
      assert.is(child(c, 'skipped').attrs.message, `inconclusive: ${said}`);
      assert.is(child(c, 'skipped').text, `inconclusive: ${said}`, 'GitLab shows the text, not the message attribute');
    }
  });
  assert.equal(
    cs.map((c) => (has(c, 'failure') ? 'fail' : has(c, 'skipped') ? 'inconclusive' : 'pass')),
    report.gates.map((g) => g.verdict),
  );
});

test('each gate case names the scenario file when it lies inside the checkout (mikepenz annotates it, GitLab links it)', () => {
  const r = loadFixtureReport();
  const files = (file: string | undefined) =>
    cases(parseStrictXml(renderJunit({ ...r, scenario: { ...r.scenario, file } }))).map((c) => c.attrs.file);
  assert.equal(
    files('scenarios/connection-pool-overflow.yaml'),
    Array(7).fill('scenarios/connection-pool-overflow.yaml'),
  );
  for (const outside of ['/opt/meshproof/scenarios/retries.yaml', '../other/s.yaml', 'C:\\s.yaml', undefined])
    assert.equal(files(outside), Array(7).fill(undefined), String(outside));
});

test('in a CI job the scenario file is named relative to the checkout, from any working directory (GITHUB_WORKSPACE / CI_PROJECT_DIR)', () => {
  const r = loadFixtureReport();
  const files = (file: string, place: RunPlace) => [
    ...new Set(
      cases(parseStrictXml(renderJunit({ ...r, scenario: { ...r.scenario, file } }, place))).map((c) => c.attrs.file),
    ),
  ];
  const checkoutRoot = '/home/runner/work/app/app';
  // `working-directory: deploy/resilience`: the path as typed is relative to that folder
  assert.equal(files('scenarios/pool.yaml', { checkoutRoot, cwd: `${checkoutRoot}/deploy/resilience` }), [
    'deploy/resilience/scenarios/pool.yaml',
  ]);
  assert.equal(files('../shared/s.yaml', { checkoutRoot, cwd: `${checkoutRoot}/deploy` }), ['shared/s.yaml']);
  assert.equal(files(`${checkoutRoot}/scenarios/pool.yaml`, { checkoutRoot, cwd: '/' }), ['scenarios/pool.yaml']);
  // outside the checkout: no file attribute (mikepenz would annotate a path the repository lacks)
  assert.equal(files('/tmp/s.yaml', { checkoutRoot, cwd: checkoutRoot }), [undefined]);
  assert.equal(files('../../other/s.yaml', { checkoutRoot, cwd: checkoutRoot }), [undefined]);
  // no checkout known: the path as typed
  assert.equal(files('scenarios/pool.yaml', { cwd: '/anywhere' }), ['scenarios/pool.yaml']);
});

test("a checkout reached through a symlink (a self-hosted runner's work folder on another disk): the path is still named relative to it", () => {
  const r = loadFixtureReport();
  const file = (f: string, place: RunPlace) =>
    cases(parseStrictXml(renderJunit({ ...r, scenario: { ...r.scenario, file: f } }, place)))[0].attrs.file;
  // GITHUB_WORKSPACE is the link; getcwd (process.cwd) gives the real folder
  const place = {
    checkoutRoot: '/home/runner/_work/app/app',
    checkoutRootReal: '/mnt/ssd/_work/app/app',
    cwd: '/mnt/ssd/_work/app/app/deploy',
  };
  assert.is(file('scenarios/pool.yaml', place), 'deploy/scenarios/pool.yaml');
  assert.is(file('/home/runner/_work/app/app/scenarios/pool.yaml', place), 'scenarios/pool.yaml');
  assert.is(file('/mnt/ssd/other/s.yaml', place), undefined);
  // runPlace finds the real path: a link to this checkout names a file of it as typed here
  const dir = mkdtempSync(join(tmpdir(), 'mp-ws-'));
  try {
    const link = join(dir, 'workspace');
    symlinkSync(process.cwd(), link);
    const here = runPlace(link);
    assert.equal([here.checkoutRoot, here.checkoutRootReal], [link, realpathSync(process.cwd())]);
    assert.is(file('tests/report/ci-consumers.test.ts', here), 'tests/report/ci-consumers.test.ts');
    assert.is(runPlace(join(dir, 'missing')).checkoutRootReal, undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a subset name is escaped in the property name too', () => {
  const r = loadFixtureReport();
  const stats = { ...r.phases.policy.stats };
  const subset = (name: string) => ({
    subset: name,
    requests: 3,
    share: { ratio: 0.5 },
    failed: { ratio: 0.25 },
  });
  stats.subsets = [subset('v1" evil="<x>')] as unknown as typeof stats.subsets;
  const root = parseStrictXml(renderJunit({ ...r, phases: { ...r.phases, policy: { ...r.phases.policy, stats } } }));
  const names = elementsNamed(root, 'property').map((p) => p.attrs.name);
  assert.ok(names.includes('policy.subset.v1" evil="<x>.requests'), names.join(' | '));
});

test('repeated gates get their own test case names, so GitLab (one case per suite+classname+name) counts every one', () => {
  const r = loadFixtureReport();
  const g = r.gates[0];
  const gates: GateReport[] = [g, { ...g, verdict: 'fail', message: 'second' }, { ...g, message: 'third' }, r.gates[1]];
  const root = parseStrictXml(renderJunit({ ...r, gates, verdict: 'fail' }));
  const names = cases(root).map((c) => `${c.attrs.classname}\u0000${c.attrs.name}`);
  assert.is(new Set(names).size, 4, names.join('\n'));
  assert.equal(
    cases(root).map((c) => c.attrs.name),
    [testCaseName(g), `${testCaseName(g)} #2`, `${testCaseName(g)} #3`, testCaseName(r.gates[1])],
  );
  assertCountsMatch(elementsNamed(root, 'testsuite')[0]);
  assert.equal(uniqueNames(['a', 'a', 'a #2', 'b']), ['a', 'a #3', 'a #2', 'b'], 'a suffix never takes a name in use');
});

test('a run without gates (pass, exit 0) writes one passing case: Jenkins and dorny/test-reporter fail on an empty report', () => {
  const r = loadFixtureReport();
  const root = parseStrictXml(renderJunit({ ...r, gates: [], verdict: 'pass' }));
  const cs = cases(root);
  assert.is(cs.length, 1);
  assert.is(cs[0].attrs.name, NO_GATES);
  assert.is(cs[0].children.length, 0, 'passed: no failure, error or skipped');
  const suite = elementsNamed(root, 'testsuite')[0];
  assertCountsMatch(suite);
  assert.is(suite.attrs.time, '16.000');
});

function diffOf(comparisons: ReportDiff['comparisons']): ReportDiff {
  const ref = { runId: 'r', createdAt: '2026-11-21T10:00:00.000Z', scenario: HOSTILE, verdict: 'pass' };
  return {
    schemaVersion: 1,
    mode: 'effects',
    old: ref,
    new: ref,
    tolerance: { ratio: 0.02, ms: 5, latencyRatio: 0.1, effect: 0.25 },
    regression: comparisons.some((c) => c.kind === 'regression'),
    comparisons,
    warnings: [HOSTILE],
  };
}

test('diff.xml: hostile text well-formed, repeated names made unique, counts match, an empty diff still has a case', () => {
  const c = { old: '+41.8 pp', new: '+20.8 pp', change: '-21.0 pp', why: HOSTILE };
  const d = diffOf([
    { ...c, kind: 'regression', what: HOSTILE },
    { ...c, kind: 'unchanged', what: HOSTILE },
    { ...c, kind: 'change', what: 'ok p95 latency' },
  ]);
  const root = parseStrictXml(renderDiffJunit(d));
  const suite = elementsNamed(root, 'testsuite')[0];
  assertCountsMatch(suite);
  assert.equal(
    cases(root).map((x) => x.attrs.name),
    [`${HOSTILE_READ} (effects)`, `${HOSTILE_READ} (effects) #2`, 'ok p95 latency (effects)'],
  );
  assert.is(child(cases(root)[0], 'failure').attrs.message, HOSTILE_READ);
  assert.ok(child(cases(root)[1], 'system-out').text.endsWith(`; ${HOSTILE_READ}`));
  assert.is(elementsNamed(root, 'property').find((p) => p.attrs.name === 'warning')?.attrs.value, HOSTILE_READ);
  const empty = parseStrictXml(renderDiffJunit(diffOf([])));
  assert.is(cases(empty).length, 1);
  assertCountsMatch(elementsNamed(empty, 'testsuite')[0]);
});

test('escapeXml: ]]> and markup cannot end or open anything; tab, newline and CR survive as references', () => {
  assert.is(escapeXml(']]><a>&\t\n\r"\''), ']]&gt;&lt;a&gt;&amp;&#9;&#10;&#13;&quot;&apos;');
  assert.is(escapeXml('🚀\ud800\udc00'), '🚀\ud800\udc00', 'a surrogate pair is one character and stays');
});

/** A GFM table row's cells as cmark-gfm splits them: a backslash escapes the next character, `|` ends a cell. */
function gfmCells(row: string): string[] {
  const cells: string[] = [];
  let cur = '';
  for (let i = 1; i < row.length; i++) {
    if (row[i] === '\\' && i + 1 < row.length) cur += row[i] + row[++i];
    else if (row[i] === '|') cells.push(cur.trim()), (cur = '');
    else cur += row[i];
  }
  return cells;
}

/** The text a GFM cell shows: `\|` is a pipe (table extension), then backslash escapes and the entities meshproof writes. */
function gfmCellText(cell: string): string {
  return cell
    .replace(/\\\|/g, '|')
    .replace(/\\([!-/:-@[-`{-~])/g, '$1')
    .replace(/&#8203;/g, '\u200b')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

test('report.md: pipes, backslashes, markup and newlines in a gate stay inside their cell and show as written', () => {
  const r = loadFixtureReport();
  const metric = 'a|b\\|c <b>x</b> &amp; `code` *em* _u_ ~s~ [l](u) \\';
  const gates = r.gates.map((g) => ({ ...g, metric, message: `line1\nline2 | ${metric}` }));
  const md = renderMarkdown({ ...r, gates });
  const rows = md.split('\n').filter((l) => /^\| (✅|❌|⚠️) /.test(l));
  assert.is(rows.length, 7, 'a newline in a cell does not start a new line');
  for (const row of rows) {
    const cells = gfmCells(row);
    assert.is(cells.length, 7, row);
    assert.is(gfmCellText(cells[2]), metric);
    assert.is(gfmCellText(cells[6]), `line1 line2 | ${metric}`);
    assert.not.match(row, /</, 'no HTML reaches GitHub from a gate row');
  }
});

test('report.md cap: the cut never leaves a table header without its rows, nor a heading without its section', () => {
  const body = Array.from({ length: 50 }, (_, i) => `| gate ${i} 🚀 | ✅ |`);
  const lines = ['## meshproof', '', 'intro', '', '### Gates', '', '| gate | verdict |', '|---|--:|', ...body, ''];
  const size = (n: number) => Buffer.byteLength(lines.slice(0, n).join('\n')) + 1;
  // budgets that end after the heading, the header row, the delimiter row, and one body row
  assert.is(linesThatFit(lines, size(5)), 3, 'a heading alone is dropped, with the blank line before it');
  assert.is(linesThatFit(lines, size(7)), 3, 'a header row without its delimiter row renders as a paragraph of pipes');
  assert.is(linesThatFit(lines, size(8)), 3, 'a header and delimiter without rows');
  assert.is(linesThatFit(lines, size(9)), 9, 'one body row: a table');
  assert.is(linesThatFit(lines, size(9) + 5), 9, 'a row is never split (nor its UTF-8)');
  assert.is(linesThatFit(lines, 1_000_000), lines.length);
  const text = lines.join('\n');
  const cap = Buffer.byteLength(text) - 200;
  const out = capMarkdown(text, cap);
  assert.ok(Buffer.byteLength(out) <= cap);
  const kept = out.split('\n\n_(cut:')[0].split('\n');
  assert.equal(kept, lines.slice(0, kept.length), 'kept lines are whole lines of the report');
  assert.match(kept.at(-1)!, /^\| gate \d+ 🚀 \| ✅ \|$/);
});

test.run();
