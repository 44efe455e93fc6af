/**
 * Issue 13 item 21: repeated lint findings are grouped in the human output. A VirtualService
 * with 10,000 routes gave 10,000 identical "no retries block" warnings (66 k terminal lines);
 * now the first 3 print in full and one line counts the rest. --json keeps them all.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { policySetYaml } from '../../bench/policy-scale.js';
import { checkDocs, formatCheckReport } from '../../src/policy/check.js';
import { formatFindingsGrouped, REPEATS_SHOWN, type Finding } from '../../src/policy/findings.js';
import { loadPolicyText } from '../../src/policy/load.js';

const finding = (line: number, message = 'same'): Finding => ({
  severity: 'warning',
  file: 'x.yaml',
  line,
  column: 7,
  path: `spec.http[${line - 10}]`,
  message,
  section: '§4.1',
  rule: 'default-retries',
});

test('up to 3 repeats print in full; the 4th onwards become one line counting them and naming the next 5 places', () => {
  assert.is(REPEATS_SHOWN, 3);
  assert.is(formatFindingsGrouped([10, 11, 12].map((l) => finding(l))).length, 3);
  const lines = formatFindingsGrouped([10, 11, 12, 13, 14, 15, 16, 17, 18, 19].map((l) => finding(l)));
  assert.equal(lines, [
    'x.yaml:10:7: warning: spec.http[0]: same (see docs/istio-envoy-semantics.md §4.1)',
    'x.yaml:11:7: warning: spec.http[1]: same (see docs/istio-envoy-semantics.md §4.1)',
    'x.yaml:12:7: warning: spec.http[2]: same (see docs/istio-envoy-semantics.md §4.1)',
    'x.yaml:13:7: warning: the same warning (default-retries) at 7 more places: 13:7 spec.http[3], 14:7 spec.http[4], 15:7 spec.http[5], 16:7 spec.http[6], 17:7 spec.http[7], … (--json lists every one)',
  ]);
});

test('different messages, files or rules are different groups, and order is kept', () => {
  const mixed = [
    finding(10),
    finding(11, 'other'),
    finding(12),
    { ...finding(13), file: 'y.yaml' },
    finding(14),
    finding(15),
  ];
  const lines = formatFindingsGrouped(mixed);
  assert.is(lines.length, 6);
  assert.match(
    lines[5],
    /^x\.yaml:15:7: warning: the same warning \(default-retries\) at 1 more place: 15:7 spec\.http\[5\] \(--json/,
  );
});

test('lint of 10,000 routes and 1,000 subsets: 15 lines instead of 12,003; the counts still say 12,002 warnings', () => {
  const docs = loadPolicyText(policySetYaml(10_000, 1_000), 'scale.yaml');
  const report = checkDocs(['scale.yaml'], docs, { lint: {} });
  assert.is(report.findings.length, 12_002, 'every finding is kept for --json');
  const lines = formatCheckReport(report).trimEnd().split('\n');
  assert.is(lines.length, 15);
  assert.is(lines.at(-1), '2 documents checked: 0 errors, 12002 warnings');
  assert.ok(lines.some((l) => l.includes('the same warning (default-retries) at 9,997 more places')));
});

test.run();
