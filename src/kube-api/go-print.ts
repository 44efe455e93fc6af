/**
 * Go's fmt verbs as the apiserver's validation messages use them, for JSON values decoded the
 * way the apiserver decodes a custom resource (integers as int64, other numbers as float64):
 *
 *  - `%v` of an int64: decimal; of a float64: strconv.FormatFloat(f, 'g', -1, 64) — the
 *    shortest digits, in exponent form when the exponent is < -4 or >= 6 ("if precision was
 *    the shortest possible, use precision 6 for this decision", strconv/ftoa.go), so
 *    4294967295.0 prints "4.294967295e+09", 1e6 "1e+06", 100.5 "100.5";
 *  - `%q` of a string: strconv.Quote — JSON's escaping is the same for ", \, \n, \r, \t and
 *    printable text; control characters differ (Go writes \x01, JSON \u0001) [not imitated].
 *
 * JavaScript cannot tell the JSON text "100.0" (a float64 in Go) from "100" (an int64): an
 * integral number is taken as an int64 here — when it fits one. One that does not (1e20) is a
 * float64 in Go: apimachinery util/json decodes a number as `n.Int64()`, else `n.Float64()`.
 */

import { goFloat } from '../policy/fields.js';

/** Whether the apiserver holds this JSON number as an int64 (integral and within int64's range). */
export function isInt64(n: number): boolean {
  return Number.isInteger(n) && n >= -(2 ** 63) && n < 2 ** 63;
}
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** %v of a float64 (strconv 'g', shortest): the validator's own (policy/fields.ts). */
export { goFloat };

/** %v of a number as the apiserver holds it: int64 when integral, else float64. */
export function goNumber(n: number): string {
  return isInt64(n) ? BigInt(n).toString() : goFloat(n);
}

/** The ErrorBody printing of a value: %v for numbers and booleans, %q for strings. */
export function goValue(v: unknown): string {
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number') return goNumber(v);
  if (typeof v === 'boolean') return String(v);
  // %#v of a map or slice: the apiserver never prints those in the messages imitated here
  return JSON.stringify(v);
}
