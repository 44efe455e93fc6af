/**
 * The one positioned-YAML reader, for policy documents (validate-dr.ts / validate-vs.ts through
 * fields.ts' Checker) and scenario files (src/scenario/) alike: typed access where every value
 * knows where it came from, and one message style for every complaint —
 * `scenarios/x.yaml:12:5: load.duration: expected a duration like "30s", got 30`
 * (style.md habit 4): `file:line:col: path: expected …, got …`, `unknown field (did you mean
 * "x"?); expected one of …`. Positions come from positions.ts. `Fields` collects errors rather
 * than throwing, so one run names every mistake.
 */
import { LineCounter, parseDocument, type Document } from 'yaml';
import { parseTimerMs } from '../util/duration.js';
import { showValue } from '../util/text.js';
import { formatPath, type FieldPath } from './model.js';
import { positionFinder, sourceFinder, type PositionOf } from './positions.js';
import { yamlErrorMessage } from './yaml-errors.js';

/** Alias expansions allowed per document (the yaml package's default): stops "billion laughs" bombs. */
export const MAX_ALIAS_COUNT = 100;

/**
 * Parse options of every YAML file meshproof reads. merge: `<<` merge keys are resolved as
 * kubectl resolves them: sigs.k8s.io/yaml (YAMLToJSON) decodes with its go-yaml v2 fork, whose
 * decode.go `(*decoder).merge` expands `<<: *anchor` with the mapping's own keys winning.
 */
export const YAML_PARSE_OPTIONS = { prettyErrors: false, uniqueKeys: true, merge: true } as const;

/** The value types both readers check, and how a message names each. */
export type ValueKind = 'mapping' | 'list' | 'string' | 'bool' | 'number' | 'integer';
const EXPECTED: Record<ValueKind, string> = {
  mapping: 'a mapping',
  list: 'a list',
  string: 'a string',
  bool: 'true or false',
  number: 'a number',
  integer: 'an integer',
};

/** Whether `v` (present, not null) has the YAML type `kind`; numbers must be finite. */
export function isKind(kind: ValueKind, v: unknown): boolean {
  switch (kind) {
    case 'mapping':
      return isPlainObject(v);
    case 'list':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'bool':
      return typeof v === 'boolean';
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
  }
}

/** `expected a string, got 42`: `kind` is a ValueKind or a phrase of its own ("a duration like …"). */
export function expectedGot(kind: ValueKind | string, shown: string): string {
  return `expected ${EXPECTED[kind as ValueKind] ?? kind}, got ${shown}`;
}

/** The message for a key the schema does not define, with a "did you mean" when one is close. */
export function unknownFieldMessage(key: string, known: readonly string[]): string {
  const near = closest(key, known);
  return `unknown field${near ? ` (did you mean "${near}"?)` : ''}; expected one of ${known.join(', ')}`;
}

/** `file:line:col: path: what` — the one shape of a positioned complaint. */
export function located(where: string, path: FieldPath, what: string): string {
  return `${where}: ${path.length ? `${formatPath(path)}: ` : ''}${what}`;
}

export class Fields {
  readonly errors: string[] = [];
  /** the whole document as plain data, aliases and `<<` merge keys resolved */
  private readonly value: unknown;
  private readonly sourceOf: (path: FieldPath) => string | undefined;
  private readonly valueAt: PositionOf;
  private readonly keyAt: PositionOf;
  private constructor(
    readonly file: string,
    doc: Document,
    lines: LineCounter,
  ) {
    this.sourceOf = sourceFinder(doc);
    this.valueAt = positionFinder(doc, lines, file, 'value');
    this.keyAt = positionFinder(doc, lines, file, 'key');
    try {
      // aliases and `<<` merge keys resolve as kubectl's go-yaml v2 resolves them (decode.go `(*decoder).merge`:
      // the mapping's own keys win); the alias-bomb limit of policy files stays
      this.value = doc.errors.length ? undefined : doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      this.errors.push(`${file}:1:1: invalid YAML: ${(err as Error).message}`);
    }
  }

  /** Parses YAML text; syntax errors become positioned errors and the document is empty. */
  static parse(file: string, text: string): Fields {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, ...YAML_PARSE_OPTIONS });
    const f = new Fields(file, doc, lines);
    for (const e of doc.errors) {
      const { line, col } = lines.linePos(e.pos[0]);
      f.errors.push(`${file}:${line}:${col}: invalid YAML: ${yamlErrorMessage(text, e)}`);
    }
    return f;
  }

  /** A wrong value as written: `.nan`, `1e400` (read as Infinity), a cut string. */
  private shown(path: FieldPath, v: unknown): string {
    return showValue(v, typeof v === 'number' ? this.sourceOf(path) : undefined);
  }

  /** `file:line:col` of the value at `path`, or of its nearest existing ancestor. */
  where(path: FieldPath): string {
    const p = this.valueAt(path);
    return `${p.file}:${p.line}:${p.column}`;
  }

  fail(path: FieldPath, what: string, where = this.where(path)): undefined {
    this.errors.push(located(where, path, what));
    return undefined;
  }

  /** `file:line:col` of the key `path` ends in (for "unknown field"), else as `where`. */
  whereKey(path: FieldPath): string {
    const p = this.keyAt(path);
    return `${p.file}:${p.line}:${p.column}`;
  }

  /** Errors in file order (line, then column), the order a reader scrolls. */
  sortedErrors(): string[] {
    const pos = (e: string) => (/:(\d+):(\d+): /.exec(e) ?? ['', '0', '0']).slice(1).map(Number);
    return [...this.errors].sort((a, b) => {
      const [la, ca] = pos(a);
      const [lb, cb] = pos(b);
      return la - lb || ca - cb;
    });
  }

  /** The plain value at `path` (undefined when absent or null). */
  get(path: FieldPath): unknown {
    let v: unknown = this.value;
    for (const key of path) {
      if (v === null || typeof v !== 'object' || !Object.hasOwn(v, key)) return undefined;
      v = (v as Record<string | number, unknown>)[key];
    }
    return v ?? undefined;
  }

  has(path: FieldPath): boolean {
    return this.get(path) !== undefined;
  }

  /** Keys of the map at `path`; reports unknown keys against `allowed`. */
  keys(path: FieldPath, allowed: readonly string[]): string[] {
    const v = this.get(path);
    if (v === undefined) return [];
    if (!isPlainObject(v)) return this.fail(path, expectedGot('mapping', this.shown(path, v))) ?? [];
    const keys = Object.keys(v);
    for (const k of keys) {
      if (!allowed.includes(k)) this.fail([...path, k], unknownFieldMessage(k, allowed), this.whereKey([...path, k]));
    }
    return keys;
  }

  string(path: FieldPath, required = false): string | undefined {
    const v = this.get(path);
    if (v === undefined) return required ? this.fail(path, 'required') : undefined;
    if (!isKind('string', v)) return this.fail(path, expectedGot('string', this.shown(path, v)));
    if (typeof v !== 'string') return undefined;
    return v;
  }

  number(
    path: FieldPath,
    opts: { min?: number; max?: number; integer?: boolean; required?: boolean } = {},
  ): number | undefined {
    const v = this.get(path);
    if (v === undefined) return opts.required ? this.fail(path, 'required') : undefined;
    const kind = opts.integer ? 'an integer' : 'a number';
    if (typeof v !== 'number' || !isKind('number', v) || (opts.integer && !isKind('integer', v))) {
      return this.fail(path, expectedGot(kind, this.shown(path, v)));
    }
    if (opts.min !== undefined && v < opts.min) return this.fail(path, `expected ${kind} ≥ ${opts.min}, got ${v}`);
    if (opts.max !== undefined && v > opts.max) return this.fail(path, `expected ${kind} ≤ ${opts.max}, got ${v}`);
    return v;
  }

  /**
   * A Go/k6 duration string → ms. Bare numbers are refused: "30" could mean s or ms. Every
   * scenario duration becomes a timer, so it is bounded by Node's timer limit (src/util/duration.ts).
   */
  duration(path: FieldPath, example = '30s', required = false): number | undefined {
    const v = this.get(path);
    if (v === undefined) return required ? this.fail(path, 'required') : undefined;
    const r = parseTimerMs(v, { example });
    if ('expected' in r) return this.fail(path, expectedGot(r.expected, this.shown(path, v)));
    return r.ms;
  }

  stringMap(path: FieldPath): Record<string, string> | undefined {
    const v = this.get(path);
    if (v === undefined) return undefined;
    if (!isPlainObject(v)) return this.fail(path, `expected a mapping of strings, got ${this.shown(path, v)}`);
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(v)) {
      if (typeof x !== 'string') this.fail([...path, k], expectedGot('string', describe(x)));
      else out[k] = x;
    }
    return out;
  }

  /** A list of strings, or a single string taken as a one-element list. */
  stringList(path: FieldPath): string[] | undefined {
    const v = this.get(path);
    if (v === undefined) return undefined;
    const list = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(list)) return this.fail(path, `expected a list of strings, got ${this.shown(path, v)}`);
    const out: string[] = [];
    list.forEach((x, i) => {
      if (typeof x !== 'string') this.fail([...path, i], expectedGot('string', describe(x)));
      else out.push(x);
    });
    return out;
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** How a wrong value is shown in a message: strings quoted and cut, numbers as YAML wrote them, containers named. */
export function describe(v: unknown): string {
  return v === null ? 'null' : showValue(v);
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
