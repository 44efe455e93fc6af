/**
 * Typed field checks shared by the DestinationRule and VirtualService validators: the CRD
 * schema layer (types, ranges, unknown fields) and Istio's `ValidateDuration`
 * (istio-envoy-semantics.md §7.1). Each check records a finding and returns the value when it
 * has the right type, so callers can go on to the cross-field rules.
 */
import { parseGoDurationNs } from '../util/duration.js';
import { showValue } from '../util/text.js';
import { findingAt, Severity, type Finding } from './findings.js';
import type { FieldPath, PolicyDoc } from './model.js';

export const INT32_MAX = 2_147_483_647;
export const UINT32_MAX = 4_294_967_295;

/** Collects the findings for one document. */
export class Checker {
  readonly findings: Finding[] = [];
  constructor(readonly doc: PolicyDoc) {}

  /** The value as written: `.nan`, `1e400` (which reads as Infinity), a cut string. */
  shown(path: FieldPath, v: unknown): string {
    return showValue(v, typeof v === 'number' ? this.doc.sourceOf?.(path) : undefined);
  }

  error(path: FieldPath, message: string): void {
    this.findings.push(findingAt(this.doc, Severity.error, path, message));
  }
  warn(path: FieldPath, message: string, section?: string): void {
    this.findings.push(findingAt(this.doc, Severity.warning, path, message, section));
  }

  /** A mapping, or undefined (absent or wrong type, the latter reported). */
  object(path: FieldPath, v: unknown, known?: readonly string[]): Record<string, unknown> | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) {
      this.error(path, `expected a mapping, got ${this.shown(path, v)}`);
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
      const near = closest(key, known);
      this.error(
        [...path, key],
        `unknown field${near ? ` (did you mean "${near}"?)` : ''}; expected one of ${known.join(', ')}`,
      );
    }
  }

  list(path: FieldPath, v: unknown): unknown[] | undefined {
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) {
      this.error(path, `expected a list, got ${this.shown(path, v)}`);
      return undefined;
    }
    return v;
  }

  string(path: FieldPath, v: unknown): string | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') {
      this.error(path, `expected a string, got ${this.shown(path, v)}`);
      return undefined;
    }
    return v;
  }

  bool(path: FieldPath, v: unknown): boolean | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') {
      this.error(path, `expected true or false, got ${this.shown(path, v)}`);
      return undefined;
    }
    return v;
  }

  number(path: FieldPath, v: unknown): number | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.error(path, `expected a number, got ${this.shown(path, v)}`);
      return undefined;
    }
    return v;
  }

  /** An integer within [min, max] (the CRD's int32 / uint32 bounds). */
  integer(path: FieldPath, v: unknown, min: number, max: number): number | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      this.error(path, `expected an integer, got ${this.shown(path, v)}`);
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
   * A Duration (§7.1): Go grammar, then Istio's ValidateDuration — at least 1ms and a whole
   * number of milliseconds. `allowZero` for tcp.idleTimeout, where 0s disables the timeout.
   * Returns milliseconds when the duration is acceptable.
   */
  duration(path: FieldPath, v: unknown, opts: { allowZero?: boolean } = {}): number | undefined {
    if (v === undefined || v === null) return undefined;
    const parsed = typeof v === 'string' ? parseGoDurationNs(v) : undefined;
    if (parsed === undefined) {
      this.error(path, `expected a duration like "10s" or "500ms", got ${this.shown(path, v)}`);
      return undefined;
    }
    const ns = Math.round(parsed); // Go parses to whole nanoseconds; undo binary float noise ("1.1s")
    if (ns === 0 && opts.allowZero) return 0;
    if (ns < 1e6) {
      this.error(path, `duration must be greater than 1ms, got ${JSON.stringify(v)}`);
      return undefined;
    }
    if (ns % 1e6 !== 0) {
      this.error(path, `only durations to ms precision are supported, got ${JSON.stringify(v)}`);
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

/** The known name within edit distance 2 of `name` (or extending it), for "did you mean" hints. */
function closest(name: string, known: readonly string[]): string | undefined {
  const extended = known.find((k) => name.length >= 4 && k.toLowerCase().startsWith(name.toLowerCase()));
  if (extended) return extended;
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = editDistance(name.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
