/**
 * kube-openapi's errors as field errors: apiextensions-apiserver pkg/apiserver/validation
 * validation.go kubeOpenAPIResultToFieldErrors. The field is the error's Name without its
 * leading "." ; Required → field.Required ("Required value"), an enum → field.NotSupported
 * (`Unsupported value: "X": supported values: "A", "B"`), maxLength → field.TooLongMaxLength
 * ("Too long: may not be more than 63 bytes"), maxItems and maxProperties → field.TooMany
 * ("Too many: 5: must have at most 4 items"), a type → field.TypeInvalid, every other
 * *Validation → field.Invalid with the kube-openapi text as detail
 * (`Invalid value: 101: spec.x in body should be less than or equal to 100`), and a composite
 * error (oneOf/anyOf/allOf/not: errors.New, not a *Validation) → field.Invalid at the nil path
 * with value "" (`<nil>: Invalid value: "": "spec.x" must validate one and only one schema (oneOf). Found 2 valid alternatives`).
 *
 * The TooLong and TooMany texts are apimachinery field/errors.go's (TooLongMaxLength "may not
 * be more than %d bytes", TooMany "must have at most %d items", singular for 1) as of the
 * versions read; older apiservers worded TooLong "must have at most %d bytes" [UNV].
 */
import { goQuote } from './go-print.js';
import type { FieldError } from './field-error.js';
import type { OpenApiError } from './openapi-validator.js';

export const NIL_PATH = '<nil>';

export function toFieldError(e: OpenApiError): FieldError {
  const field = e.name && e.name !== '.' ? e.name.replace(/^\./, '') : NIL_PATH;
  const value = e.value ?? '';
  const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);
  switch (e.code) {
    case 'required':
      return { type: 'FieldValueRequired', field, value: undefined, detail: '' };
    case 'enum': {
      const listed = (e.values ?? []).map((v) => goQuote(typeof v === 'string' ? v : JSON.stringify(v)));
      return { type: 'FieldValueNotSupported', field, value, detail: `supported values: ${listed.join(', ')}` };
    }
    case 'tooLong':
      return {
        type: 'FieldValueTooLong',
        field,
        value,
        detail: `may not be more than ${e.limit} ${plural(e.limit ?? 0, 'byte', 'bytes')}`,
      };
    case 'maxItems':
    case 'tooManyProperties':
      return {
        type: 'FieldValueTooMany',
        field,
        value,
        detail: `must have at most ${e.limit} ${plural(e.limit ?? 0, 'item', 'items')}`,
      };
    case 'invalidType':
      return { type: 'FieldValueTypeInvalid', field, value, detail: e.message };
    case 'composite':
      return { type: 'FieldValueInvalid', field: NIL_PATH, value: '', detail: e.message };
    default:
      return { type: 'FieldValueInvalid', field, value, detail: e.message };
  }
}
