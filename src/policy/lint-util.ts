/**
 * Tolerant accessors for lint: lint runs on documents that may also have validation errors,
 * so it reads values defensively and simply skips what has the wrong type.
 */
import type { FieldPath, PolicyDoc } from './model.js';
import { findingAt, Severity, type Finding } from './findings.js';

export type Obj = Record<string, unknown>;

export function obj(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}
export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
export function present(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/** A lint warning: always cites the semantics section it relies on. */
export function warning(doc: PolicyDoc, rule: string, section: string, path: FieldPath, message: string): Finding {
  return { ...findingAt(doc, Severity.warning, path, message, section), rule };
}

/** Every traffic policy of a DestinationRule with its path: top level, port level, subsets (§0 precedence). */
export function trafficPolicies(spec: Obj): { path: FieldPath; policy: Obj }[] {
  const out: { path: FieldPath; policy: Obj }[] = [];
  const add = (path: FieldPath, v: unknown) => {
    const policy = obj(v);
    if (!policy) return;
    out.push({ path, policy });
    arr(policy.portLevelSettings).forEach((p, i) => {
      const port = obj(p);
      if (port) out.push({ path: [...path, 'portLevelSettings', i], policy: port });
    });
  };
  add(['spec', 'trafficPolicy'], spec.trafficPolicy);
  arr(spec.subsets).forEach((s, i) => add(['spec', 'subsets', i, 'trafficPolicy'], obj(s)?.trafficPolicy));
  return out;
}

/** Kubernetes short-name resolution: "productpage" in namespace ns → "productpage.ns.svc.cluster.local". */
export function fqdn(host: string, namespace: string | undefined): string {
  return host.includes('.') ? host : `${host}.${namespace ?? 'default'}.svc.cluster.local`;
}
