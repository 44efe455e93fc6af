/**
 * Number and text formatting shared by every renderer and by the sentences the report words
 * (gate-text.ts), so the terminal, Markdown, JUnit and HTML say the same number the same way.
 * Display only: it lives in report/ so analysis (a layer below) cannot format text. Pure and
 * locale-free: golden files must not depend on the machine.
 */
import { escapeControls } from '../util/text.js';

/** A JSON round trip turns NaN and ±Infinity into null; everything here accepts both forms. */
export type Num = number | null | undefined;

export function isNum(x: Num): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** 3 significant digits below 1, 2 decimals below 100, 1 decimal above; integers as they are. */
export function formatNumber(x: Num): string {
  if (x === Infinity) return '∞';
  if (x === -Infinity) return '-∞';
  if (!isNum(x)) return 'n/a';
  if (Number.isInteger(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return String(Number(x.toPrecision(3)));
}

/** Milliseconds: "25.3 ms", "1.24 s" from 10 s up. */
export function formatMs(x: Num): string {
  if (!isNum(x)) return formatNumber(x);
  if (Math.abs(x) >= 10_000) return `${(x / 1000).toFixed(2)} s`;
  return `${Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(1)} ms`;
}

/** A share as a percentage: "41.2 %", "0.08 %". */
export function formatPct(x: Num): string {
  if (!isNum(x)) return formatNumber(x);
  const pct = x * 100;
  if (pct !== 0 && Math.abs(pct) < 1) return `${pct.toFixed(2)} %`;
  return `${pct.toFixed(1)} %`;
}

/** A signed difference of shares in percentage points: "+41.2 pp". */
export function formatPp(x: Num): string {
  if (!isNum(x)) return formatNumber(x);
  const pp = x * 100;
  const s = Math.abs(pp) < 1 && pp !== 0 ? pp.toFixed(2) : pp.toFixed(1);
  return `${pp > 0 ? '+' : ''}${s === '-0.0' ? '0.0' : s} pp`;
}

/** A signed millisecond difference: "+12.0 ms". */
export function formatDeltaMs(x: Num): string {
  if (!isNum(x)) return formatNumber(x);
  return `${x > 0 ? '+' : ''}${formatMs(x)}`;
}

/** "[lo–hi]" with the given formatter for each bound. */
export function formatRange(lo: Num, hi: Num, f: (x: Num) => string): string {
  if (lo === null && hi === null) return '';
  return `[${f(lo)} – ${f(hi)}]`;
}

/** One line of user text with control characters made visible (the `table` package throws on them; terminals obey them). */
export function stripControl(s: string): string {
  return escapeControls(s.replace(/[\t\n]/g, ' '));
}
