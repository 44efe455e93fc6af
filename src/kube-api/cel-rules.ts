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
import { parseGoDurationNsInRange } from '../util/go-duration-range.js';
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
      const limit = parseGoDurationNsInRange(m[2] ?? m[3]);
      if (limit === undefined) return undefined;
      return (self) => {
        const ns = typeof self === 'string' ? parseGoDurationNsInRange(self) : undefined;
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
