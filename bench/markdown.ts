/**
 * Renders bench/results.json as the Markdown table of the README's Performance section:
 * `npx tsx bench/markdown.ts [results.json]` → stdout. One row per figure, the machine on top.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatNumber, formatTarget, type Figure, type Results } from './report.js';

export function renderMarkdown(r: Results): string {
  const head = `Measured ${r.endedAt.slice(0, 16).replace('T', ' ')} UTC (\`npm run bench${r.mode === 'quick' ? ' -- --quick' : ''}\`) on ${r.machine.nproc} × ${r.machine.cpu}, Node ${r.machine.node}, ${r.machine.platform}.`;
  const rows = r.figures.map(row);
  return [
    head,
    '',
    '| benchmark | figure | value | reference | ratio | target | result |',
    '|---|---|---:|---|---:|---|---|',
    ...rows,
    '',
  ].join('\n');
}

function row(f: Figure): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const value = f.value === null ? '—' : `${formatNumber(f.value)} ${f.unit}`;
  const ref = f.reference ? `${f.reference.name} ${formatNumber(f.reference.value)}` : '—';
  const ratio = f.ratio === undefined || f.ratio === null ? '—' : `${formatNumber(f.ratio)}×`;
  const status = f.status === 'ok' ? 'ok' : f.status === 'short' ? '**short**' : f.status;
  const result = f.note ? `${status} (${f.note})` : status;
  return `| ${f.bench} | ${cell(f.name)} | ${value} | ${cell(ref)} | ${ratio} | ${cell(formatTarget(f.target, f.unit) || '—')} | ${cell(result)} |`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const path = process.argv[2] ?? fileURLToPath(new URL('./results.json', import.meta.url));
  process.stdout.write(renderMarkdown(JSON.parse(readFileSync(path, 'utf8')) as Results));
}
