/**
 * Every renderer against the fixed fixture report (golden files). After a deliberate change
 * to a renderer or the fixture: `UPDATE_GOLDEN=1 npm test -- '^report/'`, then review the diff.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { render as renderJson } from '../../src/report/json.js';
import { render as renderMarkdown } from '../../src/report/markdown.js';
import { render as renderJunit } from '../../src/report/junit.js';
import { render as renderTerminal, TERMINAL_WIDTH } from '../../src/report/terminal.js';
import { render as renderHtml } from '../../src/report/html.js';
import { analyzeExperiment } from '../../src/analysis/experiment.js';
import { parseReport } from '../../src/report/read.js';
import type { Report } from '../../src/report/model.js';
import { HEALTHY, syntheticPhase } from '../fixtures/report/synthetic.js';
import {
  assertGolden,
  buildFixtureReport,
  FIXTURE_REPORT,
  loadFixtureReport,
  UPDATE,
} from '../fixtures/report/fixture.js';
import { reportGates } from '../../src/report/gate-text.js';

test('the fixture report.json is exactly what the seeded builder makes (analysis is deterministic)', () => {
  const built = renderJson(buildFixtureReport());
  if (UPDATE) writeFileSync(FIXTURE_REPORT, built);
  assert.fixture(built, readFileSync(FIXTURE_REPORT, 'utf8'));
});

test('report.json round-trips: reading and rendering the fixture gives the same bytes (open bounds stay null)', () => {
  const text = readFileSync(FIXTURE_REPORT, 'utf8');
  const report = loadFixtureReport();
  assert.is(report.phases.baseline.stats.percentiles['p99.9'].hi, Infinity, 'null upper bound read back as +Infinity');
  assert.is(renderJson(report), text);
  assert.is(JSON.parse(text).schemaVersion, 1);
});

test('a report.json written before goodput and per-cause medians reads back with goodput derived (requests − failed over the duration)', () => {
  const doc = JSON.parse(readFileSync(FIXTURE_REPORT, 'utf8'));
  for (const p of ['baseline', 'policy']) {
    delete doc.phases[p].stats.goodput;
    delete doc.phases[p].stats.medianByCause;
  }
  delete doc.comparison.goodput;
  delete doc.comparison.medianByCause;
  const old = parseReport(JSON.stringify(doc), 'old.json');
  const now = loadFixtureReport();
  for (const p of ['baseline', 'policy'] as const)
    assert.ok(Math.abs(old.phases[p].stats.goodput - now.phases[p].stats.goodput) < 1e-9, p);
  assert.ok(Math.abs(old.comparison.goodput.delta - now.comparison.goodput.delta) < 1e-9);
  assert.match(renderTerminal(old), /│ ok req\/s\s+│\s+300 │\s+262\.1 │\s+-37\.88 │/);
  assert.not.match(renderTerminal(old), /p50 overflow/, 'no medians to show');
});

test('terminal: golden, every line within 100 columns, no control characters without colour', () => {
  const out = renderTerminal(loadFixtureReport());
  assertGolden('terminal.txt', out);
  for (const l of out.split('\n')) assert.ok([...l].length <= TERMINAL_WIDTH, `${[...l].length} columns: ${l}`);
  assert.not.match(out, /[\u0000-\u0009\u000b-\u001f\u007f]/, 'control characters in uncoloured output');
  assert.match(out, /│ status 503\s+│\s+0\.0 % \[0\.0 – 0\.16\] │\s+41\.8 % \[40\.1 – 43\.4\] │/);
  assert.match(out, /verdict FAIL — 5 of 7 gates passed, 1 failed, 1 inconclusive\n$/);
});

test('terminal with colour: verdicts painted, widths unchanged once ANSI codes are removed', () => {
  const plain = renderTerminal(loadFixtureReport());
  const color = renderTerminal(loadFixtureReport(), { color: true });
  assert.match(color, /\x1b\[31mFAIL\x1b\[(0|39)m/);
  assert.match(color, /\x1b\[32mPASS\x1b\[(0|39)m/);
  assert.match(color, /\x1b\[33mINCONCLUSIVE\x1b\[(0|39)m/);
  assert.is(color.replace(/\x1b\[[0-9;]*m/g, ''), plain);
});

test('markdown: golden; user text cannot inject HTML or break a table', () => {
  const out = renderMarkdown(loadFixtureReport());
  assertGolden('report.md', out);
  assert.not.match(out, /<script/);
  assert.match(out, /&lt;script&gt;alert\("x"\)&lt;\/script&gt; &amp; friends/);
  assert.match(out, /- control\\\\x07chars\\\\x1b\\\[31m and \\\| pipes \\\| in a note/);
  const gateLines = out.split('\n').filter((l) => /^\| (✅|❌|⚠️) /.test(l));
  assert.is(gateLines.length, 7);
  for (const l of gateLines) assert.is(l.replace(/\\\|/g, '').split('|').length, 9, `a gate row has 7 cells: ${l}`);
});

test('junit: golden; one testsuite, one test case per gate named "<metric> - <expression> (<scope>)"', () => {
  const out = renderJunit(loadFixtureReport());
  assertGolden('junit.xml', out);
  assert.is((out.match(/<testsuite /g) ?? []).length, 1);
  assert.is((out.match(/<testcase /g) ?? []).length, 7);
  assert.match(
    out,
    /<testsuite name="meshproof connection-pool-overflow" tests="7" failures="1" errors="0" skipped="1" time="16.000"/,
  );
  assert.match(
    out,
    /<testcase classname="meshproof.connection-pool-overflow.policy" name="http_req_duration - max&lt;40 \(policy\)" file="scenarios\/connection-pool-overflow.yaml" time="8.000">\n\s+<failure type="gate"/,
  );
  assert.match(
    out,
    /name="cause_overflow - rate&gt;0.42 \(policy\)" file="scenarios\/connection-pool-overflow.yaml" time="8.000">\n\s+<skipped message="inconclusive: [^"]+">inconclusive: /,
  );
  assert.match(
    out,
    /name="status_503 - rate&gt;=0.2 \(delta\)" file="scenarios\/connection-pool-overflow.yaml" time="16.000"\/>/,
  );
  assert.not.match(out, /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/, 'XML 1.0 forbids control characters');
});

test('html: golden; self-contained (no script, no external resource) and every text escaped', () => {
  const out = renderHtml(loadFixtureReport());
  assertGolden('report.html', out);
  for (const banned of [/<script/i, /\bsrc=/i, /\bhref=/i, /url\(/i, /@import/i, /<link/i])
    assert.not.match(out, banned, String(banned));
  assert.match(out, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; friends/);
  assert.is((out.match(/<svg class="chart"/g) ?? []).length, 3);
  assert.match(out, /policy applied/);
});

test('terminal: tabs, newlines and escape sequences in user text cannot break the table (the table package throws on them)', () => {
  const report = loadFixtureReport();
  const hostile = {
    ...report,
    scenario: { ...report.scenario, name: 'a\tb\nc\u001b[2J' },
    gates: report.gates.map((g) => ({ ...g, expression: `rate<\t0.1\r` })),
  };
  const out = renderTerminal(hostile);
  assert.match(out, /^meshproof · a b c\\x1b\[2J  FAIL/);
  assert.match(out, /│ policy cause_overflow rate< 0\.1\\x0d\s+│/);
});

test('markdown: @mentions and bidi overrides in user text are neutralised (issue 13 item 13)', () => {
  const report = loadFixtureReport();
  const hostile = {
    ...report,
    scenario: { ...report.scenario, description: 'ping @octocat and @org/team, mail a@b.c; \u202Egnp.exe\u202C' },
  };
  const out = renderMarkdown(hostile);
  const line = out.split('\n').find((l) => l.startsWith('> '))!;
  assert.is(line, '> ping @&#8203;octocat and @&#8203;org/team, mail a@&#8203;b.c; \\\\u202egnp.exe\\\\u202c');
  assert.not.ok(/@[A-Za-z0-9]/.test(out.replace(/@&#8203;/g, '')), 'no raw @name left anywhere');
  assert.not.ok(/[\u202a-\u202e\u2066-\u2069]/.test(out));
});

test('html and junit: bidi overrides and C1 controls in user text are shown, not obeyed (issue 13 item 13)', () => {
  const report = loadFixtureReport();
  const hostile = {
    ...report,
    scenario: { ...report.scenario, description: 'x \u202Egnp.exe\u202C \u2066y\u2069 \u0085z' },
    gates: report.gates.map((g) => ({ ...g, message: `m\u202E\u009b2J` })),
  };
  for (const out of [renderHtml(hostile), renderJunit(hostile)]) {
    assert.not.ok(/[\u0080-\u009f\u202a-\u202e\u2066-\u2069]/.test(out), out.slice(0, 200));
  }
  assert.match(renderHtml(hostile), /x \\u202egnp\.exe\\u202c \\u2066y\\u2069 \\x85z/);
  assert.match(renderJunit(hostile), /m\\u202e\\x9b2J/);
});

test('renders are deterministic: the same report renders to the same bytes twice', () => {
  const r = loadFixtureReport();
  for (const f of [renderTerminal, renderMarkdown, renderJunit, renderHtml, renderJson])
    assert.is(f(r), f(loadFixtureReport()));
});

test('edge cases render in every format: an empty policy phase (no data), no gates, 3 repetitions, no policy marker', () => {
  const built = buildFixtureReport({ expect: { policy: { http_req_duration: ['p(95)<250'] } } });
  const empty = syntheticPhase({
    seed: 5,
    requests: 0,
    durationS: 2,
    startedAt: '2026-11-21T10:00:12.000Z',
    mix: [HEALTHY],
  });
  const a = analyzeExperiment({
    baseline: built.phases.baseline.result,
    policy: empty,
    expect: { policy: { http_req_duration: ['p(95)<250'] } },
  });
  const edge: Report = {
    ...built,
    scenario: { ...built.scenario, repeat: 3 },
    phases: { baseline: built.phases.baseline, policy: { result: empty, stats: a.stats.policy } },
    comparison: a.comparison,
    gates: reportGates(a.gates),
    verdict: a.verdict,
  };
  // through JSON, as a user's file would come back: NaN became null
  const report = parseReport(renderJson(edge), 'edge.json');
  assert.is(report.phases.policy.stats.percentiles.p95.value, null as unknown as number);
  const term = renderTerminal(report);
  assert.match(term, /│ INCONCLUSIVE │ policy http_req_duration p\(95\)<250\s+│\s+n\/a │\s+no data │/);
  for (const l of term.split('\n')) assert.ok([...l].length <= TERMINAL_WIDTH, l);
  assert.match(renderMarkdown(report), /\| n\/a \| no data \|/);
  assert.match(renderJunit(report), /<skipped message="inconclusive: policy http_req_duration p\(95\) has no data/);
  const html = renderHtml(report);
  assert.is((html.match(/<svg class="chart"/g) ?? []).length, 3);
  assert.match(html, /no requests/);
  assert.not.match(html, /NaN|undefined/);
  assert.not.match(term + renderMarkdown(report), /NaN|undefined/);
  const none = renderTerminal({ ...report, gates: [], verdict: 'pass' });
  assert.match(none, /verdict PASS — no gates\n$/);
});

test("every format's facts say the engine thread's nice when the report has it (issue 18: engineNice), none without", () => {
  const report = parseReport(readFileSync(FIXTURE_REPORT, 'utf8'), 'fixture.json');
  const niced = {
    ...report,
    topology: {
      engine: 'worker-thread' as const,
      mesh: 'in-process' as const,
      pods: 'worker-thread' as const,
      engineNice: -5,
    },
  };
  const renderers: [string, (r: Report) => string][] = [
    ['terminal', (r) => renderTerminal(r)],
    ['markdown', renderMarkdown],
    ['html', renderHtml],
    ['junit', renderJunit],
  ];
  for (const [name, render] of renderers) {
    assert.ok(render(niced).includes('engine worker-thread (nice -5) · gateway in-process · pods worker-thread'), name);
    assert.not.ok(render(report).includes('(nice '), name);
  }
});

test.run();
