/**
 * Conflicts inside one policy set (issue 13 item 10), found before anything is applied:
 *
 *  - the same object (kind, namespace, name) twice: `kubectl apply -f` would apply the
 *    second over the first, and a run would snapshot one key but write two bodies — so the
 *    set does not say what is meant. An error at the second document, naming the first.
 *  - on the local mesh, an object outside the mesh's one namespace: Istio interprets a short
 *    `host` in the rule's own namespace (istio.io reference, DestinationRule `host`: "a rule
 *    in namespace X with host reviews means reviews.X.svc.cluster.local"), a service the
 *    local mesh does not have, so the policy would never reach the gateway and the
 *    propagation check would time out with a misleading message. An error at
 *    `metadata.namespace`.
 *
 * A document without `metadata.namespace` lands in the run's namespace (`defaultNamespace`);
 * without one (validate / lint, which know no target) it only matches other such documents.
 */
import { findingAt, Severity, sortFindings, type Finding } from './findings.js';
import type { PolicyDoc } from './model.js';

export interface ConflictOptions {
  /** where documents without metadata.namespace go (the run's namespace); unknown for validate/lint */
  defaultNamespace?: string;
  /** the local mesh's one namespace: every object must be in it */
  onlyNamespace?: string;
  /**
   * which files count as one policy set: duplicates across files are reported only between
   * these (validate/lint: the files named on the command line — a folder often holds
   * alternatives); duplicates within one file always are. Default: every file.
   */
  sameSet?: (file: string) => boolean;
}

export function policySetConflicts(docs: PolicyDoc[], opts: ConflictOptions = {}): Finding[] {
  const findings: Finding[] = [];
  const first = new Map<string, PolicyDoc>();
  const inSet = opts.sameSet ?? (() => true);
  for (const doc of docs.filter((d) => d.checked)) {
    const ns = doc.namespace ?? opts.defaultNamespace;
    const key = `${doc.kind}/${ns ?? ''}/${doc.name}`;
    const earlier = first.get(key);
    if (earlier && (earlier.file === doc.file || (inSet(earlier.file) && inSet(doc.file)))) {
      findings.push(
        findingAt(
          doc,
          Severity.error,
          ['metadata', 'name'],
          `${doc.kind} ${ns ? `${ns}/` : ''}${doc.name} is already defined at ${where(earlier)}: one policy set may name an object once (the later one would silently replace the earlier)`,
        ),
      );
    } else if (!earlier) first.set(key, doc);
    if (opts.onlyNamespace !== undefined && ns !== undefined && ns !== opts.onlyNamespace) {
      findings.push(
        findingAt(
          doc,
          Severity.error,
          ['metadata', 'namespace'],
          `${doc.kind} ${ns}/${doc.name}: the local mesh serves one namespace, "${opts.onlyNamespace}"; an object in "${ns}" would never reach its gateway (set metadata.namespace: ${opts.onlyNamespace}, or run against a cluster)`,
        ),
      );
    }
  }
  return sortFindings(findings);
}

function where(d: PolicyDoc): string {
  const p = d.positionOf(['metadata', 'name']);
  return `${p.file}:${p.line}:${p.column}`;
}
