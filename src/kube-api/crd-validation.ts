/**
 * The custom resource strategy's validation of the object to store (apiextensions-apiserver
 * pkg/registry/customresource strategy.go Validate / ValidateUpdate, validator.go): after the
 * type and metadata checks (`lead`, object-meta.ts), the openAPIV3Schema (validation.go
 * ValidateCustomResource, or ValidateCustomResourceUpdate with ratcheting when there is an old
 * object), then — only when the schema has x-kubernetes-validations at all — the CEL rules,
 * unless an earlier error is "blocking" (hasBlockingErr: NotSupported, Required, TooLong,
 * TooMany or TypeInvalid), in which case one more error stands in for them:
 * `<nil>: Invalid value: "null": some validation rules were not checked because the object
 * was invalid; correct the existing errors to complete validation`.
 */
import { celErrors, hasRules } from './cel-validator.js';
import { invalidValue, type FieldError } from './field-error.js';
import type { Obj } from './fields.js';
import { NIL_PATH, toFieldError } from './openapi-field-errors.js';
import { openApiErrors } from './openapi-validator.js';
import { unchangedAt } from './ratcheting.js';

const BLOCKING = [
  'FieldValueNotSupported',
  'FieldValueRequired',
  'FieldValueTooLong',
  'FieldValueTooMany',
  'FieldValueTypeInvalid',
];

export interface SchemaOutcome {
  errors: FieldError[];
  /** `Warning` headers: ratcheted rule failures, rules not evaluated */
  warnings: string[];
}

/**
 * The schema's and the rules' errors of `obj`; `old` is the stored object on an update (patch,
 * apply to an existing object), undefined on a create. `leadReasons` are the reasons of the
 * causes found before (they count for hasBlockingErr).
 */
export function schemaErrors(schema: Obj, obj: Obj, old: Obj | undefined, leadReasons: string[]): SchemaOutcome {
  const errors = openApiErrors(schema, obj)
    .filter((e) => old === undefined || !unchangedAt(obj, old, e.at))
    .map(toFieldError);
  if (!hasRules(schema)) return { errors, warnings: [] };
  if ([...leadReasons, ...errors.map((e) => e.type)].some((t) => BLOCKING.includes(t)))
    return {
      errors: [
        ...errors,
        invalidValue(
          NIL_PATH,
          null,
          'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
        ),
      ],
      warnings: [],
    };
  const cel = celErrors(schema, obj, old);
  return { errors: [...errors, ...cel.errors], warnings: cel.warnings };
}
