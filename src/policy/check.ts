/**
 * One call for the `validate` and `lint` verbs: load the files, run validation (and lint),
 * and return a report that echoes what was read. The CLI only prints it and picks the exit
 * code (style.md habit 1: engine as library, CLI as wiring).
 */
import { countBySeverity, formatFindingsGrouped, Severity, sortFindings, type Finding } from './findings.js';
import { escapeControls } from '../util/text.js';
import { unservedIstioKind } from './istio-kinds.js';
import { lint, type LintOptions } from './lint.js';
import { loadPolicies } from './load.js';
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
  findings: Finding[];
  errors: number;
  warnings: number;
}

/** `validate`: every finding of validation. `lint`: validation errors plus lint warnings. */
export async function checkPolicies(paths: string[], opts: { lint?: LintOptions } = {}): Promise<CheckReport> {
  const docs = await loadPolicies(paths);
  return checkDocs(paths, docs, opts);
}

export function checkDocs(inputs: string[], docs: PolicyDoc[], opts: { lint?: LintOptions } = {}): CheckReport {
  // files named one by one form a policy set; files found in a folder may be alternatives
  const named = new Set(inputs.map((p) => resolve(p)));
  const conflicts = policySetConflicts(docs, { sameSet: (file) => named.has(resolve(file)) });
  const validation = sortFindings([...validate(docs), ...conflicts]);
  const findings = opts.lint
    ? sortFindings([...validation.filter((f) => f.severity === Severity.error), ...lint(docs, opts.lint)])
    : validation;
  return { inputs, documents: docs.map(summarize), findings, ...countBySeverity(findings) };
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
    `${plural(checked, 'document')} checked${notChecked ? `, ${notChecked} not checked` : ''}: ` +
      `${plural(r.errors, 'error')}, ${plural(r.warnings, 'warning')}`,
  );
  return escapeControls(lines.join('\n')) + '\n';
}

/** Exit rule of both verbs: any error fails; with `strict`, any warning fails too. */
export function checkFailed(r: CheckReport, strict: boolean): boolean {
  return r.errors > 0 || (strict && r.warnings > 0);
}
