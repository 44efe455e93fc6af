/**
 * A field.Error of k8s.io/apimachinery (pkg/util/validation/field/errors.go) and how it prints:
 * `Error()` is "<field>: <ErrorBody>"; ErrorBody is the type's text, then the value (omitted for
 * Required, Forbidden, TooLong, Internal and an omitted value), then ": <detail>". A value
 * prints as Go's `%v` for int64/float64/bool and `%q` for strings (the ErrorBody switch); a nil
 * value as `"null"` (the value becomes the string "null" before the switch — newer
 * apimachinery prints a bare `null`; which one a given server prints was not checked [UNV]).
 * A nil *Path prints as "<nil>" (Path.String on nil: the field of the kube-openapi composite
 * errors and of strategy.go's "some validation rules were not checked").
 */
import { goQuote, goValue } from './go-print.js';

/** field.ErrorType values (as the Status cause's `reason`) and their `String()` texts. */
export const FIELD_ERROR_TEXT = {
  FieldValueInvalid: 'Invalid value',
  FieldValueTypeInvalid: 'Invalid value',
  FieldValueRequired: 'Required value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  FieldValueForbidden: 'Forbidden',
  FieldValueDuplicate: 'Duplicate value',
} as const;
export type FieldErrorType = keyof typeof FIELD_ERROR_TEXT;

/** field.OmitValueType: ErrorBody prints no value. */
export const OMIT_VALUE = Symbol('omitValue');

export interface FieldError {
  type: FieldErrorType;
  /** the path as field.Path prints it ("spec.x[0].y", "<nil>" for a nil path) */
  field: string;
  value: unknown;
  detail: string;
}

const NO_VALUE: FieldErrorType[] = ['FieldValueRequired', 'FieldValueForbidden', 'FieldValueTooLong'];

export function errorBody(e: FieldError): string {
  let s: string = FIELD_ERROR_TEXT[e.type];
  if (!NO_VALUE.includes(e.type) && e.value !== OMIT_VALUE)
    s += `: ${e.value === null || e.value === undefined ? goQuote('null') : goValue(e.value)}`;
  return e.detail ? `${s}: ${e.detail}` : s;
}

/** Error(): "<field>: <ErrorBody>". */
export function errorText(e: FieldError): string {
  return `${e.field}: ${errorBody(e)}`;
}

/** apierrors.NewInvalid's causes: Type (serialised as "reason"), ErrorBody as message, Field. */
export function asCause(e: FieldError): { reason: string; message: string; field: string } {
  return { reason: e.type, message: errorBody(e), field: e.field };
}

export const invalidValue = (field: string, value: unknown, detail: string): FieldError => ({
  type: 'FieldValueInvalid',
  field,
  value,
  detail,
});
