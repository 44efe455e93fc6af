/**
 * report.md (GitHub-flavoured Markdown), also appended to $GITHUB_STEP_SUMMARY when it is
 * set so a CI run shows the verdict on its summary page (ecosystem.md "Conventions").
 */
import { appendFile, stat } from 'node:fs/promises';
import { readEnv, type EnvConfig } from '../config.js';
import { stripControl } from './format.js';
import type { Report, Verdict } from './model.js';
import { factLines, gateRows, statRows, verdictLine, type Cell, noteLines, gatewayRows } from './rows.js';
import { splitLines, subsetRows } from './subset-rows.js';

const ICON: Record<Verdict, string> = { pass: '✅', fail: '❌', inconclusive: '⚠️' };

/** GitHub refuses step summaries above 1 MiB (per step); we stay under it with everything already there. */
export const STEP_SUMMARY_CAP_BYTES = 1024 * 1024;

/**
 * Plain user text, safe in a paragraph, list item or table cell: no HTML, no emphasis, links or
 * code, no line breaks, no bidi overrides (stripControl), and no `@user` / `@org/team` mention
 * that would notify someone when the report is posted as a PR comment: a zero-width space
 * after the `@` (`&#8203;`, as Dependabot does in the release notes it quotes) keeps the text
 * readable but not a mention.
 */
export function escapeMarkdown(s: string): string {
  return stripControl(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@(?=[A-Za-z0-9])/g, '@&#8203;')
    .replace(/([\\`*_[\]|~])/g, '\\$1'); // every text we print has a prefix, so line-start syntax (#, -, >) cannot trigger
}

/**
 * Largest report.md: 65,536 bytes. GitHub refuses a comment body over 65,536 characters
 * ("Body is too long (maximum is 65536 characters)", REST API 422), and report.md is meant to be
 * posted as one; counting bytes (≥ characters) keeps every script under it. A policy set of
 * 10,000 routes made a 4.5 MB report.md before lint findings were grouped.
 */
export const REPORT_MD_CAP_BYTES = 65_536;

export function render(report: Report): string {
  return capMarkdown(renderAll(report), REPORT_MD_CAP_BYTES);
}

/** `text` cut at a line so that it and the note saying where the rest is fit in `cap` bytes. */
export function capMarkdown(text: string, cap: number): string {
  if (Buffer.byteLength(text) <= cap) return text;
  const lines = text.split('\n');
  const tail = (n: number) =>
    `\n\n_(cut: report.md stops at ${cap.toLocaleString('en-US')} bytes, GitHub's limit for a comment; ${n.toLocaleString('en-US')} more ` +
    `lines are left out. The whole report is report.html (and report.json) in the same folder.)_`;
  const kept = linesThatFit(lines, cap - Buffer.byteLength(tail(lines.length))); // the longest count the tail can say
  return lines.slice(0, kept).join('\n') + tail(lines.length - kept);
}

const TABLE_DELIMITER = /^\|(\s*:?-+:?\s*\|)+$/;

/**
 * How many of `lines` (each followed by a newline) fit in `budget` bytes, cut where the
 * Markdown before it still renders as meant: a line is never split (so neither is a UTF-8
 * character, a `<sub>…</sub>` or an escape), and the cut does not leave a section heading, a
 * table's header row, or a header and its delimiter row without any row under them — GFM
 * renders a header row without its delimiter row as a paragraph of pipes.
 */
export function linesThatFit(lines: readonly string[], budget: number): number {
  let used = 0;
  let kept = 0;
  while (kept < lines.length && used + Buffer.byteLength(lines[kept]) + 1 <= budget)
    used += Buffer.byteLength(lines[kept++]) + 1;
  if (kept === lines.length) return kept;
  while (kept > 0) {
    const last = lines[kept - 1];
    if (last.trim() === '' || last.startsWith('#')) kept--;
    else if (TABLE_DELIMITER.test(last))
      kept = Math.max(0, kept - 2); // with its header row
    else if (last.startsWith('|') && TABLE_DELIMITER.test(lines[kept] ?? ''))
      kept--; // a header whose delimiter did not fit
    else return kept;
  }
  return 0;
}

function renderAll(report: Report): string {
  const e = escapeMarkdown;
  const out: string[] = [];
  out.push(`## ${ICON[report.verdict]} meshproof: ${e(report.scenario.name)} — ${report.verdict.toUpperCase()}`, '');
  if (report.scenario.description) out.push(`> ${e(report.scenario.description)}`, '');
  out.push(`**${verdictLine(report)}**`, '');
  out.push('| | |', '|---|---|', ...factLines(report).map(([k, v]) => `| ${k} | ${e(v)} |`), '');

  const both = (c: Cell) => (c.interval ? `${e(c.value)} <sub>${e(c.interval)}</sub>` : e(c.value));
  out.push('### Baseline vs policy', '');
  out.push('| | baseline | policy | delta (policy − baseline) |', '|---|--:|--:|--:|');
  for (const r of statRows(report))
    out.push(`| ${e(r.label)} | ${both(r.baseline)} | ${both(r.policy)} | ${both(r.delta)} |`);
  out.push(
    '',
    '<sub>95 % intervals: Wilson for shares, Newcombe for differences, order statistics for percentiles.</sub>',
    '',
  );

  const subsets = subsetRows(report);
  if (subsets.length) {
    out.push('### Per subset', '');
    out.push(
      '| phase | subset | requests | share | declared | failed | p50 / p95 / p99 | statuses | causes |',
      '|---|---|--:|--:|--:|--:|--:|---|---|',
    );
    for (const r of subsets)
      out.push(
        `| ${r.phase} | ${e(r.subset)} | ${r.requests} | ${e(r.share)} | ${e(r.declared)} | ${e(r.failed)} | ${e(`${r.p50} / ${r.p95} / ${r.p99}`)} | ${e(r.statuses)} | ${e(r.causes)} |`,
      );
    out.push('', ...splitLines(report).map((l) => `- split ${e(l)}`), '');
  }

  const gw = gatewayRows(report);
  if (gw.rows.length) {
    out.push(
      '### Gateway counters',
      '',
      `Envoy /stats, change over each phase${gw.scope ? ` (names under ${e(gw.scope)})` : ''}`,
      '',
    );
    out.push(
      '| stat | baseline | policy |',
      '|---|--:|--:|',
      ...gw.rows.map((r) => `| ${e(r.stat)} | ${r.baseline} | ${r.policy} |`),
      '',
    );
  }
  const gates = gateRows(report);
  if (gates.length) {
    out.push('### Gates', '');
    out.push('| verdict | scope | metric | gate | observed | 95 % interval | why |', '|---|---|---|---|--:|--:|---|');
    for (const g of gates) {
      out.push(
        `| ${ICON[g.verdict]} ${g.verdict} | ${g.scope} | ${e(g.metric)} | ${e(g.expression)} | ${e(g.observed)} | ${e(g.interval)} | ${e(g.message)} |`,
      );
    }
    out.push('');
  }
  const notes = noteLines(report);
  if (notes.length) out.push('### Notes', '', ...notes.map((n) => `- ${e(n)}`), '');
  return out.join('\n');
}

/**
 * Appends the Markdown report to $GITHUB_STEP_SUMMARY when set. Returns what happened, so the
 * caller can say so. Past the cap, the report is cut at a line and says where the rest is.
 */
export async function appendStepSummary(
  report: Report,
  env: Pick<EnvConfig, 'githubStepSummary'> = readEnv(),
): Promise<'written' | 'truncated' | 'skipped'> {
  const file = env.githubStepSummary;
  if (!file) return 'skipped';
  const used = await stat(file).then(
    (s) => s.size,
    () => 0,
  );
  const text = `${render(report)}\n`;
  const room = STEP_SUMMARY_CAP_BYTES - used;
  if (Buffer.byteLength(text) <= room) {
    await appendFile(file, text);
    return 'written';
  }
  const tail = '\n\n_(cut: GitHub step summaries are capped at 1 MiB; the full report is in report.html)_\n';
  const budget = room - Buffer.byteLength(tail);
  if (budget <= 0) return 'skipped';
  const lines = text.split('\n');
  const cut = lines
    .slice(0, linesThatFit(lines, budget))
    .map((l) => `${l}\n`)
    .join('');
  await appendFile(file, cut + tail);
  return 'truncated';
}
