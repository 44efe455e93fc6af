/**
 * junit.xml for `meshproof diff --junit`: one test suite, one test case per comparison (each
 * effect, each gate, or with --absolute each phase number), so a CI dashboard shows which
 * effect regressed. A regression is a <failure>; every other comparison passes, with what
 * was compared and why in <system-out>, because a change that is not a regression (noise, a
 * stronger effect) must not turn the pipeline red. Names are made unique and a diff with
 * nothing to compare still writes one passing case, for the reasons junit.ts gives (GitLab
 * keeps one case per name; Jenkins and dorny/test-reporter fail on a file without cases).
 */
import type { Change, ReportDiff } from './diff.js';
import { escapeXml, uniqueNames } from './junit.js';

/** "<what> (<mode>)", e.g. "overflow share (effects)" or "gate policy cause_overflow rate>=0.5 (effects)". */
export function diffCaseName(c: Pick<Change, 'what'>, mode: ReportDiff['mode']): string {
  return `${c.what} (${mode})`;
}

export function renderDiffJunit(d: ReportDiff): string {
  const x = escapeXml;
  const failures = d.comparisons.filter((c) => c.kind === 'regression').length;
  const attrs = `tests="${Math.max(d.comparisons.length, 1)}" failures="${failures}" errors="0" skipped="0" time="0.000"`;
  const classname = x(`meshproof.diff.${d.new.scenario}`);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="meshproof diff" ${attrs}>`];
  out.push(`  <testsuite name="${x(`meshproof diff ${d.new.scenario}`)}" ${attrs} timestamp="${x(d.new.createdAt)}">`);
  out.push('    <properties>');
  const props: [string, string][] = [
    ['mode', d.mode],
    ['old', d.old.runId],
    ['new', d.new.runId],
    ...d.warnings.map((w): [string, string] => ['warning', w]),
  ];
  for (const [k, v] of props) out.push(`      <property name="${x(k)}" value="${x(v)}"/>`);
  out.push('    </properties>');
  const names = uniqueNames(d.comparisons.map((c) => diffCaseName(c, d.mode)));
  d.comparisons.forEach((c, i) => {
    const detail = `${c.kind}: ${c.old} → ${c.new}${c.change ? ` (${c.change})` : ''}; ${c.why}`;
    out.push(`    <testcase classname="${classname}" name="${x(names[i])}" time="0.000">`);
    if (c.kind === 'regression')
      out.push(`      <failure type="regression" message="${x(c.why)}">${x(detail)}</failure>`);
    else out.push(`      <system-out>${x(detail)}</system-out>`);
    out.push('    </testcase>');
  });
  if (!d.comparisons.length)
    out.push(`    <testcase classname="${classname}" name="nothing to compare" time="0.000"/>`);
  out.push('  </testsuite>', '</testsuites>', '');
  return out.join('\n');
}
