/**
 * Findings: what validation and lint say about a document, each pinned to file:line:col and
 * a field path, printed the way compilers print diagnostics so editors can jump to them:
 * `policies/x.yaml:12:9: error: spec.http[0].retries.retryOn: " reset" is not a valid retryOn policy`.
 */
import { escapeControls } from '../util/text.js';
import { formatPath, type FieldPath, type PolicyDoc } from './model.js';

export const Severity = { error: 'error', warning: 'warning' } as const;
export type Severity = (typeof Severity)[keyof typeof Severity];

export interface Finding {
  severity: Severity;
  file: string;
  /** 1-based */
  line: number;
  /** 1-based */
  column: number;
  /** "spec.http[0].retries.retryOn"; '' for the document as a whole */
  path: string;
  message: string;
  /** the istio-envoy-semantics.md section the finding relies on, e.g. "§4.1" (lint cites one) */
  section?: string;
  /** lint rule id, e.g. "no-pending-limit" (lint findings only) */
  rule?: string;
}

/** One finding per line: `file:line:col: severity: path: message (see §N)`. */
export function formatFinding(f: Finding): string {
  const where = `${f.file}:${f.line}:${f.column}`;
  const what = f.path === '' ? f.message : `${f.path}: ${f.message}`;
  const cite = f.section ? ` (see istio-envoy-semantics.md ${f.section})` : '';
  return escapeControls(`${where}: ${f.severity}: ${what}${cite}`);
}

/** A finding about the node at `path` of `doc` (or its nearest existing ancestor). */
export function findingAt(doc: PolicyDoc, severity: Severity, path: FieldPath, message: string, section?: string): Finding {
  const pos = doc.positionOf(path);
  const f: Finding = { severity, file: pos.file, line: pos.line, column: pos.column, path: formatPath(path), message };
  if (section) f.section = section;
  return f;
}

/** File order, then position: the order a reader scrolls through the files. */
export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.column - b.column,
  );
}

export function countBySeverity(findings: Finding[]): { errors: number; warnings: number } {
  let errors = 0;
  for (const f of findings) if (f.severity === Severity.error) errors++;
  return { errors, warnings: findings.length - errors };
}
