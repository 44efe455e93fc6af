/**
 * The table `meshproof diff` prints (stderr): what changed between two runs, regressions
 * first, within 100 columns, then one line per regression saying why in words.
 */
import { table, getBorderCharacters } from 'table';
import { changesOf, type ReportDiff } from './diff.js';
import { formatDeltaMs, formatNumber, formatPp, stripControl } from './format.js';

export function renderDiff(d: ReportDiff, options: { color?: boolean } = {}): string {
  const paint = (s: string, code: string) => (options.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const kindWord = {
    regression: paint('REGRESSION', '31'),
    improvement: paint('better', '32'),
    change: 'changed',
    unchanged: '',
  } as const;
  const t = stripControl;
  const changes = changesOf(d);
  const out: string[] = [
    `old  ${t(d.old.runId)} · ${t(d.old.createdAt)} · ${t(d.old.scenario)} · ${d.old.verdict}`,
    `new  ${t(d.new.runId)} · ${t(d.new.createdAt)} · ${t(d.new.scenario)} · ${d.new.verdict}`,
    modeLine(d),
    ...d.warnings.map((w) => `warning: ${t(w)}`),
    '',
  ];
  if (changes.length === 0) out.push(`no changes beyond tolerance (${d.comparisons.length} comparisons)`);
  else {
    const rows = [
      ['', 'what', 'old', 'new', 'change'],
      ...changes.map((c) => [kindWord[c.kind], t(c.what), t(c.old), t(c.new), t(c.change)]),
    ];
    out.push(
      table(rows, {
        border: getBorderCharacters('norc'),
        columns: [
          { width: 10 },
          { width: 24, wrapWord: true },
          { width: 19, wrapWord: true },
          { width: 19, wrapWord: true },
          { width: 12, alignment: 'right', wrapWord: true },
        ],
        drawHorizontalLine: (i, size) => i === 0 || i === 1 || i === size,
      }).trimEnd(),
    );
  }
  const regressions = changes.filter((c) => c.kind === 'regression');
  for (const c of regressions) out.push(`${paint('regression', '31')}: ${t(c.what)}: ${t(c.why)}`);
  const n = regressions.length;
  out.push(n ? paint(`${n} regression${n === 1 ? '' : 's'}`, '31') : 'no regression');
  if (d.inconclusive) out.push(`inconclusive: ${t(d.inconclusive)}`);
  return `${out.join('\n')}\n`;
}

function modeLine(d: ReportDiff): string {
  const shares = formatPp(d.tolerance.ratio).replace('+', '');
  if (d.mode === 'absolute')
    return `absolute: phase by phase across runs · tolerance ${shares} for shares, ${formatDeltaMs(d.tolerance.ms).replace('+', '')} for percentiles`;
  const t = d.tolerance;
  return `effects: policy vs its own baseline, per run · tolerance ${shares} for shares, ${formatNumber(t.latencyRatio)} for latency ratios, at least ${formatNumber(t.effect * 100)} % of the effect`;
}
