/**
 * One call for the `validate` and `lint` verbs: load the files, run validation (and lint),
 * and return a report that echoes what was read. The CLI only prints it and picks the exit
 * code (style.md habit 1: engine as library, CLI as wiring).
 */
import { countBySeverity, formatFindingsGrouped, Severity, sortFindings, type Finding } from './findings.js';
import { escapeControls } from '../util/text.js';
import { unservedIstioKind } from './istio-kinds.js';
import { lint, type LintOptions } from './lint.js';
import { loadPolicyFiles, type YamlErrorPlace } from './load.js';
import type { PolicyDoc } from './model.js';
import { validate } from './validate.js';
import { policySetConflicts } from './conflicts.js';
import { resolve } from 'node:path';

export interface DocumentSummary {
  file: string;
  line: number;
  column: number;
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  checked: boolean;
}

export interface CheckReport {
  /** the paths as given */
  inputs: string[];
  documents: DocumentSummary[];
  /** files that could not be read or parsed: each has its error findings, the rest were checked */
  unreadable: string[];
  findings: Finding[];
  errors: number;
  warnings: number;
}

/** `validate`: every finding of validation. `lint`: validation errors plus lint warnings. */
export async function checkPolicies(paths: string[], opts: { lint?: LintOptions } = {}): Promise<CheckReport> {
  const { docs, unreadable } = await loadPolicyFiles(paths);
  const report = checkDocs(paths, docs, opts);
  if (unreadable.length === 0) return report;
  // a file that does not parse is an error finding of its own; the other files are still checked
  const findings = sortFindings([
    ...unreadable.flatMap(({ file, error }) => loadFindings(file, error)),
    ...report.findings,
  ]);
  return { ...report, unreadable: unreadable.map((u) => u.file), findings, ...countBySeverity(findings) };
}

/**
 * A file's load error as findings: each YAML error at its place (all of them, not only the
 * first ten the message lists: load.ts syntaxError), else one per line of the message —
 * `file:line:col: what` keeps its place; a line without one (`file: permission denied`) is
 * pinned to 1:1.
 */
function loadFindings(file: string, error: Error): Finding[] {
  const places = (error as { places?: YamlErrorPlace[] }).places;
  if (places)
    return places.map((p) => ({
      severity: Severity.error,
      file,
      line: p.line,
      column: p.column,
      path: '',
      message: p.message,
    }));
  return error.message.split('\n').map((line) => {
    const rest = line.startsWith(`${file}:`) ? line.slice(file.length + 1) : line;
    const at = /^(\d+):(\d+): ([\s\S]*)$/.exec(rest);
    return {
      severity: Severity.error,
      file,
      line: at ? Number(at[1]) : 1,
      column: at ? Number(at[2]) : 1,
      path: '',
      message: (at ? at[3] : rest).trim(),
    };
  });
}

export function checkDocs(inputs: string[], docs: PolicyDoc[], opts: { lint?: LintOptions } = {}): CheckReport {
  // files named one by one form a policy set; files found in a folder may be alternatives
  const named = new Set(inputs.map((p) => resolve(p)));
  const conflicts = policySetConflicts(docs, { sameSet: (file) => named.has(resolve(file)) });
  const validation = sortFindings([...validate(docs), ...conflicts]);
  const findings = opts.lint
    ? sortFindings([...validation.filter((f) => f.severity === Severity.error), ...lint(docs, opts.lint)])
    : validation;
  return { inputs, documents: docs.map(summarize), unreadable: [], findings, ...countBySeverity(findings) };
}

function summarize(d: PolicyDoc): DocumentSummary {
  const s: DocumentSummary = {
    file: d.file,
    line: d.line,
    column: d.column,
    apiVersion: d.apiVersion,
    kind: d.kind,
    name: d.name,
    checked: d.checked,
  };
  if (d.namespace !== undefined) s.namespace = d.namespace;
  return s;
}

/** The human report: findings, "not checked" notes, one summary line. */
export function formatCheckReport(r: CheckReport): string {
  const lines = formatFindingsGrouped(r.findings);
  // a kind or version networking.istio.io does not serve already has its error above
  for (const d of r.documents.filter((x) => !x.checked && !unservedIstioKind(x.apiVersion, x.kind))) {
    lines.push(
      `${d.file}:${d.line}:${d.column}: note: ${d.kind} ${JSON.stringify(d.name)} (${d.apiVersion}) not checked: ` +
        'meshproof checks DestinationRule and VirtualService of networking.istio.io v1, v1beta1 and v1alpha3',
    );
  }
  const checked = r.documents.filter((d) => d.checked).length;
  const notChecked = r.documents.length - checked;
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  lines.push(
    `${plural(checked, 'document')} checked${notChecked ? `, ${notChecked} not checked` : ''}` +
      `${r.unreadable.length ? `, ${plural(r.unreadable.length, 'file')} not parsed` : ''}: ` +
      `${plural(r.errors, 'error')}, ${plural(r.warnings, 'warning')}`,
  );
  return escapeControls(lines.join('\n')) + '\n';
}

/** Exit rule of both verbs: any error fails; with `strict`, any warning fails too. */
export function checkFailed(r: CheckReport, strict: boolean): boolean {
  return r.errors > 0 || (strict && r.warnings > 0);
}
