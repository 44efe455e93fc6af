/**
 * `validate(docs)`: Istio's own validation (webhook / `istioctl validate`) plus the CRD schema
 * for the DestinationRule and VirtualService fields meshproof understands
 * (istio-envoy-semantics.md §7). Documents with `checked: false` are skipped (the caller
 * reports them as "not checked"), except a kind or version the networking.istio.io group does
 * not serve: that is an error, as `kubectl apply` would refuse it.
 */
import { Checker } from './fields.js';
import { findingAt, Severity, sortFindings, type Finding } from './findings.js';
import { unservedIstioKind } from './istio-kinds.js';
import type { PolicyDoc } from './model.js';
import { validateDestinationRule } from './validate-dr.js';
import { validateVirtualService } from './validate-vs.js';

const TOP_FIELDS = ['apiVersion', 'kind', 'metadata', 'spec', 'status'] as const;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function validate(docs: PolicyDoc[]): Finding[] {
  return sortFindings([
    ...docs.filter((d) => d.checked).flatMap(validateDoc),
    ...docs.filter((d) => !d.checked).flatMap(unservedKind),
  ]);
}

function unservedKind(doc: PolicyDoc): Finding[] {
  const problem = unservedIstioKind(doc.apiVersion, doc.kind);
  return problem ? [findingAt(doc, Severity.error, [problem.field], problem.message)] : [];
}

function validateDoc(doc: PolicyDoc): Finding[] {
  const c = new Checker(doc);
  c.unknownFields([], doc.object, TOP_FIELDS);
  metadata(c, doc.object.metadata);
  const spec = c.object(['spec'], doc.object.spec);
  if (!spec) {
    if (doc.object.spec === undefined || doc.object.spec === null) c.error([], 'spec is required');
    return c.findings;
  }
  if (doc.kind === 'DestinationRule') validateDestinationRule(c, spec);
  else validateVirtualService(c, spec);
  return c.findings;
}

/** Kubernetes object names: a DNS-1123 subdomain of at most 253 characters. */
function metadata(c: Checker, v: unknown): void {
  const m = c.object(['metadata'], v);
  if (!m) {
    if (v === undefined || v === null) c.error([], 'metadata.name is required');
    return;
  }
  const name = c.string(['metadata', 'name'], m.name);
  if (m.name === undefined) c.error(['metadata'], 'metadata.name is required');
  else if (name !== undefined && (name.length > 253 || !DNS1123_SUBDOMAIN.test(name))) {
    c.error(
      ['metadata', 'name'],
      `${JSON.stringify(name)} is not a valid name (lowercase letters, digits, '-' and '.')`,
    );
  }
  c.string(['metadata', 'namespace'], m.namespace);
}
