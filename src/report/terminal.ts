/**
 * The terminal report (stderr at the end of `meshproof run`): baseline vs policy side by side,
 * then the gates and the verdict, within 100 columns. Colour only when the caller says so
 * (config.ts useColor decides: TTY, no NO_COLOR, no CI=true, or FORCE_COLOR).
 */
import { table, getBorderCharacters } from 'table';
import { stripControl } from './format.js';
import type { Report, Verdict } from './model.js';
import { factLines, gateRows, statRows, verdictLine, type Cell, noteLines, gatewayRows } from './rows.js';
import { splitLines, subsetRows } from './subset-rows.js';

export interface TerminalOptions {
  color?: boolean;
}

/** Total width the report never exceeds: label 15 + 3 × 24 + padding 8 + borders 5. */
export const TERMINAL_WIDTH = 100;
const LABEL_W = 15;
const VALUE_W = 24;

const ANSI = {
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  red: '\x1b[31m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  reset: '\x1b[0m',
} as const;
const VERDICT_COLOR: Record<Verdict, keyof typeof ANSI> = { pass: 'green', fail: 'red', inconclusive: 'yellow' };

export function render(report: Report, options: TerminalOptions = {}): string {
  const paint = (s: string, style: keyof typeof ANSI) => (options.color ? `${ANSI[style]}${s}${ANSI.reset}` : s);
  const text = (s: string) => stripControl(s);
  const verdictWord = (v: Verdict) => paint(v.toUpperCase(), VERDICT_COLOR[v]);
  const out: string[] = [];

  out.push(`${paint(`meshproof · ${text(report.scenario.name)}`, 'bold')}  ${verdictWord(report.verdict)}`);
  if (report.scenario.description) out.push(wrap(text(report.scenario.description), TERMINAL_WIDTH));
  const facts = factLines(report);
  // keys are padded to one column ("effective" is the longest, when present)
  const keyWidth = Math.max(7, ...facts.map(([k]) => k.length + 1));
  for (const [k, v] of facts) out.push(wrap(`${paint(k.padEnd(keyWidth), 'dim')}${text(v)}`, TERMINAL_WIDTH, keyWidth));
  out.push('');

  const both = (c: Cell) => (c.interval ? `${c.value} [${c.interval}]` : c.value);
  const rows = statRows(report);
  const data = [
    ['', 'baseline', 'policy', 'delta (policy−baseline)'].map((h) => paint(h, 'bold')),
    ...rows.map((r) => [text(r.label), both(r.baseline), both(r.policy), both(r.delta)]),
  ];
  // a rule before each new section (statuses, causes, latency) keeps the eye on the groups
  const breaks = new Set<number>([0, 1, data.length]);
  rows.forEach((r, i) => i > 0 && r.section !== rows[i - 1].section && breaks.add(i + 1));
  out.push(
    table(data, {
      border: getBorderCharacters('norc'),
      columns: [
        { width: LABEL_W, wrapWord: true },
        ...[0, 1, 2].map(() => ({ width: VALUE_W, alignment: 'right' as const, wrapWord: true })),
      ],
      drawHorizontalLine: (i) => breaks.has(i),
    }).trimEnd(),
  );
  out.push(
    paint(`intervals: 95 % (Wilson for shares, Newcombe for differences, order statistics for percentiles)`, 'dim'),
  );
  out.push('');

  const subsets = subsetRows(report);
  if (subsets.length) {
    out.push(`${paint('per subset', 'bold')} (share of the phase's requests; failed = share of the subset's own)`);
    for (const phase of ['baseline', 'policy'] as const) {
      const mine = subsets.filter((r) => r.phase === phase);
      if (!mine.length) continue;
      const head = [phase, 'req', 'share [interval]', 'weight', 'failed [interval]', 'p50 / p95'].map((h) =>
        paint(h, 'bold'),
      );
      const body = mine.map((r) => [text(r.subset), r.requests, r.share, r.declared, r.failed, `${r.p50} / ${r.p95}`]);
      // 10 + 6 + 20 + 6 + 20 + 17 columns and their borders: within TERMINAL_WIDTH
      out.push(
        table([head, ...body], {
          border: getBorderCharacters('norc'),
          columns: [10, 6, 20, 6, 20, 17].map((width) => ({ width, wrapWord: true })),
        }).trimEnd(),
      );
    }
    for (const line of splitLines(report)) out.push(wrap(`split ${text(line)}`, TERMINAL_WIDTH, 6));
    out.push('');
  }

  const gw = gatewayRows(report);
  if (gw.rows.length) {
    out.push(
      wrap(
        `${paint('gateway counters', 'bold')} (Envoy /stats, change over each phase)${gw.scope ? ` under ${text(gw.scope)}` : ''}`,
        TERMINAL_WIDTH,
      ),
    );
    out.push(
      table(
        [
          ['stat', 'baseline', 'policy'].map((h) => paint(h, 'bold')),
          ...gw.rows.map((r) => [text(r.stat), r.baseline, r.policy]),
        ],
        {
          border: getBorderCharacters('norc'),
          columns: [
            { width: 56, wrapWord: true },
            { width: 15, alignment: 'right' },
            { width: 15, alignment: 'right' },
          ],
          drawHorizontalLine: (i, size) => i === 0 || i === 1 || i === size,
        },
      ).trimEnd(),
      '',
    );
  }
  const gates = gateRows(report);
  if (gates.length) {
    const gateData = [
      ['verdict', 'gate', 'observed', '95 % interval'].map((h) => paint(h, 'bold')),
      ...gates.map((g) => [
        verdictWord(g.verdict),
        text(`${g.scope} ${g.metric} ${g.expression}`),
        g.observed,
        g.interval,
      ]),
    ];
    out.push(
      table(gateData, {
        border: getBorderCharacters('norc'),
        columns: [
          { width: 12 },
          { width: 42, wrapWord: true },
          { width: 14, alignment: 'right' },
          { width: 19, alignment: 'right' },
        ],
        drawHorizontalLine: (i, size) => i === 0 || i === 1 || i === size,
      }).trimEnd(),
    );
    for (const g of gates.filter((g) => g.verdict !== 'pass'))
      out.push(wrap(`${verdictWord(g.verdict)}: ${text(g.message)}`, TERMINAL_WIDTH));
    out.push('');
  }
  for (const note of noteLines(report)) out.push(wrap(`${paint('note', 'dim')} ${text(note)}`, TERMINAL_WIDTH));
  out.push(`${paint('verdict', 'bold')} ${verdictWord(report.verdict)} — ${verdictLine(report)}`);
  return `${out.join('\n')}\n`;
}

/** Greedy word wrap with a hanging indent (ANSI codes do not count towards the width). */
function wrap(s: string, width: number, indent = 2): string {
  const words = s.split(' ');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && visible(line).length + 1 + visible(w).length > width) {
      lines.push(line);
      line = `${' '.repeat(indent)}${w}`;
    } else line = line ? `${line} ${w}` : w;
  }
  lines.push(line);
  return lines.join('\n');
}

const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
