/**
 * How input is echoed back to a person. Anything a user's file or flag holds can reach a
 * terminal, a CI log or a PR comment, so every place that formats a message for people runs it
 * through `escapeControls` once: terminal escape sequences (retitle, clear screen), carriage
 * returns that overwrite a line, and bidi overrides (U+202E, "Trojan Source") become visible
 * `\x1b` / `\u202e` text instead of acting. Long echoes are cut (`cutEcho`) and values are shown
 * as they were written (`showNumber`: `.nan`, not "null").
 */

/** C0 controls except newline, DEL, C1 controls; and the Unicode bidi embedding/override/isolate marks. */
const CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** C1 controls and the bidi marks: what HTML and XML escaping leave acting (they drop only C0). */
const C1_AND_BIDI = /[\u0080-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Bidi marks and C1 controls as visible escapes, for text whose other escaping is HTML or XML. */
export function escapeBidiAndC1(text: string): string {
  return text.replace(C1_AND_BIDI, visible);
}

function visible(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Control characters as visible escapes; newlines are kept (messages are one finding per line). */
export function escapeControls(text: string): string {
  return text.replace(CONTROLS, visible);
}

/** Longest echo of a value in a message: a wrong value is recognisable by its first 80 characters. */
export const MAX_ECHO_CHARS = 80;

/** `text` cut to `max` characters, saying how much was left out. */
export function cutEcho(text: string, max = MAX_ECHO_CHARS): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/**
 * A number as YAML wrote it: NaN and ±Infinity have no JSON form (JSON.stringify says "null"),
 * so they show as YAML's `.nan` / `.inf` / `-.inf`, or as the source text when known
 * (`1e400` overflows to Infinity but was written `1e400`).
 */
export function showNumber(n: number, source?: string): string {
  if (Number.isFinite(n)) return String(n);
  if (source !== undefined && source.trim() !== '') return cutEcho(source.trim());
  return Number.isNaN(n) ? '.nan' : n > 0 ? '.inf' : '-.inf';
}

/** A quoted, cut string: `"caf…"`. */
export function quoteEcho(s: string): string {
  return JSON.stringify(cutEcho(s));
}

/** How a wrong value is shown after "got": strings quoted and cut, numbers as written, containers named. */
export function showValue(v: unknown, source?: string): string {
  if (Array.isArray(v)) return 'a list';
  if (v !== null && typeof v === 'object') return 'a mapping';
  if (v === undefined) return 'nothing';
  if (typeof v === 'number') return showNumber(v, source);
  if (typeof v === 'string') return quoteEcho(v);
  return JSON.stringify(v) ?? String(v);
}

/** A word a POSIX shell reads back as `s`: as is when it is only safe characters, else single-quoted. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
