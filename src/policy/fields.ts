/**
 * Typed field checks shared by the DestinationRule and VirtualService validators: the CRD
 * schema layer (types, ranges, unknown fields) and Istio's `ValidateDuration`
 * (istio-envoy-semantics.md §7.1). Each check records a finding and returns the value when it
 * has the right type, so callers can go on to the cross-field rules. Type checks and messages
 * are the positioned-YAML reader's (yaml-reader.ts), shared with scenario files.
 */
import { parseGoDurationNsInRange } from '../util/go-duration-range.js';
import { showValue } from '../util/text.js';
import { findingAt, Severity, type Finding } from './findings.js';
import type { FieldPath, PolicyDoc } from './model.js';
import { expectedGot, isKind, unknownFieldMessage } from './yaml-reader.js';

export const INT32_MAX = 2_147_483_647;

/**
 * A float64 as Go's `%v` prints it (strconv.FormatFloat(f, 'g', -1, 64)): the shortest digits,
 * in exponent form when the decimal exponent is below -4 or at least 6 (`eprec = 6` for the
 * shortest form), so 0.00001 → "1e-05", 1234567 → "1.234567e+06", 150 → "150".
 */
export function goFloat(v: number): string {
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mantissa, e] = v.toExponential().split('e');
  const exp = Number(e);
  if (exp < -4 || exp >= 6) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(v);
}
export const UINT32_MAX = 4_294_967_295;

/** Collects the findings for one document. */
export class Checker {
  readonly findings: Finding[] = [];
  constructor(readonly doc: PolicyDoc) {}

  /** The value as written: `.nan`, `1e400` (which reads as Infinity), a cut string. */
  shown(path: FieldPath, v: unknown): string {
    return showValue(v, typeof v === 'number' ? this.doc.sourceOf?.(path) : undefined);
  }

  /** `istio`: Istio's own message, when `message` adds a value or a place to it. */
  error(path: FieldPath, message: string, istio?: string): void {
    this.findings.push(findingAt(this.doc, Severity.error, path, message, undefined, istio));
  }
  /** `istio`: Istio's own warning text, when `message` adds to it. */
  warn(path: FieldPath, message: string, section?: string, istio?: string): void {
    this.findings.push(findingAt(this.doc, Severity.warning, path, message, section, istio));
  }

  /** A mapping, or undefined (absent or wrong type, the latter reported). */
  object(path: FieldPath, v: unknown, known?: readonly string[]): Record<string, unknown> | undefined {
    if (v === undefined || v === null) return undefined;
    if (!isKind('mapping', v)) {
      this.error(path, expectedGot('mapping', this.shown(path, v)));
      return undefined;
    }
    const obj = v as Record<string, unknown>;
    if (known) this.unknownFields(path, obj, known);
    return obj;
  }

  /** Strict field validation (kubectl's default) rejects fields the CRD schema does not define. */
  unknownFields(path: FieldPath, obj: Record<string, unknown>, known: readonly string[]): void {
    for (const key of Object.keys(obj)) {
      if (known.includes(key)) continue;
      this.error([...path, key], unknownFieldMessage(key, known));
    }
  }

  list(path: FieldPath, v: unknown): unknown[] | undefined {
    if (v === undefined || v === null) return undefined;
    if (!isKind('list', v)) {
      this.error(path, expectedGot('list', this.shown(path, v)));
      return undefined;
    }
    return v as unknown[];
  }

  string(path: FieldPath, v: unknown): string | undefined {
    if (v === undefined || v === null) return undefined;
    if (!isKind('string', v)) {
      this.error(path, expectedGot('string', this.shown(path, v)));
      return undefined;
    }
    return v as string;
  }

  bool(path: FieldPath, v: unknown): boolean | undefined {
    if (v === undefined || v === null) return undefined;
    if (!isKind('bool', v)) {
      this.error(path, expectedGot('bool', this.shown(path, v)));
      return undefined;
    }
    return v as boolean;
  }

  number(path: FieldPath, v: unknown): number | undefined {
    if (v === undefined || v === null) return undefined;
    if (!isKind('number', v)) {
      this.error(path, expectedGot('number', this.shown(path, v)));
      return undefined;
    }
    return v as number;
  }

  /** An integer within [min, max] (the CRD's int32 / uint32 bounds). */
  integer(path: FieldPath, v: unknown, min: number, max: number): number | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !isKind('integer', v)) {
      this.error(path, expectedGot('integer', this.shown(path, v)));
      return undefined;
    }
    if (v < min || v > max) {
      this.error(path, `${v} is out of range ${min}..${max}`);
      return undefined;
    }
    return v;
  }

  /** int32 that Istio requires to be ≥ 0, with Istio's own message (§7.2). */
  nonNegative(path: FieldPath, v: unknown, what: string): number | undefined {
    const n = this.integer(path, v, -INT32_MAX - 1, INT32_MAX);
    if (n !== undefined && n < 0) this.error(path, `${what} must be non-negative`);
    return n;
  }

  /** A UInt32Value wrapper: CRD `minimum: 0, maximum: 4294967295`, nullable (§7.2). */
  uint32(path: FieldPath, v: unknown): number | undefined {
    return this.integer(path, v, 0, UINT32_MAX);
  }

  oneOf<T extends string>(path: FieldPath, v: unknown, allowed: readonly T[]): T | undefined {
    const s = this.string(path, v);
    if (s === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(s)) {
      this.error(path, `${JSON.stringify(s)} is not one of ${allowed.join(', ')}`);
      return undefined;
    }
    return s as T;
  }

  /**
   * A Duration (§7.1): Go grammar, then Istio's ValidateDuration (agent/validation.go) — at
   * least 1ms and a whole number of milliseconds. `zeroMsDisables` for tcp.idleTimeout:
   * validateConnectionPool skips the check when `IdleTimeout.AsDuration().Milliseconds() == 0`
   * (0s disables the timeout), and Milliseconds() truncates, so anything under 1ms in size
   * (`500us`, `-0.5ms`) passes too. Returns milliseconds when the duration is acceptable.
   */
  duration(path: FieldPath, v: unknown, opts: { zeroMsDisables?: boolean } = {}): number | undefined {
    if (v === undefined || v === null) return undefined;
    const parsed = typeof v === 'string' ? parseGoDurationNsInRange(v) : undefined;
    if (parsed === undefined) {
      this.error(path, expectedGot('a duration like "10s" or "500ms"', this.shown(path, v)));
      return undefined;
    }
    const ns = Math.round(parsed); // Go parses to whole nanoseconds; undo binary float noise ("1.1s")
    if (opts.zeroMsDisables && Math.trunc(ns / 1e6) === 0) return 0;
    if (ns < 1e6) {
      const istio = 'duration must be greater than 1ms';
      this.error(path, `${istio}, got ${JSON.stringify(v)}`, istio);
      return undefined;
    }
    if (ns % 1e6 !== 0) {
      const istio = 'only durations to ms precision are supported';
      this.error(path, `${istio}, got ${JSON.stringify(v)}`, istio);
      return undefined;
    }
    return ns / 1e6;
  }

  /** int32 percentages (maxEjectionPercent, minHealthPercent): Istio's ValidatePercent (§7.2). */
  percent(path: FieldPath, v: unknown): number | undefined {
    const n = this.integer(path, v, -INT32_MAX - 1, INT32_MAX);
    if (n !== undefined && (n < 0 || n > 100)) {
      this.error(path, `percentage ${n} is not in range 0..100`);
      return undefined;
    }
    return n;
  }
}
