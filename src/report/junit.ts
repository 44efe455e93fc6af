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
 *
 * What the consumers read (checked against their source):
 * - GitLab (lib/gitlab/ci/parsers/test/junit.rb `create_test_case`) shows a <failure>'s or
 *   <skipped>'s element text as the test's details and reads no `message` attribute, so both
 *   carry the sentence as text too. It keys a case by suite, classname and name
 *   (reports/test_case.rb `hash_key`), and `TestSuite#add_test_case` keeps the last case of a
 *   key: two gates with the same name would count as one, so a repeated name gets " #2".
 * - Jenkins (junit plugin, JUnitResultArchiver) aborts the build with "None of the test
 *   reports contained any result" when a file holds no test case, and dorny/test-reporter
 *   fails on an empty report (`fail-on-empty`, default true): a run without gates (verdict
 *   pass, exit 0) still writes one passing case.
 * - Jenkins reads the file with dom4j's SAXReader (SuiteResult.parse), a conforming parser
 *   that rejects the whole file on a character XML 1.0 does not allow, even as a reference:
 *   see escapeXml.
 * - mikepenz/action-junit-report (testParser.ts `resolveFileAndLine`) pins a failure's
 *   annotation on the case's `file`, else on the first file in the repository named
 *   `<last part of classname>.<anything>` — `policy.md`, say, for a policy gate. GitLab
 *   links `file` in its test report. So each gate's case names the scenario file when it is a
 *   path inside the checkout.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { describeTopology, topologyOf } from './topology.js';
import type { GateReport, Report } from './model.js';
import { isNum } from './format.js';
import { escapeBidiAndC1 } from '../util/text.js';

/**
 * Text safe in an XML 1.0 attribute value or element content. XML 1.0 (§2.2 Char) forbids the
 * C0 controls but tab, newline and carriage return, the surrogates and U+FFFE/U+FFFF, even as
 * character references: they are dropped (a lone surrogate would be written as U+FFFD
 * anyway). Tab, newline and carriage return are written as references, because a parser
 * turns them into spaces in an attribute (§3.3.3 attribute-value normalisation) and a carriage
 * return into a newline in text (§2.11). Bidi marks and C1 controls are shown as escapes.
 */
export function escapeXml(s: string): string {
  return escapeBidiAndC1(s)
    .replace(
      /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
      '',
    )
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/[\t\n\r]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Each name as given, a repeat of an earlier one with " #2", " #3", … so every test case has its own. */
export function uniqueNames(names: readonly string[]): string[] {
  const seen = new Map<string, number>();
  const taken = new Set(names);
  return names.map((n) => {
    let k = seen.get(n);
    if (k === undefined) {
      seen.set(n, 1);
      return n;
    }
    let name: string;
    do name = `${n} #${++k}`;
    while (taken.has(name));
    seen.set(n, k);
    taken.add(name);
    return name;
  });
}

/** The one test case of a run without gates: an empty file fails Jenkins' and dorny/test-reporter's step. */
export const NO_GATES = 'verdict (no gates)';

/** Where meshproof ran: its working folder and the CI job's checkout (config.ts `checkoutRoot`), when known. */
export interface RunPlace {
  cwd?: string;
  checkoutRoot?: string;
  /**
   * The checkout's real path when `checkoutRoot` goes through a symlink (a self-hosted runner's
   * work folder on another disk): the working folder (`process.cwd()`, getcwd) is always the
   * real path, so a relative scenario path is found under this one.
   */
  checkoutRootReal?: string;
}

/**
 * The scenario file as a path inside the CI checkout, or undefined when it lies outside (a
 * `file` attribute must point at a file of the repository). mikepenz takes the path as
 * relative to the repository, after stripping a `$GITHUB_WORKSPACE/` prefix (testParser.ts
 * `parseSuite`; its `resolvePath` globs only `<file>.*`, which a path with its extension never
 * matches), and GitLab links it from the project's root. So when the checkout is known, the
 * path is made relative to it: a job that ran meshproof from a `working-directory` still points
 * at the right file. Otherwise: the path as typed, when it is relative and does not climb out.
 */
export function checkoutPath(file: string | undefined, place: RunPlace = {}): string | undefined {
  if (!file) return undefined;
  if (place.checkoutRoot && place.cwd) {
    const at = resolve(place.cwd, file);
    for (const root of [place.checkoutRoot, place.checkoutRootReal]) {
      const rel = root === undefined ? '' : relative(root, at);
      if (rel && !isAbsolute(rel) && !rel.split(sep).includes('..')) return rel.split(sep).join('/');
    }
    return undefined;
  }
  return !isAbsolute(file) && !/^[A-Za-z]:/.test(file) && !file.split(/[\\/]/).includes('..') ? file : undefined;
}

const seconds = (ms: number) => (isNum(ms) ? ms / 1000 : 0).toFixed(3);

export function testCaseName(g: Pick<GateReport, 'metric' | 'expression' | 'scope'>): string {
  return `${g.metric} - ${g.expression} (${g.scope})`;
}

export function render(report: Report, place: RunPlace = {}): string {
  const x = escapeXml;
  const ms = { baseline: report.phases.baseline.stats.durationMs, policy: report.phases.policy.stats.durationMs };
  const count = (v: GateReport['verdict']) => report.gates.filter((g) => g.verdict === v).length;
  const suite = `meshproof ${report.scenario.name}`;
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const attrs = `tests="${Math.max(report.gates.length, 1)}" failures="${count('fail')}" errors="0" skipped="${count('inconclusive')}" time="${seconds(ms.baseline + ms.policy)}"`;
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
  for (const [k, v] of props) out.push(`      <property name="${x(k)}" value="${x(v)}"/>`);
  out.push('    </properties>');
  const names = uniqueNames(report.gates.map(testCaseName));
  const path = checkoutPath(report.scenario.file, place);
  const file = path ? ` file="${x(path)}"` : '';
  report.gates.forEach((g, i) => {
    // a gate judges the data of its phase; a delta gate both phases
    const time = g.scope === 'delta' ? ms.baseline + ms.policy : ms[g.scope];
    const open = `    <testcase classname="${x(`meshproof.${report.scenario.name}.${g.scope}`)}" name="${x(names[i])}"${file} time="${seconds(time)}"`;
    if (g.verdict === 'pass') out.push(`${open}/>`);
    else if (g.verdict === 'fail')
      out.push(
        `${open}>`,
        `      <failure type="gate" message="${x(g.message)}">${x(g.message)}</failure>`,
        '    </testcase>',
      );
    else {
      const why = x(`inconclusive: ${g.message}`);
      out.push(`${open}>`, `      <skipped message="${why}">${why}</skipped>`, '    </testcase>');
    }
  });
  if (!report.gates.length)
    out.push(
      `    <testcase classname="${x(`meshproof.${report.scenario.name}`)}" name="${NO_GATES}" time="${seconds(ms.baseline + ms.policy)}"/>`,
    );
  out.push('  </testsuite>', '</testsuites>', '');
  return out.join('\n');
}
