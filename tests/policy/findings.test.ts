/** Finding format and the "ten distinct mistakes → ten findings with positions" acceptance check. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile } from 'node:fs/promises';
import { formatFinding, sortFindings, type Finding } from '../../src/policy/findings.js';
import { loadPolicies } from '../../src/policy/load.js';
import { validate } from '../../src/policy/validate.js';

const TEN = 'tests/fixtures/policy/ten-mistakes.yaml';

test('formatFinding prints file:line:col: severity: path: message, and cites a section when given', () => {
  const f: Finding = {
    severity: 'error',
    file: 'policies/x.yaml',
    line: 12,
    column: 9,
    path: 'spec.http[0].retries.retryOn',
    message: '" reset" is not a valid retryOn policy',
  };
  assert.is(
    formatFinding(f),
    'policies/x.yaml:12:9: error: spec.http[0].retries.retryOn: " reset" is not a valid retryOn policy',
  );
  assert.is(
    formatFinding({ ...f, path: '', message: 'spec is required' }),
    'policies/x.yaml:12:9: error: spec is required',
  );
  assert.is(
    formatFinding({ ...f, severity: 'warning', message: 'm', section: '§4.1' }),
    'policies/x.yaml:12:9: warning: spec.http[0].retries.retryOn: m (see docs/istio-envoy-semantics.md §4.1)',
  );
});

test('sortFindings orders by file, then line, then column', () => {
  const at = (file: string, line: number, column: number): Finding => ({
    severity: 'error',
    file,
    line,
    column,
    path: '',
    message: '',
  });
  const sorted = sortFindings([at('b', 1, 1), at('a', 9, 2), at('a', 9, 1), at('a', 2, 5)]);
  assert.equal(
    sorted.map((f) => `${f.file}:${f.line}:${f.column}`),
    ['a:2:5', 'a:9:1', 'a:9:2', 'b:1:1'],
  );
});

test('a file with ten distinct mistakes yields ten findings, each on the line its comment numbers', async () => {
  const findings = validate(await loadPolicies([TEN]));
  assert.is(findings.length, 10);
  const lines = (await readFile(TEN, 'utf8')).split('\n');
  findings.forEach((f, i) => {
    assert.is(f.severity, 'error');
    assert.ok(lines[f.line - 1].includes(`# ${i + 1} `), `finding ${i + 1} at line ${f.line}: ${lines[f.line - 1]}`);
    // the column points at the first character of the offending key
    assert.is(lines[f.line - 1].slice(f.column - 1).split(':')[0], f.path.split('.').pop());
  });
  assert.equal(
    findings.map((f) => `${f.line}:${f.column}`),
    ['11:9', '12:9', '14:9', '15:9', '17:7', '18:7', '20:7', '32:7', '35:9', '38:11'],
  );
});

test.run();
