/**
 * `lint(docs, { replicas })`: warnings for the traps users keep hitting with Istio resilience
 * policies (design.md "Policy model"). Each warning cites its istio-envoy-semantics.md section
 * and says what will be observed. Lint never reports errors: that is validate's job.
 */
import { sortFindings, type Finding } from './findings.js';
import type { PolicyDoc } from './model.js';
import { lintDestinationRule } from './lint-dr.js';
import { arr, fqdn, obj, str } from './lint-util.js';
import { lintVirtualService, type SubsetIndex } from './lint-vs.js';

export interface LintOptions {
  /** proxy replicas the limits apply to; prints "effective limit = limit × N" (§0) */
  replicas?: number;
}

export function lint(docs: PolicyDoc[], opts: LintOptions = {}): Finding[] {
  const checked = docs.filter((d) => d.checked);
  const subsets = subsetIndex(checked);
  const out: Finding[] = [];
  for (const doc of checked) {
    const spec = obj(doc.object.spec);
    if (!spec) continue;
    if (doc.kind === 'DestinationRule') out.push(...lintDestinationRule(doc, spec, opts));
    else out.push(...lintVirtualService(doc, spec, subsets));
  }
  return sortFindings(out);
}

function subsetIndex(docs: PolicyDoc[]): SubsetIndex {
  const index: SubsetIndex = new Map();
  for (const doc of docs) {
    if (doc.kind !== 'DestinationRule') continue;
    const spec = obj(doc.object.spec);
    const host = str(spec?.host);
    if (!spec || !host) continue;
    const key = fqdn(host, doc.namespace);
    const names = index.get(key) ?? new Set<string>();
    for (const s of arr(spec.subsets)) {
      const name = str(obj(s)?.name);
      if (name) names.add(name);
    }
    index.set(key, names);
  }
  return index;
}
