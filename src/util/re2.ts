/**
 * RE2 → JavaScript: the one translator of Istio's regexes (VirtualService `regex` string
 * matches, `uriRegexRewrite.match`, CORS origins). Istio's webhook compiles them with Go's
 * `regexp.Compile` (validation.go `validateStringRegexp`); Envoy matches them with RE2
 * (`CompiledGoogleReMatcher::match` = `re2::RE2::FullMatch`, source/common/common/regex.h).
 * Both parse the same dialect; this module ports Go's parser (regexp/syntax/parse.go: `parse`,
 * `parsePerlFlags`, `parseEscape`, `parseClass`, `parseUnicodeClass`, `parseNamedClass`,
 * `repeat`, `repeatIsValid`; perl_groups.go) token by token and writes a JavaScript regex that
 * matches what RE2 matches, or throws {@link Re2SyntaxError} in Go's words where RE2 refuses.
 *
 * What the JavaScript side is, and why:
 * - Always the `u` flag: RE2 matches UTF-8 code points, so `.` and `[^a]` take one code point
 *   (a non-BMP character is one `.`); JavaScript without `u` would take half a surrogate pair.
 *   `u` also gives `\p{…}` and Unicode simple case folding under `i` (RE2 folds `k` with the
 *   Kelvin sign U+212A and `s` with ſ U+017F; JavaScript without `u` does not).
 * - Node 20 has no inline modifiers, so flags are written out: `.` is `[^\n]` (RE2's `.` only
 *   stops at `\n`; JavaScript's `.` also at `\r`, U+2028, U+2029) or `[^]` under `s`; `^`/`$`
 *   under `m` are look-arounds on `\n` only; `U` swaps each quantifier's greediness; a scoped
 *   `i` expands letters to their case orbit (`k` → `[Kk\u{212a}]`) and folds class ranges.
 *   When every case-sensitive atom of the pattern is under `i`, the literals stay as written
 *   and the JavaScript `i` flag does the folding.
 * - Classes (`\d \s \w`, POSIX `[[:alpha:]]`, negations, ranges) become explicit code point
 *   ranges: RE2's are ASCII (`\s` is `[\t\n\f\r ]`, not JavaScript's Unicode `\s`).
 *
 * Checked against a real RE2 (Debian's libre2 20220601) by `tools/re2-differential.ts`: the
 * table of tests/util/fixtures/re2-table.ts and random patterns × inputs agree, except where
 * Go (Istio's webhook) and that RE2 differ: `(?<name>…)` (RE2 ≥ 2023, Go ≥ 1.22) and `\C`
 * (RE2 takes any byte; Go refuses it, so validation does and so does the mesh).
 *
 * Not ported [INF]: Go's size limits (`expression too large`, `expression nests too deeply`)
 * and RE2's program-size limit that Envoy applies at load; Go ≥ 1.25's loose `\p{…}` names
 * (`\p{greek}`, `\p{Letter}`): only the exact category and script names older Go (and RE2)
 * accept, plus `Any`; the Unicode version of categories and scripts is Node's, not Go's. Case
 * orbits come from `toLowerCase`/`toUpperCase` filtered by JavaScript's simple case folding
 * (`/x/iu`), which is the CaseFolding.txt relation RE2 and Go use. Under a scoped `i`,
 * `\p{…}` becomes explicit ranges, folded, then negated if `\P` (about 0.1 s per property, once);
 * under a whole-pattern `i` JavaScript folds it.
 */

/** regexp/syntax ErrorCode, in Go's words. */
export type Re2ErrorCode =
  | 'invalid character class'
  | 'invalid character class range'
  | 'invalid escape sequence'
  | 'invalid named capture'
  | 'invalid or unsupported Perl syntax'
  | 'invalid nested repetition operator'
  | 'invalid repeat count'
  | 'invalid UTF-8'
  | 'missing closing ]'
  | 'missing closing )'
  | 'missing argument to repetition operator'
  | 'trailing backslash at end of expression'
  | 'unexpected )';

/** Go's `*syntax.Error`: "error parsing regexp: <code>: `<expr>`". */
export class Re2SyntaxError extends Error {
  constructor(
    readonly code: Re2ErrorCode,
    readonly expr: string,
  ) {
    super(`error parsing regexp: ${code}: \`${expr}\``);
    this.name = 'Re2SyntaxError';
  }
}

export interface Re2Translation {
  /** JavaScript pattern source (to be compiled with `flags`) */
  source: string;
  /** `u`, or `iu` when one `i` covers the whole pattern */
  flags: string;
  /** name of capture group n at index n-1 (`(?P<n>…)`, `(?<n>…)`); undefined for unnamed */
  groupNames: (string | undefined)[];
}

const MAX_RUNE = 0x10ffff;
/** parse.go maxRepeat */
const MAX_REPEAT = 1000;
type Range = [number, number];
interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  U: boolean;
}

// perl_groups.go
const DIGIT: Range[] = [[0x30, 0x39]];
const WORD: Range[] = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];
const SPACE: Range[] = [
  [0x09, 0x0a],
  [0x0c, 0x0d],
  [0x20, 0x20],
];
const PERL: Record<string, Range[]> = { d: DIGIT, s: SPACE, w: WORD };
const POSIX: Record<string, Range[]> = {
  alnum: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  alpha: [
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  ascii: [[0x00, 0x7f]],
  blank: [
    [0x09, 0x09],
    [0x20, 0x20],
  ],
  cntrl: [
    [0x00, 0x1f],
    [0x7f, 0x7f],
  ],
  digit: DIGIT,
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [
    [0x21, 0x2f],
    [0x3a, 0x40],
    [0x5b, 0x60],
    [0x7b, 0x7e],
  ],
  space: [
    [0x09, 0x0d],
    [0x20, 0x20],
  ],
  upper: [[0x41, 0x5a]],
  word: WORD,
  xdigit: [
    [0x30, 0x39],
    [0x41, 0x46],
    [0x61, 0x66],
  ],
};
/** Go's unicode.Categories keys (exact names, as RE2 and Go before 1.25 accept them). */
const CATEGORIES = new Set(
  'C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs'.split(' '),
);

/** Sorted, merged ranges (parse.go cleanClass). */
function clean(rs: Range[]): Range[] {
  const sorted = [...rs].sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const out: Range[] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

/** parse.go negateClass over 0..MaxRune. */
function negate(rs: Range[]): Range[] {
  const out: Range[] = [];
  let next = 0;
  for (const [lo, hi] of clean(rs)) {
    if (next <= lo - 1) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_RUNE) out.push([next, MAX_RUNE]);
  return out;
}

let orbits: Map<number, number[]> | undefined;
/** Code point → its other case-fold equivalents (Go unicode.SimpleFold orbit), built once. */
function foldOrbits(): Map<number, number[]> {
  if (orbits) return orbits;
  const groups = new Map<number, Set<number>>();
  const join = (a: number, b: number) => {
    const ga = groups.get(a) ?? new Set([a]);
    const gb = groups.get(b) ?? new Set([b]);
    if (ga === gb) return;
    for (const x of gb) ga.add(x);
    for (const x of ga) groups.set(x, ga);
  };
  const single = (s: string) => {
    const cp = s.codePointAt(0)!;
    return s.length === String.fromCodePoint(cp).length ? cp : undefined;
  };
  // parse.go minFold..maxFold: the code points folding involves
  for (let c = 0x41; c <= 0x1e943; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    const ch = String.fromCodePoint(c);
    for (const other of [single(ch.toLowerCase()), single(ch.toUpperCase())])
      if (other !== undefined && other !== c) join(c, other);
  }
  orbits = new Map();
  for (const [c, g] of groups) {
    const re = new RegExp(esc(c), 'iu');
    const same = [...g].filter((x) => x !== c && re.test(String.fromCodePoint(x)));
    if (same.length > 0) orbits.set(c, same);
  }
  return orbits;
}

/** parse.go appendFoldedRange over a whole class. */
function fold(rs: Range[]): Range[] {
  const out: Range[] = [...rs];
  if (rs.every(([, hi]) => hi < 0x80)) {
    for (const [lo, hi] of rs) for (let c = lo; c <= hi; c++) for (const o of asciiOrbit(c)) out.push([o, o]);
    return clean(out);
  }
  for (const [c, others] of foldOrbits())
    if (rs.some(([lo, hi]) => lo <= c && c <= hi)) for (const o of others) out.push([o, o]);
  return clean(out);
}

/** Whether a class may hold a letter (conservative: ASCII letters or anything past ASCII). */
function caseSensitive(rs: Range[]): boolean {
  return rs.some(([lo, hi]) => hi >= 0x80 || (lo <= 0x5a && hi >= 0x41) || (lo <= 0x7a && hi >= 0x61));
}

const SYNTAX = new Set('^$\\.*+?()[]{}|/'.split('').map((c) => c.codePointAt(0)!));
/** One code point as JavaScript `u`-mode pattern text (`-` is escaped only inside a class). */
function esc(c: number, inClass = false): string {
  if (SYNTAX.has(c) || (inClass && c === 0x2d)) return `\\${String.fromCodePoint(c)}`;
  if (c < 0x20 || (c >= 0x7f && c < 0xa0) || c > 0x7e) return `\\u{${c.toString(16)}}`;
  return String.fromCodePoint(c);
}
function classText(rs: Range[], negated: boolean, extra = ''): string {
  const body = rs.map(([lo, hi]) => (lo === hi ? esc(lo, true) : `${esc(lo, true)}-${esc(hi, true)}`)).join('');
  return `[${negated ? '^' : ''}${body}${extra}]`;
}

interface Item {
  src: string;
  /** an assertion or an already quantified item: wrap it before quantifying again */
  wrap: boolean;
  /** repeatIsValid: the largest product of x{n,m} counts along a path inside */
  weight: number;
}
interface Frame {
  alts: Item[][];
  /** JavaScript text that opened the group; '' for the whole pattern */
  open: string;
  /** flags at the `(`, restored at the `)` (parseRightParen) */
  flags: Flags;
}

class Translator {
  private t = 0;
  private flags: Flags = { i: false, m: false, s: false, U: false };
  private readonly stack: Frame[] = [];
  private frame: Frame;
  readonly groupNames: (string | undefined)[] = [];
  /** a case-sensitive atom parsed without `i` / with `i` */
  sawCase = false;
  sawFold = false;

  constructor(
    private readonly s: string,
    /** one `i` covers every case-sensitive atom: leave folding to the JavaScript `i` flag */
    private readonly wholeI: boolean,
  ) {
    this.frame = { alts: [[]], open: '', flags: this.flags };
  }

  private get items(): Item[] {
    return this.frame.alts[this.frame.alts.length - 1]!;
  }

  /** parse.go nextRune: one code point; a lone surrogate is Go's invalid UTF-8. */
  private cp(at: number): number {
    const c = this.s.codePointAt(at)!;
    if (c >= 0xd800 && c <= 0xdfff) throw new Re2SyntaxError('invalid UTF-8', this.s.slice(at));
    return c;
  }
  private width(c: number): number {
    return c > 0xffff ? 2 : 1;
  }

  run(): string {
    const s = this.s;
    let lastRepeat = -1;
    while (this.t < s.length) {
      let repeat = -1;
      const c = s[this.t]!;
      switch (c) {
        case '(':
          if (s[this.t + 1] === '?') this.perlFlags();
          else this.openGroup('(', undefined);
          break;
        case '|':
          this.frame.alts.push([]);
          this.t++;
          break;
        case ')':
          this.closeGroup();
          this.t++;
          break;
        case '^':
          this.assert(this.flags.m ? '(?<![^\\n])' : '^');
          this.t++;
          break;
        case '$':
          this.assert(this.flags.m ? '(?![^\\n])' : '$');
          this.t++;
          break;
        case '.':
          this.items.push({ src: this.flags.s ? '[^]' : '[^\\n]', wrap: false, weight: 1 });
          this.t++;
          break;
        case '[':
          this.parseClass();
          break;
        case '*':
        case '+':
        case '?': {
          const before = this.t;
          this.t++;
          this.repeat(c, 0, -1, before, lastRepeat);
          repeat = before;
          break;
        }
        case '{': {
          const before = this.t;
          const r = this.parseRepeat();
          if (!r) {
            this.literal(0x7b);
            this.t++;
            break;
          }
          const { min, max } = r;
          if (min < 0 || min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && min > max))
            throw new Re2SyntaxError('invalid repeat count', s.slice(before, this.t));
          this.repeat('{', min, max, before, lastRepeat);
          repeat = before;
          break;
        }
        case '\\':
          this.escape();
          break;
        default: {
          const cp = this.cp(this.t);
          this.t += this.width(cp);
          this.literal(cp);
        }
      }
      lastRepeat = repeat;
    }
    if (this.stack.length > 0) throw new Re2SyntaxError('missing closing )', s);
    return this.frame.alts.map((a) => a.map((i) => i.src).join('')).join('|');
  }

  private assert(src: string): void {
    this.items.push({ src, wrap: true, weight: 1 });
  }

  private openGroup(open: string, name: string | undefined, skip = 1): void {
    if (open === '(') this.groupNames.push(name);
    this.stack.push(this.frame);
    this.frame = { alts: [[]], open, flags: { ...this.flags } };
    this.t += skip;
  }

  /** parse.go parseRightParen */
  private closeGroup(): void {
    const f = this.frame;
    const outer = this.stack.pop();
    if (!outer) throw new Re2SyntaxError('unexpected )', this.s);
    this.flags = f.flags;
    this.frame = outer;
    const weight = Math.max(1, ...f.alts.flat().map((i) => i.weight));
    const body = f.alts.map((a) => a.map((i) => i.src).join('')).join('|');
    this.items.push({ src: `${f.open}${body})`, wrap: false, weight });
  }

  /** parse.go parsePerlFlags: named groups, flag settings, `(?flags:…)`. */
  private perlFlags(): void {
    const s = this.s;
    const start = this.t;
    const rest = s.slice(start);
    const withP = rest.length > 4 && rest[2] === 'P' && rest[3] === '<';
    const withName = rest.length > 3 && rest[2] === '<';
    if (withP || withName) {
      const end = rest.indexOf('>');
      if (end < 0) throw new Re2SyntaxError('invalid named capture', rest);
      const name = rest.slice(withP ? 4 : 3, end);
      if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Re2SyntaxError('invalid named capture', rest.slice(0, end + 1));
      this.openGroup('(', name, end + 1);
      return;
    }
    let t = start + 2;
    const flags = { ...this.flags };
    let sign = 1;
    let sawFlag = false;
    while (t < s.length) {
      const c = s[t]!;
      t += this.width(this.cp(t));
      if (c === 'i' || c === 'm' || c === 's' || c === 'U') {
        // (?m) clears OneLine: ^ and $ at line ends; the others set their flag
        flags[c] = sign > 0;
        sawFlag = true;
      } else if (c === '-') {
        if (sign < 0) break;
        sign = -1;
        sawFlag = false;
      } else if (c === ':' || c === ')') {
        if (sign < 0 && !sawFlag) break;
        if (c === ':') this.openGroup('(?:', undefined, 0);
        this.flags = flags;
        this.t = t;
        return;
      } else break;
    }
    throw new Re2SyntaxError('invalid or unsupported Perl syntax', s.slice(start, t));
  }

  /** parse.go parseRepeat: {n}, {n,}, {n,m}; undefined when it is no repeat (then `{` is a literal). */
  private parseRepeat(): { min: number; max: number } | undefined {
    const m = /^\{(0|[1-9][0-9]*)(,(0|[1-9][0-9]*)?)?\}/.exec(this.s.slice(this.t));
    if (!m) return undefined;
    this.t += m[0].length;
    // parseInt gives -1 from 1e8 on: "too big"
    const int = (d: string) => (d.length > 9 ? -1 : Number(d));
    const min = int(m[1]!);
    if (m[2] === undefined) return { min, max: min };
    if (m[3] === undefined) return { min, max: -1 };
    const max = int(m[3]);
    return { min: max < 0 ? -1 : min, max };
  }

  /** parse.go repeat: `?` makes it non-greedy, stacked operators and a missing argument are errors. */
  private repeat(op: string, min: number, max: number, before: number, lastRepeat: number): void {
    let lazy = false;
    if (this.s[this.t] === '?') {
      this.t++;
      lazy = true;
    }
    if (lastRepeat >= 0)
      throw new Re2SyntaxError('invalid nested repetition operator', this.s.slice(lastRepeat, this.t));
    const items = this.items;
    const sub = items.pop();
    if (!sub) throw new Re2SyntaxError('missing argument to repetition operator', this.s.slice(before, this.t));
    let q = op;
    let weight = sub.weight;
    if (op === '{') {
      q = max === min ? `{${min}}` : max < 0 ? `{${min},}` : `{${min},${max}}`;
      const m = max < 0 ? min : max;
      weight = m === 0 ? 1 : m * sub.weight;
      if ((min >= 2 || max >= 2) && weight > MAX_REPEAT)
        throw new Re2SyntaxError('invalid repeat count', this.s.slice(before, this.t));
    }
    const greedy = lazy === this.flags.U;
    const src = sub.wrap ? `(?:${sub.src})` : sub.src;
    items.push({ src: `${src}${q}${greedy ? '' : '?'}`, wrap: true, weight });
  }

  private literal(c: number): void {
    const sensitive = caseSensitive([[c, c]]);
    if (sensitive && this.flags.i) this.sawFold = true;
    if (sensitive && !this.flags.i) this.sawCase = true;
    const others = sensitive && this.flags.i && !this.wholeI ? orbitOf(c) : [];
    const src = others.length > 0 ? classText(clean([c, ...others].map((x): Range => [x, x])), false) : esc(c);
    this.items.push({ src, wrap: false, weight: 1 });
  }

  /** A class atom of explicit ranges, folded when `i` is on (parse.go appendFoldedRange). */
  private classItem(rs: Range[], negated: boolean, extra = ''): void {
    const sensitive = caseSensitive(rs) || extra !== '';
    if (sensitive && !this.flags.i) this.sawCase = true;
    if (sensitive && this.flags.i) this.sawFold = true;
    this.items.push({ src: classText(rs, negated, extra), wrap: false, weight: 1 });
  }

  /** A Perl or POSIX group: folded before it is negated (parse.go appendGroup). */
  private group(rs: Range[], negated: boolean): Range[] {
    const r = this.flags.i ? fold(rs) : rs;
    return negated ? negate(r) : r;
  }

  /** `\p{…}` / `\P{…}` / `\pN` at this.t (parse.go parseUnicodeClass); JavaScript text or undefined. */
  private unicodeClass(): { js: string } | { ranges: Range[] } | undefined {
    const s = this.s;
    const at = this.t;
    if (s[at] !== '\\' || (s[at + 1] !== 'p' && s[at + 1] !== 'P')) return undefined;
    let sign = s[at + 1] === 'P' ? -1 : 1;
    if (at + 2 >= s.length) throw new Re2SyntaxError('invalid character class range', s.slice(at));
    let seq: string;
    let name: string;
    if (s[at + 2] !== '{') {
      const c = this.cp(at + 2);
      seq = s.slice(at, at + 2 + this.width(c));
      name = seq.slice(2);
    } else {
      const end = s.indexOf('}', at);
      if (end < 0) throw new Re2SyntaxError('invalid character class range', s.slice(at));
      seq = s.slice(at, end + 1);
      name = s.slice(at + 3, end);
    }
    if (name.startsWith('^')) {
      sign = -sign;
      name = name.slice(1);
    }
    let js: string | undefined;
    if (name === 'Any') {
      this.t = at + seq.length;
      return { ranges: sign > 0 ? [[0, MAX_RUNE]] : [] };
    }
    if (CATEGORIES.has(name)) js = `\\p{General_Category=${name}}`;
    else if (isScriptName(name)) js = `\\p{Script=${name}}`;
    if (!js) throw new Re2SyntaxError('invalid character class range', seq);
    this.t = at + seq.length;
    // a scoped (?i) folds the group, then negates it (parse.go parseUnicodeClass): as ranges
    if (this.flags.i && !this.wholeI) return { ranges: this.group(propertyRanges(js), sign < 0) };
    return { js: sign > 0 ? js : js.replace('\\p', '\\P') };
  }

  private escape(): void {
    const s = this.s;
    const at = this.t;
    const next = s[at + 1];
    const simple: Record<string, string> = { A: '^', z: '$', b: '\\b', B: '\\B' };
    if (next !== undefined && simple[next]) {
      // RE2's \b is ASCII even under (?i); JavaScript's `iu` \b also counts ſ and K (U+212A),
      // so a pattern with \b never leaves its folding to the JavaScript `i` flag
      if (next === 'b' || next === 'B') this.sawCase = true;
      this.assert(simple[next]);
      this.t += 2;
      return;
    }
    if (next === 'C') throw new Re2SyntaxError('invalid escape sequence', '\\C');
    if (next === 'Q') {
      // \Q…\E: literals up to \E or the end
      const end = s.indexOf('\\E', at + 2);
      const lit = s.slice(at + 2, end < 0 ? s.length : end);
      this.t = end < 0 ? s.length : end + 2;
      for (let k = 0; k < lit.length; ) {
        const c = this.cpIn(lit, k);
        this.literal(c);
        k += this.width(c);
      }
      return;
    }
    const u = this.unicodeClass();
    if (u) {
      if ('ranges' in u) this.classItem(u.ranges, false);
      else this.classItem([], false, u.js);
      return;
    }
    const perl = next === undefined ? undefined : PERL[next.toLowerCase()];
    if (perl) {
      this.t += 2;
      this.classItem(this.group(perl, next !== next!.toLowerCase()), false);
      return;
    }
    this.literal(this.parseEscape());
  }

  private cpIn(str: string, k: number): number {
    const c = str.codePointAt(k)!;
    if (c >= 0xd800 && c <= 0xdfff) throw new Re2SyntaxError('invalid UTF-8', str.slice(k));
    return c;
  }

  /** parse.go parseEscape: one escaped code point at this.t. */
  private parseEscape(): number {
    const s = this.s;
    const start = this.t;
    let t = start + 1;
    if (t >= s.length) throw new Re2SyntaxError('trailing backslash at end of expression', '');
    const c = this.cp(t);
    t += this.width(c);
    const bad = () => new Re2SyntaxError('invalid escape sequence', s.slice(start, t));
    const isOct = (k: number) => k < s.length && s[k]! >= '0' && s[k]! <= '7';
    const ch = String.fromCodePoint(c);
    if (c < 0x80 && !/[0-9A-Za-z]/.test(ch)) {
      // escaped punctuation is itself
      this.t = t;
      return c;
    }
    if (ch >= '0' && ch <= '7' && (ch === '0' || isOct(t))) {
      // octal: up to three digits; a lone \1-\7 would be a back-reference
      let r = c - 0x30;
      for (let k = 1; k < 3 && isOct(t); k++, t++) r = r * 8 + (s.charCodeAt(t) - 0x30);
      this.t = t;
      return r;
    }
    if (ch === 'x') {
      if (t >= s.length) throw bad();
      const c2 = this.cp(t);
      t += this.width(c2);
      if (c2 === 0x7b) {
        let r = 0;
        let n = 0;
        for (;;) {
          if (t >= s.length) throw bad();
          const d = this.cp(t);
          t += this.width(d);
          if (d === 0x7d) break;
          const v = unhex(d);
          if (v < 0) throw bad();
          r = r * 16 + v;
          if (r > MAX_RUNE) throw bad();
          n++;
        }
        if (n === 0) throw bad();
        this.t = t;
        return r;
      }
      if (t >= s.length) throw bad();
      const c3 = this.cp(t);
      t += this.width(c3);
      const x = unhex(c2);
      const y = unhex(c3);
      if (x < 0 || y < 0) throw bad();
      this.t = t;
      return x * 16 + y;
    }
    const cEscapes: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
    if (cEscapes[ch] !== undefined) {
      this.t = t;
      return cEscapes[ch];
    }
    throw bad();
  }

  /** parse.go parseClass: `[…]`, `[^…]` with ranges, escapes, Perl, POSIX and Unicode groups. */
  private parseClass(): void {
    const s = this.s;
    const whole = s.slice(this.t);
    this.t++;
    let negated = false;
    if (s[this.t] === '^') {
      negated = true;
      this.t++;
    }
    const ranges: Range[] = [];
    let extra = '';
    let first = true;
    while (this.t >= s.length || s[this.t] !== ']' || first) {
      first = false;
      if (this.t >= s.length) throw new Re2SyntaxError('missing closing ]', whole);
      if (s[this.t] === '[' && s[this.t + 1] === ':') {
        const end = s.indexOf(':]', this.t + 2);
        if (end >= 0) {
          const name = s.slice(this.t, end + 2);
          const neg = name[2] === '^';
          const g = POSIX[name.slice(neg ? 3 : 2, -2)];
          if (!g) throw new Re2SyntaxError('invalid character class range', name);
          ranges.push(...this.group(g, neg));
          this.t = end + 2;
          continue;
        }
      }
      const u = this.unicodeClass();
      if (u) {
        if ('ranges' in u) ranges.push(...u.ranges);
        else extra += u.js;
        continue;
      }
      const p = s[this.t] === '\\' ? PERL[s[this.t + 1]?.toLowerCase() ?? ''] : undefined;
      if (p) {
        ranges.push(...this.group(p, s[this.t + 1] !== s[this.t + 1]!.toLowerCase()));
        this.t += 2;
        continue;
      }
      const rangeStart = this.t;
      const lo = this.classChar(whole);
      let hi = lo;
      if (this.t + 1 < s.length && s[this.t] === '-' && s[this.t + 1] !== ']') {
        this.t++;
        hi = this.classChar(whole);
        if (hi < lo) throw new Re2SyntaxError('invalid character class range', s.slice(rangeStart, this.t));
      }
      ranges.push(...(this.flags.i ? fold([[lo, hi]]) : [[lo, hi] as Range]));
    }
    this.t++;
    this.classItem(clean(ranges), negated, extra);
  }

  /** parse.go parseClassChar */
  private classChar(whole: string): number {
    if (this.t >= this.s.length) throw new Re2SyntaxError('missing closing ]', whole);
    if (this.s[this.t] === '\\') return this.parseEscape();
    const c = this.cp(this.t);
    this.t += this.width(c);
    return c;
  }
}

function unhex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

const properties = new Map<string, Range[]>();
/** The code points of a JavaScript `\\p{…}` as ranges (about 0.1 s each, once per process). */
function propertyRanges(js: string): Range[] {
  let out = properties.get(js);
  if (out) return out;
  const re = new RegExp(`[${js}]`, 'u');
  out = [];
  for (let c = 0; c <= MAX_RUNE; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    if (!re.test(String.fromCodePoint(c))) continue;
    const last = out[out.length - 1];
    if (last && last[1] === c - 1) last[1] = c;
    else out.push([c, c]);
  }
  properties.set(js, out);
  return out;
}

/**
 * Go's unicode.Scripts keys are the long script names; JavaScript also takes the ISO 15924
 * four-letter aliases (`Grek`), which RE2 refuses. Long names of four letters are kept.
 */
const FOUR_LETTER_SCRIPTS = new Set(['Ahom', 'Cham', 'Kawi', 'Lisu', 'Modi', 'Newa', 'Thai', 'Toto']);
function isScriptName(name: string): boolean {
  if (!/^[A-Z][A-Za-z_]*$/.test(name)) return false;
  if (name.length === 4 && !FOUR_LETTER_SCRIPTS.has(name)) return false;
  return validJs(`\\p{Script=${name}}`);
}

function validJs(src: string): boolean {
  try {
    new RegExp(src, 'u');
    return true;
  } catch {
    return false;
  }
}

/** ASCII letters' orbits (Go unicode.SimpleFold: k, K and the Kelvin sign; s, S and ſ). */
function asciiOrbit(c: number): number[] {
  const lower = c | 0x20;
  if (lower < 0x61 || lower > 0x7a) return [];
  const out = [c ^ 0x20];
  if (lower === 0x6b) out.push(0x212a);
  if (lower === 0x73) out.push(0x17f);
  return out;
}

/** The other members of c's case orbit. */
function orbitOf(c: number): number[] {
  return c < 0x80 ? asciiOrbit(c) : (foldOrbits().get(c) ?? []);
}

/**
 * Translates an RE2 pattern (Go regexp/syntax, Perl flags) to JavaScript; throws
 * {@link Re2SyntaxError} for what RE2 refuses.
 */
export function translateRe2(pattern: string): Re2Translation {
  const first = new Translator(pattern, false);
  const source = first.run();
  if (!first.sawFold || first.sawCase) return { source, flags: 'u', groupNames: first.groupNames };
  const whole = new Translator(pattern, true);
  return { source: whole.run(), flags: 'iu', groupNames: whole.groupNames };
}

/** RE2::FullMatch as a JavaScript RegExp (Envoy's `safe_regex` match). */
export function re2FullMatch(pattern: string): RegExp {
  const { source, flags } = translateRe2(pattern);
  return new RegExp(`^(?:${source})$`, flags);
}

/** RE2::PartialMatch as a JavaScript RegExp (Envoy's admin `/stats?filter=`: a name is kept where the pattern matches part of it). */
export function re2PartialMatch(pattern: string): RegExp {
  const { source, flags } = translateRe2(pattern);
  return new RegExp(source, flags);
}

/** Go's `regexp.Compile` error for the pattern ("error parsing regexp: …"), or undefined. */
export function re2Problem(pattern: string): string | undefined {
  try {
    re2FullMatch(pattern);
    return undefined;
  } catch (e) {
    if (e instanceof Re2SyntaxError) return e.message;
    throw e;
  }
}
