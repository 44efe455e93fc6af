/**
 * The x-kubernetes-validations rules of Istio's CRDs, recognised by form and evaluated — not a
 * CEL interpreter. The forms (every `rule:` of Istio 1.29.6's networking CRDs; 1.22.8 has none):
 *
 *   duration(self) >= duration('1ms')                         (any of < <= > >= == !=)
 *   (has(self.a) ? 1 : 0) + (has(self.b) ? 1 : 0) <= 1         (any number of terms, any comparison)
 *   !self.contains("*")          self.contains("*")
 *   self.all(key, !key.contains("*"))    self.all(key, key.contains("*"))
 *   self.all(key, key.size() != 0)                            (any comparison with an integer)
 *
 * Semantics from cel-go: `duration(string)` is String.ConvertToType(DurationType) —
 * time.ParseDuration, else the error "type conversion error from 'string' to
 * 'google.protobuf.Duration'" (common/types/string.go); a string's size() counts code points;
 * `has(self.f)` is true when the field is present; `all` on a map ranges over its keys.
 *
 * Any other rule is `undefined` from compileRule: the caller does not evaluate it and says so
 * (cel-validator.ts), it neither passes silently nor fails the write.
 */
import { parseGoDurationNs } from '../util/duration.js';
import type { Obj } from './fields.js';

/** true/false, or the CEL evaluation error's text */
export type RuleResult = boolean | { error: string };
export type CompiledRule = (self: unknown) => RuleResult;

type Op = '<' | '<=' | '>' | '>=' | '==' | '!=';
const OP = '(<=|>=|==|!=|<|>)';
function compare(a: number, op: Op, b: number): boolean {
  return op === '<'
    ? a < b
    : op === '<='
      ? a <= b
      : op === '>'
        ? a > b
        : op === '>='
          ? a >= b
          : op === '=='
            ? a === b
            : a !== b;
}
const STR = `(?:"([^"\\\\]*)"|'([^'\\\\]*)')`;

const FORMS: { re: RegExp; make: (m: RegExpExecArray) => CompiledRule | undefined }[] = [
  {
    re: new RegExp(`^duration\\(self\\) ${OP} duration\\(${STR}\\)$`),
    make: (m) => {
      const limit = goDurationNs(m[2] ?? m[3]);
      if (limit === undefined) return undefined;
      return (self) => {
        const ns = typeof self === 'string' ? goDurationNs(self) : undefined;
        if (ns === undefined) return { error: "type conversion error from 'string' to 'google.protobuf.Duration'" };
        return compare(ns, m[1] as Op, limit);
      };
    },
  },
  {
    re: new RegExp(
      `^(\\(has\\(self\\.\\w+\\) \\? 1 : 0\\)(?: \\+ \\(has\\(self\\.\\w+\\) \\? 1 : 0\\))*) ${OP} (\\d+)$`,
    ),
    make: (m) => {
      const fields = [...m[1].matchAll(/has\(self\.(\w+)\)/g)].map((x) => x[1]);
      return (self) => {
        const o = (self ?? {}) as Obj;
        const count = fields.filter((f) => o[f] !== undefined && o[f] !== null).length;
        return compare(count, m[2] as Op, Number(m[3]));
      };
    },
  },
  {
    re: new RegExp(`^(!?)self\\.contains\\(${STR}\\)$`),
    make: (m) => (self) => String(self).includes(m[2] ?? m[3]) !== (m[1] === '!'),
  },
  {
    re: new RegExp(`^self\\.all\\((\\w+), (!?)\\1\\.contains\\(${STR}\\)\\)$`),
    make: (m) => (self) => Object.keys((self ?? {}) as Obj).every((k) => k.includes(m[3] ?? m[4]) !== (m[2] === '!')),
  },
  {
    re: new RegExp(`^self\\.all\\((\\w+), \\1\\.size\\(\\) ${OP} (\\d+)\\)$`),
    make: (m) => (self) =>
      Object.keys((self ?? {}) as Obj).every((k) => compare([...k].length, m[2] as Op, Number(m[3]))),
  },
];

/** The rule as an evaluator, or undefined when it is none of the recognised forms. */
export function compileRule(rule: string): CompiledRule | undefined {
  const text = rule.trim().replace(/\s+/g, ' ');
  for (const form of FORMS) {
    const m = form.re.exec(text);
    if (m) return form.make(m);
  }
  return undefined;
}

/**
 * time.ParseDuration in nanoseconds; undefined where Go errors, including beyond int64
 * ("invalid duration"). The range is decided in exact integers as Go's uint64 sum does it
 * (-2^63 ns is valid, 2^63 ns is not); a float sum cannot tell 2^63 − 1 from 2^63.
 */
function goDurationNs(text: string): number | undefined {
  const ns = parseGoDurationNs(text);
  if (ns === undefined) return undefined;
  const exact = exactGoDurationNs(text);
  return exact === undefined || exact > (text.startsWith('-') ? 2n ** 63n : 2n ** 63n - 1n) ? undefined : ns;
}

const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n,
  μs: 1000n,
  ms: 10n ** 6n,
  s: 10n ** 9n,
  m: 60n * 10n ** 9n,
  h: 3600n * 10n ** 9n,
};

/**
 * The magnitude time.ParseDuration sums (Go time/format.go ParseDuration: each integer part
 * times its unit exactly, plus `uint64(float64(f) * (float64(unit) / scale))` for its
 * fraction); undefined when a part overflows (leadingInt past 2^63, `v > 1<<63/unit`). The
 * text is already known to be a duration (parseGoDurationNs).
 */
function exactGoDurationNs(text: string): bigint | undefined {
  let total = 0n;
  for (const [, int, frac = '', unit] of text
    .replace(/^[+-]/, '')
    .matchAll(/(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/g)) {
    const v = BigInt(int || '0');
    if (v > 2n ** 63n || v > 2n ** 63n / UNIT_NS[unit]) return undefined;
    // leadingFraction keeps the digits while f fits (at most 18 here), and scales by as many
    const digits = frac.slice(0, 18);
    const f = digits ? Number(digits) * (Number(UNIT_NS[unit]) / 10 ** digits.length) : 0;
    total += v * UNIT_NS[unit] + BigInt(Math.trunc(f));
  }
  return total;
}
