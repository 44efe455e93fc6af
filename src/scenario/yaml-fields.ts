/**
 * Typed, positioned access to one YAML document: every value read through a `Fields` knows
 * where it came from, so every complaint reads
 * `scenarios/x.yaml:12:5: load.duration: expected a duration like "30s", got 30`
 * (style.md habit 4). Errors are collected, not thrown, so one run names every mistake.
 */
import { LineCounter, isMap, isScalar, parseDocument, type Document, type Node } from 'yaml';
import { parseTimerMs } from '../util/duration.js';
import { showValue } from '../util/text.js';
import { formatPath, type FieldPath } from '../policy/model.js';
import { MAX_ALIAS_COUNT } from '../policy/load.js';
import { sourceFinder } from '../policy/positions.js';
import { yamlErrorMessage } from '../policy/yaml-errors.js';

export class Fields {
  readonly errors: string[] = [];
  /** the whole document as plain data, aliases and `<<` merge keys resolved */
  private readonly value: unknown;
  private readonly sourceOf: (path: FieldPath) => string | undefined;
  private constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {
    this.sourceOf = sourceFinder(doc);
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
    const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, merge: true });
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

  /** `file:line:col` of the node at `path`, or of its nearest existing ancestor. */
  where(path: FieldPath): string {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? this.doc.contents : (this.doc.getIn(path.slice(0, n), true) as Node | undefined);
      if (node && (node as Node).range) {
        const { line, col } = this.lines.linePos((node as Node).range![0]);
        return `${this.file}:${line}:${col}`;
      }
    }
    return `${this.file}:1:1`;
  }

  fail(path: FieldPath, what: string, where = this.where(path)): undefined {
    this.errors.push(`${where}: ${path.length ? `${formatPath(path)}: ` : ''}${what}`);
    return undefined;
  }

  /** `file:line:col` of the key `path` ends in (for "unknown field"), else of its value. */
  whereKey(path: FieldPath): string {
    const parent = path.length > 1 ? this.doc.getIn(path.slice(0, -1), true) : this.doc.contents;
    if (isMap(parent)) {
      const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === path.at(-1));
      const key = pair?.key as Node | undefined;
      if (key?.range) {
        const { line, col } = this.lines.linePos(key.range[0]);
        return `${this.file}:${line}:${col}`;
      }
    }
    return this.where(path);
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
    if (!isPlainObject(v)) return this.fail(path, `expected a mapping, got ${this.shown(path, v)}`) ?? [];
    const keys = Object.keys(v);
    for (const k of keys) {
      if (!allowed.includes(k))
        this.fail([...path, k], `unknown field (expected one of ${allowed.join(', ')})`, this.whereKey([...path, k]));
    }
    return keys;
  }

  string(path: FieldPath, required = false): string | undefined {
    const v = this.get(path);
    if (v === undefined) return required ? this.fail(path, 'required') : undefined;
    if (typeof v !== 'string') return this.fail(path, `expected a string, got ${this.shown(path, v)}`);
    return v;
  }

  number(
    path: FieldPath,
    opts: { min?: number; max?: number; integer?: boolean; required?: boolean } = {},
  ): number | undefined {
    const v = this.get(path);
    if (v === undefined) return opts.required ? this.fail(path, 'required') : undefined;
    const kind = opts.integer ? 'an integer' : 'a number';
    if (typeof v !== 'number' || !Number.isFinite(v) || (opts.integer && !Number.isInteger(v))) {
      return this.fail(path, `expected ${kind}, got ${this.shown(path, v)}`);
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
    if ('expected' in r) return this.fail(path, `expected ${r.expected}, got ${this.shown(path, v)}`);
    return r.ms;
  }

  stringMap(path: FieldPath): Record<string, string> | undefined {
    const v = this.get(path);
    if (v === undefined) return undefined;
    if (!isPlainObject(v)) return this.fail(path, `expected a mapping of strings, got ${this.shown(path, v)}`);
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(v)) {
      if (typeof x !== 'string') this.fail([...path, k], `expected a string, got ${describe(x)}`);
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
      if (typeof x !== 'string') this.fail([...path, i], `expected a string, got ${describe(x)}`);
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
