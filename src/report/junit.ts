/**
 * junit.xml: one test suite, one test case per gate, named `<metric> - <expression>` as the
 * k6 JUnit summary names thresholds (style.md "Models"), with the scope added because the
 * same gate may be set on baseline, policy and delta. Times are in seconds (JUnit's unit).
 *
 * A fail is a <failure>. An inconclusive gate is <skipped>, not <error>: <error> means the
 * test could not run (meshproof reports infrastructure errors with exit code 3 and writes no
 * verdict at all), while an inconclusive gate ran and its data could not decide at 95 % —
 * "not judged", which CI dashboards show as skipped, neither green nor red. The exit code (4)
 * still tells the pipeline.
 */
import { describeTopology, topologyOf } from './topology.js';
import type { GateReport, Report } from './model.js';
import { isNum } from './format.js';
import { escapeBidiAndC1 } from '../util/text.js';

/** XML 1.0 forbids most control characters even as entities: they are dropped; bidi marks and C1 controls are shown as escapes. */
export function escapeXml(s: string): string {
  return escapeBidiAndC1(s)
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const seconds = (ms: number) => (isNum(ms) ? ms / 1000 : 0).toFixed(3);

export function testCaseName(g: Pick<GateReport, 'metric' | 'expression' | 'scope'>): string {
  return `${g.metric} - ${g.expression} (${g.scope})`;
}

export function render(report: Report): string {
  const x = escapeXml;
  const ms = { baseline: report.phases.baseline.stats.durationMs, policy: report.phases.policy.stats.durationMs };
  const count = (v: GateReport['verdict']) => report.gates.filter((g) => g.verdict === v).length;
  const suite = `meshproof ${report.scenario.name}`;
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const attrs = `tests="${report.gates.length}" failures="${count('fail')}" errors="0" skipped="${count('inconclusive')}" time="${seconds(ms.baseline + ms.policy)}"`;
  out.push(`<testsuites name="meshproof" ${attrs}>`);
  out.push(`  <testsuite name="${x(suite)}" ${attrs} timestamp="${x(report.createdAt)}">`);
  out.push('    <properties>');
  const props: [string, string][] = [
    ['runId', report.runId],
    ['verdict', report.verdict],
    ['target', report.target.url],
    ['engine', `${report.engine.name} ${report.engine.version}`],
    ['topology', describeTopology(topologyOf(report))],
    ['policy', report.policy.files.join(', ')],
    ['seed', String(report.scenario.seed)],
    // requests/s and successful requests/s per phase, so a CI dashboard can plot both
    ...(['baseline', 'policy'] as const).flatMap((p): [string, string][] => [
      [`${p}.throughput`, report.phases[p].stats.throughput.toFixed(2)],
      [`${p}.goodput`, report.phases[p].stats.goodput.toFixed(2)],
    ]),
    // per subset (issue 16): requests, share and failure rate, for the same dashboards
    ...(['baseline', 'policy'] as const).flatMap((p): [string, string][] =>
      (report.phases[p].stats.subsets ?? []).flatMap((s): [string, string][] => [
        [`${p}.subset.${s.subset}.requests`, String(s.requests)],
        [`${p}.subset.${s.subset}.share`, s.share.ratio.toFixed(4)],
        [`${p}.subset.${s.subset}.failed`, s.failed.ratio.toFixed(4)],
      ]),
    ),
  ];
  for (const [k, v] of props) out.push(`      <property name="${k}" value="${x(v)}"/>`);
  out.push('    </properties>');
  for (const g of report.gates) {
    // a gate judges the data of its phase; a delta gate both phases
    const time = g.scope === 'delta' ? ms.baseline + ms.policy : ms[g.scope];
    const open = `    <testcase classname="${x(`meshproof.${report.scenario.name}.${g.scope}`)}" name="${x(testCaseName(g))}" time="${seconds(time)}"`;
    if (g.verdict === 'pass') out.push(`${open}/>`);
    else if (g.verdict === 'fail')
      out.push(
        `${open}>`,
        `      <failure type="gate" message="${x(g.message)}">${x(g.message)}</failure>`,
        '    </testcase>',
      );
    else out.push(`${open}>`, `      <skipped message="${x(`inconclusive: ${g.message}`)}"/>`, '    </testcase>');
  }
  out.push('  </testsuite>', '</testsuites>', '');
  return out.join('\n');
}
