/**
 * Just enough SVG for the HTML report's charts, written here because a charting library
 * would mean JavaScript or network in a file that must open offline and render as is.
 */
import { escapeBidiAndC1 } from '../util/text.js';

/** Text for HTML: markup escaped, C0 controls dropped, bidi marks and C1 controls shown as escapes (they would reorder or break what is read). */
export function escapeHtml(s: string): string {
  return escapeBidiAndC1(String(s))
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A linear map from [d0, d1] to [r0, r1]. */
export function linear(d0: number, d1: number, r0: number, r1: number): (x: number) => number {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (x) => r0 + (x - d0) * k;
}

/** About `count` round tick values covering [0, max] (1, 2, 5 × 10^k steps). */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1] < max) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

/** Two decimals at most: keeps the SVG small and the golden file stable. */
export const r2 = (x: number) => String(Math.round(x * 100) / 100);

export function text(x: number, y: number, s: string, attrs = ''): string {
  return `<text x="${r2(x)}" y="${r2(y)}"${attrs ? ` ${attrs}` : ''}>${escapeHtml(s)}</text>`;
}

export function line(x1: number, y1: number, x2: number, y2: number, cls: string): string {
  return `<line x1="${r2(x1)}" y1="${r2(y1)}" x2="${r2(x2)}" y2="${r2(y2)}" class="${cls}"/>`;
}

export function rect(x: number, y: number, w: number, h: number, fill: string, title?: string): string {
  const t = title ? `<title>${escapeHtml(title)}</title>` : '';
  return `<rect x="${r2(x)}" y="${r2(y)}" width="${r2(Math.max(0, w))}" height="${r2(Math.max(0, h))}" fill="${fill}">${t}</rect>`;
}

export function polyline(points: [number, number][], stroke: string, extra = ''): string {
  return `<polyline fill="none" stroke="${stroke}" stroke-width="2" stroke-linejoin="round" points="${points.map(([x, y]) => `${r2(x)},${r2(y)}`).join(' ')}"${extra ? ` ${extra}` : ''}/>`;
}
