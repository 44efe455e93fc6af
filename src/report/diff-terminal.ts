/**
 * The table `meshproof diff` prints (stderr): what changed between two runs, regressions
 * first, within 100 columns.
 */
import { table, getBorderCharacters } from 'table';
import type { ReportDiff } from '../analysis/diff.js';
import { formatDeltaMs, formatPp, stripControl } from './format.js';

export function renderDiff(d: ReportDiff, options: { color?: boolean } = {}): string {
  const paint = (s: string, code: string) => (options.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const kindWord = { regression: paint('REGRESSION', '31'), improvement: paint('better', '32'), change: 'changed' } as const;
  const t = stripControl;
  const out: string[] = [
    `old  ${t(d.old.runId)} · ${t(d.old.createdAt)} · ${t(d.old.scenario)} · ${d.old.verdict}`,
    `new  ${t(d.new.runId)} · ${t(d.new.createdAt)} · ${t(d.new.scenario)} · ${d.new.verdict}`,
    `tolerance ${formatPp(d.tolerance.ratio).replace('+', '')} for shares, ${formatDeltaMs(d.tolerance.ms).replace('+', '')} for percentiles`,
    ...d.warnings.map((w) => `warning: ${t(w)}`),
    '',
  ];
  if (d.changes.length === 0) out.push('no changes beyond tolerance');
  else {
    const rows = [['', 'what', 'old', 'new', 'change'], ...d.changes.map((c) => [kindWord[c.kind], t(c.what), t(c.old), t(c.new), t(c.change)])];
    out.push(
      table(rows, {
        border: getBorderCharacters('norc'),
        columns: [{ width: 10 }, { width: 24, wrapWord: true }, { width: 19, wrapWord: true }, { width: 19, wrapWord: true }, { width: 12, alignment: 'right', wrapWord: true }],
        drawHorizontalLine: (i, size) => i === 0 || i === 1 || i === size,
      }).trimEnd(),
    );
  }
  const n = d.changes.filter((c) => c.kind === 'regression').length;
  out.push(n ? paint(`${n} regression${n === 1 ? '' : 's'}`, '31') : 'no regression');
  return `${out.join('\n')}\n`;
}
