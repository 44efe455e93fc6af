/** Builders that wrap a YAML fragment in a whole document at known lines, so tests can assert exact positions. */
import * as assert from 'uvu/assert';
import { loadPolicyText } from '../../src/policy/load.js';
import { validate } from '../../src/policy/validate.js';
import { lint, type LintOptions } from '../../src/policy/lint.js';
import type { Finding } from '../../src/policy/findings.js';

const indent = (text: string, n: number) =>
  text
    .replace(/^\n/, '')
    .replace(/\s+$/, '')
    .split('\n')
    .map((l) => ' '.repeat(n) + l)
    .join('\n');

/** A `kind` named productpage with the given `spec:` body (indented 2) starting at line 6. */
function withSpec(kind: string, spec: string): string {
  return `apiVersion: networking.istio.io/v1
kind: ${kind}
metadata:
  name: productpage
spec:
${indent(spec, 2)}
`;
}

/** A DestinationRule with the given `spec:` body (indented 2) starting at line 6. */
export const drSpec = (spec: string): string => withSpec('DestinationRule', spec);

/** A DestinationRule whose `trafficPolicy:` is line 7; fragment line k lands on line 7 + k, indented 4. */
export function dr(trafficPolicy: string): string {
  return drSpec(`host: productpage\ntrafficPolicy:\n${indent(trafficPolicy, 2)}`);
}

/** A VirtualService with the given `spec:` body (indented 2) starting at line 6. */
export const vsSpec = (spec: string): string => withSpec('VirtualService', spec);

/** A VirtualService whose first http route is `route`: its first line is line 8, its keys at column 7. */
export function vsRoute(route: string): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: productpage
spec:
  hosts: [bookinfo.example.com]
  http:
    - ${indent(route, 6).trimStart()}
`;
}

/** A VirtualService whose first route's destination ends at line 10; fragment line k lands on line 10 + k, indented 6. */
export function vs(routeFields: string): string {
  return vsRoute(`route:\n  - destination:\n      host: productpage\n${indent(routeFields, 0)}`);
}

export function validateText(text: string): Finding[] {
  return validate(loadPolicyText(text, 'x.yaml'));
}

export function lintText(text: string, opts?: LintOptions): Finding[] {
  return lint(loadPolicyText(text, 'x.yaml'), opts);
}

/** Exactly one finding, with this path, position and message. */
export function assertOne(
  findings: Finding[],
  want: { path: string; line: number; column: number; message: string; severity?: 'error' | 'warning' },
): void {
  assert.is(
    findings.length,
    1,
    `expected one finding, got: ${JSON.stringify(findings.map((f) => `${f.line}:${f.column} ${f.path}: ${f.message}`))}`,
  );
  const [f] = findings;
  assert.is(f.message, want.message);
  assert.is(f.path, want.path);
  assert.is(f.line, want.line, 'line');
  assert.is(f.column, want.column, 'column');
  assert.is(f.severity, want.severity ?? 'error');
  assert.is(f.file, 'x.yaml');
}

export function assertNone(findings: Finding[]): void {
  assert.equal(
    findings.map((f) => `${f.line}:${f.column} ${f.path}: ${f.message}`),
    [],
  );
}
