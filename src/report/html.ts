/**
 * report.html: one self-contained page (inline CSS and SVG, no script, no network) that a
 * person would rather look at than read JSON: the verdict first, then the gates, the three
 * charts, and the full side-by-side table. Every piece of text goes through escapeHtml.
 */
import { latencyChart, outcomeBars, timelineChart } from './charts.js';
import { formatMs, formatNumber, formatPct, formatPp } from './format.js';
import type { Report, Verdict } from './model.js';
import { factLines, gateRows, statRows, verdictLine, type Cell, noteLines, gatewayRows } from './rows.js';
import { escapeHtml as e } from './svg.js';
import { subsetSection } from './subset-html.js';

const VERDICT_TEXT: Record<Verdict, string> = {
  pass: 'every gate held',
  fail: 'a gate failed',
  inconclusive: 'the data cannot decide at 95 % confidence',
};

export function render(report: Report): string {
  const b = report.phases.baseline.stats;
  const q = report.phases.policy.stats;
  const c = report.comparison;
  const card = (label: string, from: string, to: string, delta: string) =>
    `<div class="card"><div class="label">${e(label)}</div><div class="values"><span class="baseline">${e(from)}</span><span class="arrow">→</span><span class="policy">${e(to)}</span></div><div class="delta">${e(delta)}</div></div>`;
  const p95 = c.percentiles.p95;
  const cards = [
    card(
      'requests per second',
      formatNumber(b.throughput),
      formatNumber(q.throughput),
      `${c.throughput.delta >= 0 ? '+' : ''}${formatNumber(c.throughput.delta)} req/s`,
    ),
    card(
      'successful per second',
      formatNumber(b.goodput),
      formatNumber(q.goodput),
      `${c.goodput.delta >= 0 ? '+' : ''}${formatNumber(c.goodput.delta)} ok/s`,
    ),
    card('failed requests', formatPct(b.failed.ratio), formatPct(q.failed.ratio), formatPp(c.failed.delta)),
    p95
      ? card(
          'p95 latency',
          formatMs(p95.baseline),
          formatMs(p95.policy),
          `${p95.delta >= 0 ? '+' : ''}${formatMs(p95.delta)}`,
        )
      : '',
    card(
      'requests measured',
      String(b.requests),
      String(q.requests),
      `${report.scenario.repeat} repetition${report.scenario.repeat === 1 ? '' : 's'}`,
    ),
  ];
  const gates = gateRows(report);
  const gateTable = gates.length
    ? `<table class="gates"><thead><tr><th>verdict</th><th>scope</th><th>gate</th><th class="num">observed</th><th class="num">95 % interval</th><th>why</th></tr></thead><tbody>${gates
        .map(
          (g) =>
            `<tr class="${g.verdict}"><td><span class="pill ${g.verdict}">${g.verdict}</span></td><td>${e(g.scope)}</td><td><code>${e(g.metric)}</code> <code>${e(g.expression)}</code></td><td class="num">${e(g.observed)}</td><td class="num">${e(g.interval)}</td><td class="why">${e(g.message)}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '<p class="muted">No gates were set.</p>';
  const both = (x: Cell) => `${e(x.value)}${x.interval ? `<span class="ci">${e(x.interval)}</span>` : ''}`;
  const rows = statRows(report);
  const statTable = `<table class="stats"><thead><tr><th></th><th class="num">baseline</th><th class="num">policy</th><th class="num">delta (policy − baseline)</th></tr></thead><tbody>${rows
    .map(
      (r, i) =>
        `<tr${i > 0 && r.section !== rows[i - 1].section ? ' class="section"' : ''}><th>${e(r.label)}</th><td class="num">${both(r.baseline)}</td><td class="num">${both(r.policy)}</td><td class="num">${both(r.delta)}</td></tr>`,
    )
    .join('')}</tbody></table>`;
  const gw = gatewayRows(report);
  const gateway = gw.rows.length
    ? `<section><h2>Gateway counters</h2><p class="muted">Envoy /stats, change over each phase${gw.scope ? ` — names under <code>${e(gw.scope)}</code>` : ''}. They confirm, from the proxy's side, what the client saw.</p><table class="stats"><thead><tr><th>stat</th><th class="num">baseline</th><th class="num">policy</th></tr></thead><tbody>${gw.rows
        .map(
          (r) =>
            `<tr><th><code>${e(r.stat)}</code></th><td class="num">${e(r.baseline)}</td><td class="num">${e(r.policy)}</td></tr>`,
        )
        .join('')}</tbody></table></section>`
    : '';
  const facts = `<dl class="facts">${factLines(report)
    .map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(v)}</dd>`)
    .join('')}</dl>`;
  const notes = noteLines(report);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(`meshproof · ${report.scenario.name} · ${report.verdict}`)}</title>
<style>${CSS}</style>
</head>
<body>
<header class="verdict ${report.verdict}">
<div class="word">${report.verdict.toUpperCase()}</div>
<div><h1>${e(report.scenario.name)}</h1>
<p class="summary">${e(VERDICT_TEXT[report.verdict])} · ${e(verdictLine(report))}</p>
${report.scenario.description ? `<p class="description">${e(report.scenario.description)}</p>` : ''}</div>
</header>
<main>
<section class="cards">${cards.join('')}</section>
<section><h2>Gates</h2>${gateTable}</section>
${subsetSection(report)}<section><h2>Latency percentiles</h2><p class="muted">Both phases overlaid; dots are the reported percentiles with their 95 % order-statistic intervals.</p>${latencyChart(report)}</section>
<section><h2>Outcomes</h2><p class="muted">Share of requests by cause (why it failed) and by HTTP status.</p>${outcomeBars(report)}</section>
<section><h2>Timeline</h2><p class="muted">Requests completed per second, stacked by cause; dashed: p95 per second.</p>${timelineChart(report)}</section>
<section><h2>Baseline vs policy</h2>${statTable}<p class="muted">Small numbers are 95 % intervals: Wilson for shares, Newcombe for differences, order statistics for percentiles.</p></section>
${gateway}
<section><h2>Run</h2>${facts}${notes.length ? `<ul class="notes">${notes.map((n) => `<li>${e(n)}</li>`).join('')}</ul>` : ''}</section>
</main>
<footer>meshproof ${e(report.tool.version)} · report schema ${report.schemaVersion} · ${e(report.runId)}</footer>
</body>
</html>
`;
}

const CSS = `
:root{--fg:#212529;--muted:#6c757d;--line:#dee2e6;--bg:#f8f9fa;--pass:#2b8a3e;--fail:#c92a2a;--inconclusive:#e67700;--baseline:#3b5bdb;--policy:#d6336c}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
header.verdict{display:flex;gap:28px;align-items:center;padding:28px 40px;color:#fff}
header.pass{background:linear-gradient(135deg,#2b8a3e,#37b24d)}
header.fail{background:linear-gradient(135deg,#a61e4d,#e03131)}
header.inconclusive{background:linear-gradient(135deg,#d9480f,#f59f00)}
header .word{font-size:40px;font-weight:800;letter-spacing:2px;padding:6px 20px;border:3px solid rgba(255,255,255,.85);border-radius:10px}
header h1{margin:0;font-size:26px}
header p{margin:4px 0 0}
header .description{opacity:.9}
main{max-width:980px;margin:0 auto;padding:12px 24px 32px}
section{background:#fff;border:1px solid var(--line);border-radius:10px;padding:18px 22px;margin:18px 0}
section.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:12px;background:none;border:none;padding:0}
.card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:14px 16px}
.card .label{color:var(--muted);font-size:13px;text-transform:uppercase;letter-spacing:.5px}
.card .values{font-size:18px;font-weight:650;margin:4px 0;white-space:nowrap}
.card .baseline{color:var(--baseline)}.card .policy{color:var(--policy)}.card .arrow{color:var(--muted);margin:0 8px;font-weight:400}
.card .delta{color:var(--muted);font-size:13px}
h2{margin:0 0 8px;font-size:18px}
.muted{color:var(--muted);font-size:13px;margin:0 0 10px}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
thead th{font-size:12px;text-transform:uppercase;letter-spacing:.5px;color:var(--muted)}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.section th,tr.section td{border-top:2px solid var(--line)}
table.stats th:first-child{width:22%}table.stats td{width:26%}
.ci{display:block;color:var(--muted);font-size:12px}
.why{color:var(--muted);font-size:13px}
td code{white-space:nowrap}
code{font:13px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--bg);padding:1px 5px;border-radius:4px}
.pill{display:inline-block;padding:1px 10px;border-radius:999px;color:#fff;font-size:12px;font-weight:700;text-transform:uppercase}
.pill.pass{background:var(--pass)}.pill.fail{background:var(--fail)}.pill.inconclusive{background:var(--inconclusive)}
svg.chart{width:100%;height:auto;display:block}
svg .grid{stroke:#e9ecef;stroke-width:1}
svg .tick{font-size:11px;fill:var(--muted)}
svg .axis{font-size:12px;fill:var(--muted)}
svg .legend text{font-size:12px;fill:var(--fg)}
svg .rowlabel{font-size:13px;fill:var(--fg)}
svg .inbar{font-size:12px;fill:#fff;font-weight:600}
svg .whisker{stroke-width:1.5}svg .whisker.open{stroke-dasharray:3 3}
svg .band-baseline{fill:rgba(59,91,219,.06)}svg .band-policy{fill:rgba(214,51,108,.06)}
svg .bandlabel{font-size:12px;font-weight:700;text-transform:uppercase}
svg .applied{stroke:#c92a2a;stroke-width:2;stroke-dasharray:6 4}
svg .appliedlabel{font-size:12px;fill:#c92a2a;font-weight:700}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
dt{color:var(--muted)}dd{margin:0}
ul.notes{margin:12px 0 0;padding-left:20px;color:var(--muted)}
footer{text-align:center;color:var(--muted);font-size:12px;padding:0 0 24px}
@media (max-width:760px){section.cards{grid-template-columns:repeat(2,1fr)}header.verdict{padding:20px}}
`;
