/**
 * The policy side of an experiment, before anything is touched: load the manifests, refuse
 * invalid ones (exit 2, with file:line:col), and collect lint warnings for the report — the
 * traps of istio-envoy-semantics.md that would make the experiment measure something else.
 */
import { relative, isAbsolute } from 'node:path';
import { ConfigError } from '../errors.js';
import type { PolicyDoc } from '../policy/model.js';
import { formatFinding, formatFindingsGrouped, lint, loadPolicies, validate } from '../policy/index.js';
import { policySetConflicts, type ConflictOptions } from '../policy/conflicts.js';
import type { ScenarioPolicy } from '../scenario/scenario.js';

export interface PreparedPolicies {
  docs: PolicyDoc[];
  /** one formatted finding per line (warnings only: errors stop the run) */
  lint: string[];
}

export async function preparePolicies(
  policy: Pick<ScenarioPolicy, 'files'> & { namespace?: string },
): Promise<PreparedPolicies> {
  const docs = await loadPolicies(policy.files.map(displayPath));
  const applicable = docs.filter((d) => d.checked);
  // a typo in kind or apiVersion (kind: DestinationRules, networking.istio.io/v2) is named as such
  const unserved = validate(docs.filter((d) => !d.checked)).filter((f) => f.severity === 'error');
  if (unserved.length) throw new ConfigError(unserved.map(formatFinding).join('\n'));
  for (const d of docs.filter((x) => !x.checked)) {
    throw new ConfigError(
      `${d.file}:${d.line}:${d.column}: ${d.kind} ${d.name}: an experiment applies only DestinationRule and VirtualService objects`,
    );
  }
  if (applicable.length === 0)
    throw new ConfigError(`${policy.files.map(displayPath).join(', ')}: no DestinationRule or VirtualService to apply`);
  const errors = validate(applicable).filter((f) => f.severity === 'error');
  if (errors.length) throw new ConfigError(errors.map(formatFinding).join('\n'));
  refuseConflicts(applicable, { defaultNamespace: policy.namespace });
  const warnings = [...validate(applicable), ...lint(applicable)].filter((f) => f.severity === 'warning');
  return { docs: applicable, lint: formatFindingsGrouped(warnings) };
}

/**
 * Issue 13 item 10: the same object twice, or (local mesh) an object outside the mesh's
 * namespace — exit 2 with file:line:col of both places, before any target is opened or touched.
 * Called again once the target has decided the namespace of objects that name none.
 */
export function refuseConflicts(docs: PolicyDoc[], opts: ConflictOptions): void {
  const conflicts = policySetConflicts(docs, opts);
  if (conflicts.length) throw new ConfigError(conflicts.map(formatFinding).join('\n'));
}

/** Paths under the working directory are shown relative to it, as a user would type them. */
export function displayPath(p: string): string {
  const rel = relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : p;
}
