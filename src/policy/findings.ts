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
  /** the docs/istio-envoy-semantics.md section the finding relies on, e.g. "§4.1" (lint cites one) */
  section?: string;
  /** lint rule id, e.g. "no-pending-limit" (lint findings only) */
  rule?: string;
  /**
   * Istio's own wording of this error where meshproof's message adds to it (a value, a place):
   * what the local Kubernetes API's webhook denial says, as istiod would (kube-api/validation.ts).
   */
  istio?: string;
}

/**
 * The document findings cite, by its place in the package (package.json "files"): the path
 * resolves from an install (`node_modules/meshproof/docs/…`) as well as from a checkout.
 */
export const SEMANTICS_DOC = 'docs/istio-envoy-semantics.md';

/** One finding per line: `file:line:col: severity: path: message (see docs/istio-envoy-semantics.md §N)`. */
export function formatFinding(f: Finding): string {
  const where = `${f.file}:${f.line}:${f.column}`;
  const what = f.path === '' ? f.message : `${f.path}: ${f.message}`;
  const cite = f.section ? ` (see ${SEMANTICS_DOC} ${f.section})` : '';
  return escapeControls(`${where}: ${f.severity}: ${what}${cite}`);
}

/** How many findings of one kind print in full before the rest are summed up in one line. */
export const REPEATS_SHOWN = 3;
/** How many further places the summary line names. */
const MORE_PLACES_NAMED = 5;

/**
 * Findings as lines, repeated ones grouped (issue 13 item 21): a policy set with 10,000 routes
 * gives 10,000 identical "no retries block" warnings. Findings of one file with the same
 * severity, rule and message print the first REPEATS_SHOWN times in full; the rest become one
 * line counting them and naming the next few places. Order is kept (sorted input stays sorted);
 * `--json` still lists every finding.
 */
export function formatFindingsGrouped(findings: Finding[]): string[] {
  const keyOf = (f: Finding) => JSON.stringify([f.file, f.severity, f.rule ?? '', f.section ?? '', f.message]);
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = keyOf(f);
    const g = groups.get(key);
    if (g) g.push(f);
    else groups.set(key, [f]);
  }
  const seen = new Map<string, number>();
  const out: string[] = [];
  for (const f of findings) {
    const key = keyOf(f);
    const g = groups.get(key)!;
    const i = seen.get(key) ?? 0;
    seen.set(key, i + 1);
    if (g.length <= REPEATS_SHOWN || i < REPEATS_SHOWN) out.push(formatFinding(f));
    else if (i === REPEATS_SHOWN) out.push(summaryLine(f, g.slice(REPEATS_SHOWN)));
  }
  return out;
}

/** "… the same warning (rule) at 9,997 more places: 24:7 spec.http[3], … (--json lists every one)" */
function summaryLine(first: Finding, rest: Finding[]): string {
  const places = rest.slice(0, MORE_PLACES_NAMED).map((x) => `${x.line}:${x.column}${x.path ? ` ${x.path}` : ''}`);
  const more = rest.length > MORE_PLACES_NAMED ? ', …' : '';
  const what = `the same ${first.severity}${first.rule ? ` (${first.rule})` : ''}`;
  const count = `${rest.length.toLocaleString('en-US')} more place${rest.length === 1 ? '' : 's'}`;
  return escapeControls(
    `${first.file}:${first.line}:${first.column}: ${first.severity}: ${what} at ${count}: ${places.join(', ')}${more} (--json lists every one)`,
  );
}

/** A finding about the node at `path` of `doc` (or its nearest existing ancestor). */
export function findingAt(
  doc: PolicyDoc,
  severity: Severity,
  path: FieldPath,
  message: string,
  section?: string,
  istio?: string,
): Finding {
  const pos = doc.positionOf(path);
  const f: Finding = { severity, file: pos.file, line: pos.line, column: pos.column, path: formatPath(path), message };
  if (section) f.section = section;
  if (istio !== undefined && istio !== message) f.istio = istio;
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
