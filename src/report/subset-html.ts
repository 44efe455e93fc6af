/**
 * The HTML report's per-subset section (issue 16 item 4): per phase, the observed split as a
 * stacked bar beside the declared weights' bar, then the per-subset table and the split checks.
 * Inline SVG only, every text through escapeHtml, like the other charts.
 */
import type { Report } from './model.js';
import { escapeHtml as e, rect, text } from './svg.js';
import { splitLines, subsetRows, type SubsetRow } from './subset-rows.js';

const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#9c755f'];
const WIDTH = 640;
const BAR_H = 18;
const LABEL_W = 150;

function bar(
  y: number,
  label: string,
  parts: { subset: string; share: number }[],
  colour: (s: string) => string,
): string {
  const w = WIDTH - LABEL_W - 10;
  let x = LABEL_W;
  const out = [text(0, y + 13, label, 'class="axis"')];
  for (const p of parts) {
    const pw = Math.max(0, p.share * w);
    out.push(rect(x, y, pw, BAR_H, colour(p.subset), `${label}: ${p.subset} ${(p.share * 100).toFixed(1)} %`));
    if (pw > 40) out.push(text(x + 4, y + 13, `${p.subset} ${(p.share * 100).toFixed(0)} %`, 'fill="#fff"'));
    x += pw;
  }
  return out.join('');
}

function splitChart(rows: SubsetRow[]): string {
  const names = [...new Set(rows.map((r) => r.subset))];
  const colour = (s: string) => PALETTE[names.indexOf(s) % PALETTE.length];
  const bars: string[] = [];
  let y = 4;
  for (const phase of ['baseline', 'policy'] as const) {
    const mine = rows.filter((r) => r.phase === phase);
    if (!mine.length) continue;
    bars.push(
      bar(
        y,
        `${phase} observed`,
        mine.map((r) => ({ subset: r.subset, share: r.shareValue })),
        colour,
      ),
    );
    y += BAR_H + 6;
    if (mine.some((r) => r.declaredValue !== null)) {
      bars.push(
        bar(
          y,
          `${phase} declared`,
          mine
            .filter((r) => r.declaredValue !== null)
            .map((r) => ({ subset: r.subset, share: r.declaredValue as number })),
          colour,
        ),
      );
      y += BAR_H + 6;
    }
  }
  return `<svg class="chart" viewBox="0 0 ${WIDTH} ${y}" width="${WIDTH}" height="${y}" role="img" aria-label="observed split per phase beside the declared weights">${bars.join('')}</svg>`;
}

/** The section, or '' when the run attributed no responses to subsets. */
export function subsetSection(report: Report): string {
  const rows = subsetRows(report);
  if (!rows.length) return '';
  const table = `<table class="stats"><thead><tr><th>phase</th><th>subset</th><th class="num">requests</th><th class="num">share</th><th class="num">declared</th><th class="num">failed</th><th class="num">p50 / p95 / p99</th><th>statuses</th><th>causes</th></tr></thead><tbody>${rows
    .map(
      (r) =>
        `<tr><td>${r.phase}</td><th>${e(r.subset)}</th><td class="num">${e(r.requests)}</td><td class="num">${e(r.share)}</td><td class="num">${e(r.declared)}</td><td class="num">${e(r.failed)}</td><td class="num">${e(`${r.p50} / ${r.p95} / ${r.p99}`)}</td><td>${e(r.statuses)}</td><td>${e(r.causes)}</td></tr>`,
    )
    .join('')}</tbody></table>`;
  const checks = splitLines(report);
  return `<section><h2>Split by subset</h2><p class="muted">Which subset served each response (the attribution header or target.subsetFrom); observed shares beside the weights the policy declares. Intervals: Wilson 95 %.</p>${splitChart(rows)}${table}${checks.length ? `<ul class="notes">${checks.map((c) => `<li>${e(c)}</li>`).join('')}</ul>` : ''}</section>
`;
}
