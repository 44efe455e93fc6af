/**
 * A custom resource against its CRD's openAPIV3Schema, as kube-apiserver's schema validator
 * does it: k8s.io/kube-openapi pkg/validation/validate (schema.go SchemaValidator, type.go,
 * schema_props.go, object_validator.go, slice_validator.go, validator.go numberValidator and
 * basicCommonValidator), with the messages of pkg/validation/errors/schema.go ("%s in body
 * should be less than or equal to %v", …) and schema_messages.go (oneOf/anyOf/allOf/not).
 * The schema is first converted as apiextensions-apiserver's validation.go
 * ConvertJSONSchemaPropsWithPostProcess does: x-kubernetes-int-or-string is the type list
 * [integer, string], and StripUnsupportedFormatsPostProcess drops every format outside
 * apiextensions' supported list — `int32`, `uint32`, `double`, `binary` go, so no int32 range
 * is enforced from `format` (only `minimum`/`maximum`), while `byte` and `date-time` stay.
 *
 * Per node, the validators run in schema.go's order (type, allOf/oneOf/anyOf/not, string,
 * format, number, slice, enum, object), each only for the kinds it applies to, and every
 * error is kept (Result.AddErrors drops an error whose text is already there).
 *
 * Deviations, each because the real order is not reproducible or not reached by Istio's CRDs:
 *  - properties are visited in the schema's order (Go visits `o.Properties`, a map, in random
 *    order, so a real server lists several errors of one object in varying order);
 *  - a oneOf/anyOf with no valid alternative reports the first failing alternative's errors
 *    (kube-openapi picks the one with the highest MatchCount; Istio's oneOf forms always have
 *    a valid "none set" alternative, so this is not reached by them);
 *  - formats: `byte` (base64.StdEncoding) and `date-time` (RFC 3339) are checked; the other
 *    supported formats (uri, email, ipv4, …) pass unchecked — Istio's CRDs use none of them;
 *  - `pattern` is run as a JavaScript RegExp, not Go's regexp (Istio's CRDs have none).
 *
 * A null property that is not `nullable` was already dropped by the decoder
 * (structuraldefaulting PruneNonNullableNullsWithoutDefaults, run before validation), so it is
 * treated as absent; a null list item is validated (and fails its type).
 */
import { goFloat, goQuote, isInt64 } from './go-print.js';
import type { Obj } from './fields.js';

export type Seg = string | number;

/** errors.Validation's codes that validation.go converts differently, and the composite errors (errors.New). */
export type OpenApiCode =
  | 'invalidType'
  | 'required'
  | 'tooLong'
  | 'enum'
  | 'maxItems'
  | 'tooManyProperties'
  | 'other'
  | 'composite';

export interface OpenApiError {
  code: OpenApiCode;
  /** errors.Validation.Name: the path ("" for a composite error, which has none) */
  name: string;
  value?: unknown;
  /** the limit broken (maxLength, maxItems, maxProperties) */
  limit?: number;
  /** enum's values */
  values?: unknown[];
  message: string;
  /** the node whose validator raised it, for ratcheting */
  at: Seg[];
}

/** apiextensions validation/formats.go supportedFormats, normalised without "-" (go-openapi's naming). */
const SUPPORTED_FORMATS = new Set(
  'bsonobjectid uri email hostname ipv4 ipv6 cidr mac uuid uuid3 uuid4 uuid5 isbn isbn10 isbn13 creditcard ssn hexcolor rgbcolor byte password date duration datetime'.split(
    ' ',
  ),
);

/** Every error of `data` against `schema`, the root's path being "" (kube-openapi names root properties without a dot). */
export function openApiErrors(schema: Obj, data: unknown): OpenApiError[] {
  const out = new Errors();
  validateNode(schema, data, '', [], out);
  return out.list;
}

class Errors {
  readonly list: OpenApiError[] = [];
  add(e: OpenApiError): void {
    if (!this.list.some((x) => x.message === e.message)) this.list.push(e);
  }
  merge(other: Errors): void {
    for (const e of other.list) this.add(e);
  }
}

type Kind = 'null' | 'string' | 'boolean' | 'integer' | 'number' | 'array' | 'object';
function kindOf(v: unknown): Kind {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return isInt64(v) ? 'integer' : 'number';
  return typeof v as 'string' | 'boolean' | 'object';
}

function typesOf(s: Obj): string[] {
  if (s['x-kubernetes-int-or-string']) return ['integer', 'string'];
  return s.type ? [s.type] : [];
}
function formatOf(s: Obj): string {
  const f = typeof s.format === 'string' ? s.format : '';
  return SUPPORTED_FORMATS.has(f.replaceAll('-', '')) ? f : '';
}

const IN = 'in body';
const invalidType = (name: string, typeName: string, value: string, at: Seg[]): OpenApiError => ({
  code: 'invalidType',
  name,
  value,
  message: `${name} ${IN} must be of type ${typeName}: ${goQuote(value)}`,
  at,
});

function validateNode(s: Obj, data: unknown, name: string, at: Seg[], out: Errors): void {
  const kind = kindOf(data);
  if (kind === 'null') {
    typeCheck(s, kind, name, at, out);
    enumCheck(s, data, name, at, out);
    return;
  }
  typeCheck(s, kind, name, at, out);
  schemaProps(s, data, name, at, out);
  if (kind === 'string') {
    stringCheck(s, data as string, name, at, out);
    formatCheck(s, data as string, name, at, out);
  }
  if (kind === 'integer' || kind === 'number') numberCheck(s, data as number, name, at, out);
  if (kind === 'array') sliceCheck(s, data as unknown[], name, at, out);
  enumCheck(s, data, name, at, out);
  if (kind === 'object') objectCheck(s, data as Obj, name, at, out);
}

/** type.go typeValidator (the data's JSON type and go-openapi format: int64 for an integer, float64 for a number). */
function typeCheck(s: Obj, kind: Kind, name: string, at: Seg[], out: Errors): void {
  const types = typesOf(s);
  const format = formatOf(s);
  if (types.length === 0 && !format) return;
  if (kind === 'null') {
    if (types.length > 0 && !types.includes('null') && !s.nullable)
      out.add(invalidType(name, types.join(','), 'null', at));
    return;
  }
  const dataFormat = kind === 'integer' ? 'int64' : kind === 'number' ? 'float64' : '';
  const isIntFloat = kind === 'integer' && types.includes('number');
  if (kind !== 'string' && kind !== 'array' && format && !(types.includes(kind) || dataFormat === format || isIntFloat))
    return out.add(invalidType(name, format, dataFormat, at));
  if (!(types.includes('number') || types.includes('integer')) && format && (kind === 'string' || kind === 'array'))
    return;
  if (!(types.includes(kind) || isIntFloat)) out.add(invalidType(name, types.join(','), kind, at));
}

/** schema_props.go: anyOf, oneOf, allOf, not — each alternative validated at the same path. */
function schemaProps(s: Obj, data: unknown, name: string, at: Seg[], out: Errors): void {
  const run = (sub: Obj) => {
    const r = new Errors();
    validateNode(sub, data, name, at, r);
    return r;
  };
  const composite = (message: string) => out.add({ code: 'composite', name: '', message, at });
  if (Array.isArray(s.anyOf) && s.anyOf.length > 0) {
    const results = (s.anyOf as Obj[]).map(run);
    if (!results.some((r) => r.list.length === 0)) {
      composite(`${goQuote(name)} must validate at least one schema (anyOf)`);
      out.merge(results[0]);
    }
  }
  if (Array.isArray(s.oneOf) && s.oneOf.length > 0) {
    const results = (s.oneOf as Obj[]).map(run);
    const valid = results.filter((r) => r.list.length === 0).length;
    if (valid !== 1) {
      composite(
        `${goQuote(name)} must validate one and only one schema (oneOf). ${valid === 0 ? 'Found none valid' : `Found ${valid} valid alternatives`}`,
      );
      if (valid === 0) out.merge(results[0]);
    }
  }
  if (Array.isArray(s.allOf) && s.allOf.length > 0) {
    const results = (s.allOf as Obj[]).map(run);
    results.forEach((r) => out.merge(r));
    const valid = results.filter((r) => r.list.length === 0).length;
    if (valid !== results.length)
      composite(`${goQuote(name)} must validate all the schemas (allOf)${valid === 0 ? '. None validated' : ''}`);
  }
  if (s.not && typeof s.not === 'object' && run(s.not).list.length === 0)
    composite(`${goQuote(name)} must not validate the schema (not)`);
}

/** stringValidator: maxLength, minLength (in runes, utf8.RuneCountInString), pattern — the first failure only. */
function stringCheck(s: Obj, data: string, name: string, at: Seg[], out: Errors): void {
  const length = [...data].length;
  if (typeof s.maxLength === 'number' && length > s.maxLength)
    return out.add({
      code: 'tooLong',
      name,
      value: data,
      limit: s.maxLength,
      message: `${name} ${IN} should be at most ${s.maxLength} chars long`,
      at,
    });
  if (typeof s.minLength === 'number' && length < s.minLength)
    return out.add({
      code: 'other',
      name,
      value: data,
      message: `${name} ${IN} should be at least ${s.minLength} chars long`,
      at,
    });
  if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(data))
    out.add({ code: 'other', name, value: data, message: `${name} ${IN} should match '${s.pattern}'`, at });
}

/** formatValidator (FormatOf): strfmt's check of a supported format; a failure is InvalidType with the string as value. */
function formatCheck(s: Obj, data: string, name: string, at: Seg[], out: Errors): void {
  const format = formatOf(s);
  const check = FORMAT_CHECKS[format.replaceAll('-', '')];
  if (check && !check(data)) out.add({ ...invalidType(name, format, data, at), value: data });
}
const FORMAT_CHECKS: Record<string, (v: string) => boolean> = {
  // strfmt IsBase64: base64.StdEncoding.DecodeString (padding required; \r and \n are skipped)
  byte: (v) => /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(v.replace(/[\r\n]/g, '')),
  // strfmt IsDateTime: RFC 3339 date-time
  datetime: (v) =>
    /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/.test(v) &&
    !Number.isNaN(Date.parse(v.replace(' ', 'T'))),
};

/** numberValidator: multipleOf, maximum, minimum — MaximumNativeType prints an integer's limit as int64 (%d), a float's as %v. */
function numberCheck(s: Obj, data: number, name: string, at: Seg[], out: Errors): void {
  const isInt = isInt64(data);
  const limit = (v: number) => (isInt ? String(Math.trunc(v)) : goFloat(v));
  const bound = (v: number) => (isInt ? Math.trunc(v) : v);
  if (typeof s.multipleOf === 'number' && s.multipleOf > 0 && (data / s.multipleOf) % 1 !== 0)
    out.add({
      code: 'other',
      name,
      value: data,
      message: `${name} ${IN} should be a multiple of ${goFloat(s.multipleOf)}`,
      at,
    });
  if (typeof s.minimum === 'number') {
    const min = bound(s.minimum);
    if (s.exclusiveMinimum ? data <= min : data < min)
      out.add({
        code: 'other',
        name,
        value: data,
        message: `${name} ${IN} should be greater than ${s.exclusiveMinimum ? '' : 'or equal to '}${limit(s.minimum)}`,
        at,
      });
  }
  if (typeof s.maximum === 'number') {
    const max = bound(s.maximum);
    if (s.exclusiveMaximum ? data >= max : data > max)
      out.add({
        code: 'other',
        name,
        value: data,
        message: `${name} ${IN} should be less than ${s.exclusiveMaximum ? '' : 'or equal to '}${limit(s.maximum)}`,
        at,
      });
  }
}

/** schemaSliceValidator: the items first (`name[i]`), then minItems, maxItems, uniqueItems. */
function sliceCheck(s: Obj, data: unknown[], name: string, at: Seg[], out: Errors): void {
  if (s.items && typeof s.items === 'object' && !Array.isArray(s.items))
    data.forEach((v, i) => validateNode(s.items, v, `${name}[${i}]`, [...at, i], out));
  if (typeof s.minItems === 'number' && data.length < s.minItems)
    out.add(countError('other', name, at, data.length, s.minItems, 'at least', 'items'));
  if (typeof s.maxItems === 'number' && data.length > s.maxItems)
    out.add(countError('maxItems', name, at, data.length, s.maxItems, 'at most', 'items'));
  if (s.uniqueItems && new Set(data.map((v) => JSON.stringify(v))).size !== data.length)
    out.add({ code: 'other', name, message: `${name} ${IN} shouldn't contain duplicates`, at });
}

/** basicCommonValidator: the value must equal one of `enum` (EnumFail keeps the value and the list). */
function enumCheck(s: Obj, data: unknown, name: string, at: Seg[], out: Errors): void {
  if (!Array.isArray(s.enum) || s.enum.length === 0) return;
  if (s.enum.some((e: unknown) => JSON.stringify(e) === JSON.stringify(data))) return;
  const listed = s.enum.map((e: unknown) => (typeof e === 'string' ? e : JSON.stringify(e))).join(' ');
  out.add({
    code: 'enum',
    name,
    value: data,
    values: s.enum,
    message: `${name} ${IN} should be one of [${listed}]`,
    at,
  });
}

/** objectValidator: max/minProperties (alone when broken), undeclared keys, properties, required. */
function objectCheck(s: Obj, data: Obj, name: string, at: Seg[], out: Errors): void {
  const present = (k: string, schema: Obj | undefined) =>
    data[k] !== undefined && (data[k] !== null || schema?.nullable);
  const keys = Object.keys(data).filter((k) => present(k, s.properties?.[k] ?? s.additionalProperties));
  if (typeof s.minProperties === 'number' && keys.length < s.minProperties)
    return out.add(countError('other', name, at, keys.length, s.minProperties, 'at least', 'properties'));
  if (typeof s.maxProperties === 'number' && keys.length > s.maxProperties)
    return out.add(countError('tooManyProperties', name, at, keys.length, s.maxProperties, 'at most', 'properties'));
  const child = (k: string) => (name ? `${name}.${k}` : k);
  const declared = (s.properties ?? {}) as Obj;
  for (const k of keys) {
    if (k in declared) continue;
    if (s.additionalProperties === false)
      out.add({ code: 'other', name, value: k, message: `${name}.${k} ${IN} is a forbidden property`, at });
    else if (s.additionalProperties && typeof s.additionalProperties === 'object')
      validateNode(s.additionalProperties, data[k], `${name}.${k}`, [...at, k], out);
  }
  for (const [k, sub] of Object.entries(declared))
    if (keys.includes(k)) validateNode(sub as Obj, data[k], child(k), [...at, k], out);
  for (const k of (s.required ?? []) as string[])
    if (!keys.includes(k))
      out.add({ code: 'required', name: `${name}.${k}`, message: `${name}.${k} ${IN} is required`, at });
}

/** TooFewItems/TooManyItems/TooFewProperties/TooManyProperties: the count as value, the limit kept. */
function countError(
  code: OpenApiCode,
  name: string,
  at: Seg[],
  count: number,
  limit: number,
  bound: 'at least' | 'at most',
  unit: 'items' | 'properties',
): OpenApiError {
  return { code, name, value: count, limit, message: `${name} ${IN} should have ${bound} ${limit} ${unit}`, at };
}
