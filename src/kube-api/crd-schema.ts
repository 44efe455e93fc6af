/**
 * Istio's networking CustomResourceDefinitions as the local Kubernetes API uses them: which
 * versions each resource serves, and a check of an object against the version's
 * `openAPIV3Schema` the way the real server's typed conversion does it — SMD's `typed`
 * validation (structured-merge-diff typed/validate.go `doScalar`, and "field not declared in
 * schema" for a struct field the schema does not list):
 *
 *   .spec.trafficPolicy.connectionPool.tcp.maxConnection: field not declared in schema
 *   .spec.trafficPolicy.connectionPool.tcp.maxConnections: expected numeric (int or float), got string
 *
 * What is checked here: properties (undeclared fields, unless
 * x-kubernetes-preserve-unknown-fields), additionalProperties (maps), items (lists), scalar
 * types (string, integer/number, boolean, x-kubernetes-int-or-string) — the typed conversion
 * of server-side apply (500) and the strict decoding of create/update (400, or pruning).
 * The strategy's validation of the object to store — kube-openapi's schema validator (types,
 * enums, oneOf/anyOf/allOf/not, minimum/maximum, maxItems, maxLength, maxProperties,
 * required, the byte and date-time formats) and the x-kubernetes-validations CEL rules, with
 * ratcheting on updates, each 422 Invalid with the real server's causes — is
 * crd-validation.ts (openapi-validator.ts, openapi-field-errors.ts, cel-rules.ts,
 * cel-validator.ts, ratcheting.ts).
 *
 * The CRDs come from a file the user names (`meshproof mesh --crds`, e.g. Istio's
 * `crd-all.gen.yaml`); meshproof ships none.
 */
import fs from 'node:fs';
import YAML from 'yaml';
import { ConfigError } from '../errors.js';
import type { Obj } from './fields.js';

export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema: Obj;
}
export interface Crd {
  plural: string;
  kind: string;
  listKind: string;
  shortNames: string[];
  versions: CrdVersion[];
}
/** The CRDs of DestinationRule and VirtualService, by plural. */
export type CrdSet = Record<string, Crd>;

const PLURALS = ['destinationrules', 'virtualservices'];

/** The DestinationRule and VirtualService CRDs of a YAML file; a ConfigError naming the file when it holds neither. */
export function readCrdFile(file: string): CrdSet {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const out: CrdSet = {};
  for (const doc of YAML.parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new ConfigError(`${file}: invalid YAML: ${doc.errors[0].message}`);
    const crd = doc.toJS() as Obj;
    const plural = crd?.spec?.names?.plural;
    if (crd?.kind !== 'CustomResourceDefinition' || crd?.spec?.group !== 'networking.istio.io') continue;
    if (!PLURALS.includes(plural)) continue;
    out[plural] = {
      plural,
      kind: crd.spec.names.kind,
      listKind: crd.spec.names.listKind,
      shortNames: crd.spec.names.shortNames ?? [],
      versions: (crd.spec.versions ?? []).map((v: Obj) => ({
        name: v.name,
        served: v.served,
        storage: v.storage,
        schema: v.schema?.openAPIV3Schema ?? {},
      })),
    };
  }
  const missing = PLURALS.filter((p) => !out[p]);
  if (missing.length > 0)
    throw new ConfigError(
      `${file}: no CustomResourceDefinition of ${missing.join(' and ')}.networking.istio.io in it (expected Istio's CRDs, e.g. crd-all.gen.yaml)`,
    );
  return out;
}

/** SMD-style errors (`.path: message`) of `obj` against a version's schema; [] when it types. */
export function typeErrors(schema: Obj, obj: Obj): string[] {
  const errors: string[] = [];
  const { metadata: _m, apiVersion: _a, kind: _k, ...rest } = obj;
  walk(schema, rest, '', errors, true);
  return errors;
}

function walk(schema: Obj | undefined, value: unknown, at: string, errors: string[], top = false): void {
  if (!schema || value === null || value === undefined) return;
  if (schema['x-kubernetes-int-or-string']) {
    if (typeof value !== 'string' && !Number.isInteger(value))
      errors.push(`${at}: expected numeric (int or float), got ${goType(value)}`);
    return;
  }
  const type = schema.type ?? (schema.properties ? 'object' : undefined);
  if (type === 'object') {
    if (typeof value !== 'object' || Array.isArray(value))
      return void errors.push(`${at}: expected map, got ${goType(value)}`);
    if (schema['x-kubernetes-preserve-unknown-fields']) return;
    for (const [k, v] of Object.entries(value as Obj)) {
      const child =
        schema.properties?.[k] ??
        (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      if (!child && !(top && k === 'status')) errors.push(`${at}.${k}: field not declared in schema`);
      else walk(child, v, `${at}.${k}`, errors);
    }
  } else if (type === 'array') {
    if (!Array.isArray(value)) return void errors.push(`${at}: expected list, got ${goType(value)}`);
    value.forEach((v, i) => walk(schema.items, v, `${at}[${i}]`, errors));
  } else if (type === 'string') {
    if (typeof value !== 'string') errors.push(`${at}: expected string, got ${goType(value)}`);
  } else if (type === 'integer' || type === 'number') {
    if (typeof value !== 'number') errors.push(`${at}: expected numeric (int or float), got ${goType(value)}`);
  } else if (type === 'boolean') {
    if (typeof value !== 'boolean') errors.push(`${at}: expected boolean, got ${goType(value)}`);
  }
}
function goType(v: unknown): string {
  return typeof v === 'string'
    ? 'string'
    : typeof v === 'boolean'
      ? 'bool'
      : typeof v === 'number'
        ? Number.isInteger(v)
          ? 'int64'
          : 'float64'
        : Array.isArray(v)
          ? '[]interface {}'
          : 'map[string]interface {}';
}
