/**
 * Issue 16 item 4: every format carries the per-subset results — terminal and Markdown tables,
 * the HTML section with the observed split beside the declared weights, JUnit properties, JSON
 * as is — and a report without subsets renders as before (the goldens of render.test.ts).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { render as renderMarkdown } from '../../src/report/markdown.js';
import { render as renderJunit } from '../../src/report/junit.js';
import { render as renderTerminal, TERMINAL_WIDTH } from '../../src/report/terminal.js';
import { render as renderHtml } from '../../src/report/html.js';
import { render as renderJson } from '../../src/report/json.js';
import { analyzeSubsets, checkSplit } from '../../src/analysis/subsets.js';
import { Recorder } from '../../src/load/builtin/recorder.js';
import type { Report } from '../../src/report/model.js';
import { loadFixtureReport } from '../fixtures/report/fixture.js';
import { gateRows } from '../../src/report/rows.js';

function withSubsets(): Report {
  const report = loadFixtureReport();
  const r = new Recorder(false, true);
  for (let i = 0; i < 900; i++) r.add(200, 'ok', 20, undefined, i, 'v1');
  for (let i = 0; i < 100; i++) r.add(i < 20 ? 500 : 200, i < 20 ? 'app_error' : 'ok', 40, undefined, i, 'v2');
  const phase = r.result({
    profile: report.load.profile,
    plan: report.load.plan,
    engine: report.engine,
    startedAt: new Date(0),
    durationMs: 10_000,
  });
  const declared = {
    route: 'VirtualService default/productpage http[0]',
    weights: [
      { subset: 'v1', weight: 90 },
      { subset: 'v2', weight: 10 },
    ],
  };
  report.phases.policy.stats = {
    ...report.phases.policy.stats,
    subsets: analyzeSubsets(phase),
    splits: [checkSplit(phase, declared)!],
  };
  return report;
}

test('terminal: a per-subset table per phase (share with interval, declared weight, failure rate), the split line, within 100 columns', () => {
  const out = renderTerminal(withSubsets());
  assert.match(out, 'per subset');
  assert.match(out, /│ v2 +│ 100 +│ 10\.0 % \[8\.3 – 12\.0\] +│ 10\.0 % │ 20\.0 % \[13\.3 – 28\.9\] +│/);
  assert.match(out, 'chi-square X² 0, df 1, p 1');
  for (const line of out.split('\n')) assert.ok([...line].length <= TERMINAL_WIDTH, line);
});

test('markdown, html, junit and json carry the subsets; html draws observed beside declared', () => {
  const report = withSubsets();
  const md = renderMarkdown(report);
  assert.match(md, '### Per subset');
  assert.match(md, '| policy | v2 | 100 | 10.0 % \\[8.3 – 12.0\\] | 10.0 % | 20.0 % \\[13.3 – 28.9\\] |');
  const html = renderHtml(report);
  assert.match(html, '<h2>Split by subset</h2>');
  assert.match(html, 'policy observed');
  assert.match(html, 'policy declared');
  assert.match(html, '<title>policy declared: v2 10.0 %</title>');
  const junit = renderJunit(report);
  assert.match(junit, '<property name="policy.subset.v2.failed" value="0.2000"/>');
  const json = JSON.parse(renderJson(report));
  assert.is(json.phases.policy.stats.subsets[1].failed.count, 20);
  assert.is(json.phases.policy.stats.splits[0].test, 'chi-square');
});

test('without subsets nothing is added: no per-subset section in any format', () => {
  const report = loadFixtureReport();
  assert.not.match(renderTerminal(report), 'per subset');
  assert.not.match(renderMarkdown(report), 'Per subset');
  assert.not.match(renderHtml(report), 'Split by subset');
  assert.not.match(renderJunit(report), '.subset.');
});

test('gate rows: a tag filter keeps the unit of its metric (ms, per second, %); split shows its p-value', () => {
  const report = withSubsets();
  const gate = (metric: string, expression: string, observed: number, interval: [number, number]) => ({
    expression,
    metric,
    scope: 'policy' as const,
    observed,
    interval,
    verdict: 'pass' as const,
    message: '',
  });
  report.gates = [
    gate('http_req_duration{subset:v2}', 'p(95)<300', 41.2, [40, 42.5]),
    gate('http_reqs{subset:v2}', 'rate>5', 10, [10, 10]),
    gate('http_req_failed{subset:v2}', 'rate<0.5', 0.2, [0.133, 0.289]),
    gate('split', 'matches-weights', 0.852, [0.852, 0.852]),
  ];
  assert.equal(
    gateRows(report).map((r) => [r.observed, r.interval]),
    [
      ['41.2 ms', '40.0 – 42.5'],
      ['10', 'exact'],
      ['20.0 %', '13.3 – 28.9'],
      ['p = 0.852', 'chi-square'],
    ],
  );
});

test.run();
