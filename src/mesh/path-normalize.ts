/**
 * The request path as the gateway's connection manager normalises it before routing
 * (istio-envoy-semantics.md §6.1 "Paths"). Istio's default path normalisation (mesh config
 * `pathNormalization` DEFAULT = BASE) sets the connection manager's `normalize_path`, without
 * `merge_slashes`; the path is then routed and forwarded in its canonical form.
 *
 * Envoy (`PathUtil::canonicalPath`, source/common/http/path_utility.cc) canonicalises the part
 * before the first `?` with Chromium's URL library (`url::CanonicalizePath`) and keeps the query
 * as it is. The canonicaliser below is a port of that function for 8-bit input
 * (url/url_canon_path.cc `DoPartialPath`, with `IsDot`, `DecodeEscaped` and
 * `CheckForNestedEscapes`), using the character table of the snapshot Envoy forked
 * (source/common/chromium_url/url_canon_path.cc):
 * - `.` and `..` segments — also written `%2e` — are resolved, never above the root;
 * - `\` becomes `/`; multiple slashes stay;
 * - characters a path may not hold (space, `"`, `<`, `>`, `` ` ``, `{`, `|`, `}`, `#`, `%` not
 *   starting an escape… and every byte ≥ 0x80) are escaped as %XX, upper-case hex;
 * - an escape of a letter, a digit, `-`, `.`, `_` or `~` is decoded (`%41` → `A`); other escapes
 *   are kept as written (`%2F` stays, escaped slashes are left alone: Istio's BASE keeps them);
 * - an escaped NUL (`%00`) makes the path invalid: the connection manager answers 400.
 * [INF] Newer Chromium revisions gate the decoding of escaped letters and digits behind a
 * feature and escape NUL instead of refusing it; which revision a given Envoy links was not
 * determined, so those two rules follow the snapshot Envoy forked.
 */

const PASS = 0;
/** the character needs handling beyond a copy */
const SPECIAL = 1;
const ESCAPE = 2 | SPECIAL;
/** an escaped form of it is decoded */
const UNESCAPE = 4;
/** refused: canonicalisation fails */
const INVALID = 8 | SPECIAL;

/** Chromium's kPathCharLookup (the snapshot in Envoy's source/common/chromium_url). */
const LOOKUP = (() => {
  const t = new Uint8Array(256).fill(ESCAPE); // control characters and every byte ≥ 0x80
  t[0] = INVALID;
  const set = (chars: string, flag: number) => {
    for (const c of chars) t[c.charCodeAt(0)] = flag;
  };
  set(' "#%<>?\\^`{|}', ESCAPE);
  set("!$&'()*+,/:;=@[]", PASS);
  set('-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~', UNESCAPE);
  t[0x2e] = SPECIAL; // '.', resolved by isDot
  t[0x7f] = ESCAPE;
  return t;
})();

const HEX = '0123456789ABCDEF';

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** `%XX` at `i`: its byte, or -1 when the two characters after `%` are not hex digits (DecodeEscaped). */
function decodeEscaped(s: string, i: number, end: number): number {
  if (i + 3 > end) return -1;
  const hi = hexValue(s.charCodeAt(i + 1));
  const lo = hexValue(s.charCodeAt(i + 2));
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

/** The length of a dot at `i`: 1 for `.`, 3 for `%2e` / `%2E`, 0 for anything else (IsDot). */
function isDot(s: string, i: number, end: number): number {
  if (s.charCodeAt(i) === 0x2e) return 1;
  if (s.charCodeAt(i) === 0x25 && i + 3 <= end && s.charCodeAt(i + 1) === 0x32) {
    const c = s.charCodeAt(i + 2);
    if (c === 0x65 || c === 0x45) return 3;
  }
  return 0;
}

const isSlash = (c: number) => c === 0x2f || c === 0x5c;

/** `.`, `..` or neither, and how many characters after the dot that consumed (ClassifyAfterDot). */
function afterDot(s: string, at: number, end: number): { kind: 'name' | 'current' | 'up'; consumed: number } {
  if (at === end) return { kind: 'current', consumed: 0 };
  if (isSlash(s.charCodeAt(at))) return { kind: 'current', consumed: 1 };
  const second = isDot(s, at, end);
  if (second > 0) {
    const after = at + second;
    if (after === end) return { kind: 'up', consumed: second };
    if (isSlash(s.charCodeAt(after))) return { kind: 'up', consumed: second + 1 };
  }
  return { kind: 'name', consumed: 0 };
}

/** Appends %XX for `byte`, one character per entry as the rest of `out` (AppendEscapedChar). */
const pushEscaped = (out: string[], byte: number) => out.push('%', HEX[byte >> 4], HEX[byte & 15]);

/**
 * The canonical form of `path` (its query, from the first `?`, kept as it is), or null when
 * Chromium's canonicaliser refuses it. `path` starts with `/` (the connection manager answers
 * 404 to anything else before normalising).
 */
export function canonicalPath(path: string): string | null {
  const q = path.indexOf('?');
  const end = q < 0 ? path.length : q;
  let k = 0;
  while (k < end && !(LOOKUP[Math.min(path.charCodeAt(k), 0xff)] & SPECIAL)) k++;
  if (k === end) return path; // the usual path: nothing to resolve, escape or decode
  /** the output, one character per entry */
  const out: string[] = [];
  let ok = true;
  /** where in `out` a `%` that began no valid escape was written; -Infinity: none */
  let badPercent = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < end; i++) {
    const ch = path.charCodeAt(i);
    const byte = Math.min(ch, 0xff); // the codecs hand latin1: every char is one byte
    const flags = LOOKUP[byte];
    if (!(flags & SPECIAL)) {
      out.push(path[i]);
      continue;
    }
    const dot = isDot(path, i, end);
    if (dot > 0) {
      if (out.length > 0 && out[out.length - 1] === '/') {
        const next = afterDot(path, i + dot, end);
        if (next.kind === 'name') out.push('.');
        else if (next.kind === 'up') backUpToPreviousSlash(out);
        i += (next.kind === 'name' ? dot : dot + next.consumed) - 1;
      } else {
        out.push('.');
        i += dot - 1;
      }
    } else if (byte === 0x5c) {
      out.push('/');
    } else if (byte === 0x25) {
      const value = decodeEscaped(path, i, end);
      if (value >= 0) {
        i += 2;
        const f = LOOKUP[value];
        if (f & UNESCAPE) {
          out.push(String.fromCharCode(value));
          if (badPercent >= out.length - 3) checkForNestedEscapes(path, i + 1, end, badPercent, out);
        } else {
          // kept exactly as written (the hex digits' case too); an escaped NUL fails the path
          out.push('%', path[i - 1], path[i]);
          if ((f & INVALID) === INVALID) ok = false;
        }
      } else {
        // an invalid escape is passed through, its '%' remembered
        badPercent = out.length;
        out.push('%');
      }
    } else if ((flags & INVALID) === INVALID) {
      pushEscaped(out, byte);
      ok = false;
    } else if (flags & ESCAPE) {
      pushEscaped(out, byte);
    }
  }
  if (!ok) return null;
  return out.join('') + path.slice(end);
}

/** Drops the last segment: back to the slash before the trailing one, never past the first (BackUpToPreviousSlash). */
function backUpToPreviousSlash(out: string[]): void {
  let i = out.length - 1;
  if (i <= 0) return;
  do i--;
  while (i > 0 && out[i] !== '/');
  out.length = i + 1;
}

/**
 * After a decoded escape close behind an invalid `%`: if the output now reads as a valid escape
 * ("%%300" → "%00"), that `%` is written `%25` so the result cannot be decoded into something
 * else later (CheckForNestedEscapes). `out` holds one character per entry from `badPercent` on.
 */
function checkForNestedEscapes(s: string, next: number, end: number, badPercent: number, out: string[]): void {
  const length = out.length;
  const last = out[length - 1];
  const appendNext = badPercent === length - 2;
  if (appendNext) {
    if (next === end || s.charCodeAt(next) >= 0x80) return;
    out.push(s[next]);
  }
  const candidate = `${out[badPercent]}${out[badPercent + 1]}${out[badPercent + 2]}`;
  if (decodeEscaped(candidate, 0, 3) >= 0) {
    if (!appendNext) out.push(out[badPercent + 1]);
    out[badPercent + 1] = '2';
    out[badPercent + 2] = '5';
    out.push(last);
  } else if (appendNext) out.length = length;
}
