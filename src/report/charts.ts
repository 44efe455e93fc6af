/**
 * The HTML report's three charts as inline SVG: latency percentile curves of both phases
 * overlaid (from the histograms), stacked outcome bars (causes and statuses), and the
 * per-second timeline with the moment the policy took effect.
 */
import { CAUSES, type Cause } from '../load/classify.js';
import { histogramOf } from '../analysis/decoded.js';
import { formatPct, isNum } from './format.js';
import type { PhaseName, Report } from './model.js';
import { causesOf, statusCodes } from './rows.js';
import { escapeHtml, line, linear, niceTicks, polyline, r2, rect, text } from './svg.js';

export const PHASE_COLOR: Record<PhaseName, string> = { baseline: '#3b5bdb', policy: '#d6336c' };
export const CAUSE_COLOR: Record<Cause, string> = {
  ok: '#37b24d',
  overflow: '#f76707',
  no_healthy_upstream: '#862e9c',
  route_timeout: '#7048e8',
  fault_abort: '#f59f00',
  upstream_reset: '#e64980',
  app_error: '#e03131',
  client_error: '#1098ad',
  network_error: '#495057',
};

export function statusColor(code: string): string {
  const c = Number(code);
  if (c === 0) return '#495057';
  if (c < 300) return '#37b24d';
  if (c < 400) return '#20c997';
  if (c < 500) return '#1098ad';
  return c === 503 ? '#f76707' : c === 504 ? '#7048e8' : '#e03131';
}

const PHASES: PhaseName[] = ['baseline', 'policy'];
const W = 880;

function frame(h: number, label: string, body: string[]): string {
  return `<svg class="chart" viewBox="0 0 ${W} ${h}" role="img" aria-label="${escapeHtml(label)}" xmlns="http://www.w3.org/2000/svg">${body.join('')}</svg>`;
}

/** Percentile p (0..100) ↔ "nines" x = −log10(1 − p/100), so p90, p99, p99.9 are equally spaced. */
const nines = (p: number) => -Math.log10(1 - p / 100);
const NINE_TICKS: [number, string][] = [
  [0, 'min'],
  [50, 'p50'],
  [90, 'p90'],
  [99, 'p99'],
  [99.9, 'p99.9'],
  [99.99, 'p99.99'],
];

export function latencyChart(report: Report): string {
  const H = 330,
    L = 64,
    R = 20,
    T = 20,
    B = 46;
  const curves = PHASES.map((phase) => {
    const h = histogramOf(report.phases[phase].result.histograms.overall);
    const n = h.totalCount;
    // beyond 1/n of the samples there is no data: the curve stops at the last sample's tail
    const xmax = n > 1 ? Math.min(4, Math.log10(n)) : 0;
    const pts: [number, number][] = [];
    for (let x = 0; n > 0 && x <= xmax + 1e-9; x += 0.02)
      pts.push([x, h.getValueAtPercentile(100 * (1 - 10 ** -x)) / 1000]);
    if (n > 0) pts.push([xmax, h.maxValue / 1000]);
    return { phase, n, pts };
  });
  const xmax = Math.max(2, ...curves.map((c) => (c.pts.length ? c.pts[c.pts.length - 1][0] : 0)));
  const yTicks = niceTicks(Math.max(1, ...curves.flatMap((c) => c.pts.map((p) => p[1]))));
  const sx = linear(0, xmax, L, W - R);
  const sy = linear(0, yTicks[yTicks.length - 1], H - B, T);
  const body: string[] = [];
  for (const v of yTicks)
    body.push(
      line(L, sy(v), W - R, sy(v), 'grid'),
      text(L - 8, sy(v) + 4, String(v), 'class="tick" text-anchor="end"'),
    );
  for (const [p, label] of NINE_TICKS) {
    const x = nines(p);
    if (x > xmax + 1e-9) continue;
    body.push(
      line(sx(x), T, sx(x), H - B, 'grid'),
      text(sx(x), H - B + 18, label, 'class="tick" text-anchor="middle"'),
    );
  }
  body.push(axisLabel(14, T + (H - T - B) / 2, -90, 'latency (ms)'));
  body.push(
    text(L + (W - L - R) / 2, H - 6, 'percentile (log scale of the tail)', 'class="axis" text-anchor="middle"'),
  );
  for (const c of curves) {
    if (!c.pts.length) continue;
    body.push(
      polyline(
        c.pts.map(([x, y]) => [sx(x), sy(y)]),
        PHASE_COLOR[c.phase],
        `class="curve curve-${c.phase}"`,
      ),
    );
    // the reported percentiles with their 95 % order-statistic intervals
    for (const ps of Object.values(report.phases[c.phase].stats.percentiles)) {
      if (!isNum(ps.value) || nines(ps.p) > xmax) continue;
      const x = sx(nines(ps.p));
      const top = isNum(ps.hi) ? sy(Math.min(ps.hi, yTicks[yTicks.length - 1])) : T;
      const bottom = isNum(ps.lo) ? sy(ps.lo) : H - B;
      body.push(
        `<g class="ci" stroke="${PHASE_COLOR[c.phase]}"><title>${escapeHtml(`${c.phase} p${ps.p}: ${ps.value} ms [${ps.lo} – ${isNum(ps.hi) ? ps.hi : '∞'}]`)}</title>`,
        line(x, top, x, bottom, isNum(ps.hi) ? 'whisker' : 'whisker open'),
        line(x - 4, bottom, x + 4, bottom, 'whisker'),
        isNum(ps.hi) ? line(x - 4, top, x + 4, top, 'whisker') : '',
        `<circle cx="${r2(x)}" cy="${r2(sy(ps.value))}" r="3.5" fill="${PHASE_COLOR[c.phase]}"/></g>`,
      );
    }
  }
  body.push(
    legend(
      L + 12,
      T + 6,
      curves.map((c) => ({ color: PHASE_COLOR[c.phase], label: `${c.phase} (n = ${c.n})` })),
    ),
  );
  return frame(H, 'Latency percentile curves, baseline and policy', body);
}

function legend(x: number, y: number, items: { color: string; label: string }[], across = false): string {
  const out: string[] = ['<g class="legend">'];
  let cx = x;
  items.forEach((it, i) => {
    const ly = across ? y : y + i * 18;
    out.push(
      `<rect x="${r2(cx)}" y="${r2(ly)}" width="12" height="12" rx="2" fill="${it.color}"/>`,
      text(cx + 18, ly + 10, it.label),
    );
    if (across) cx += 30 + it.label.length * 7;
  });
  out.push('</g>');
  return out.join('');
}

export function outcomeBars(report: Report): string {
  const L = 150,
    R = 20,
    BAR = 26,
    GAP = 12,
    T = 10;
  const causes = causesOf(report);
  const codes = statusCodes(report);
  const rows: { label: string; parts: { key: string; count: number; color: string }[]; n: number }[] = [];
  for (const phase of PHASES) {
    const s = report.phases[phase].stats;
    rows.push({
      label: `${phase} · causes`,
      n: s.requests,
      parts: causes.map((c) => ({ key: c, count: s.causes[c]?.count ?? 0, color: CAUSE_COLOR[c] })),
    });
  }
  for (const phase of PHASES) {
    const s = report.phases[phase].stats;
    rows.push({
      label: `${phase} · status`,
      n: s.requests,
      parts: codes.map((c) => ({ key: c, count: s.statuses[c]?.count ?? 0, color: statusColor(c) })),
    });
  }
  const legendY = T + rows.length * (BAR + GAP) + 6;
  const H = legendY + 30;
  const sx = linear(0, 1, L, W - R);
  const body: string[] = [];
  rows.forEach((row, i) => {
    const y = T + i * (BAR + GAP) + (i >= 2 ? 6 : 0);
    body.push(text(L - 10, y + BAR / 2 + 5, row.label, 'class="rowlabel" text-anchor="end"'));
    let acc = 0;
    for (const part of row.parts) {
      if (!part.count || !row.n) continue;
      const share = part.count / row.n;
      const x0 = sx(acc);
      const w = sx(acc + share) - x0;
      body.push(
        rect(
          x0,
          y,
          w,
          BAR,
          part.color,
          `${row.label.split(' ')[0]} ${part.key}: ${part.count} of ${row.n} (${formatPct(share)})`,
        ),
      );
      if (w > 64)
        body.push(
          text(x0 + w / 2, y + BAR / 2 + 5, `${part.key} ${formatPct(share)}`, 'class="inbar" text-anchor="middle"'),
        );
      else if (w > 40)
        body.push(text(x0 + w / 2, y + BAR / 2 + 5, formatPct(share), 'class="inbar" text-anchor="middle"'));
      acc += share;
    }
    if (!row.n) body.push(text(L + 6, y + BAR / 2 + 5, 'no requests', 'class="tick"'));
  });
  const items = [
    ...causes.map((c) => ({ color: CAUSE_COLOR[c], label: c })),
    ...codes.map((c) => ({ color: statusColor(c), label: `status ${c}` })),
  ];
  body.push(legend(L, legendY, items, true));
  return frame(H, 'Outcome shares by cause and by status, baseline and policy', body);
}

/**
 * Where each phase sits on the timeline's x axis (seconds). One repetition: wall-clock time
 * since the first phase started, so the gap for apply + propagation shows and the policy
 * marker falls where it happened. Pooled repetitions (A B B A …): each phase's timeline is
 * the per-second sum over its repetitions, so the phases are laid side by side and the
 * marker stands between them.
 */
function timelineLayout(report: Report) {
  const GAP_S = 2;
  const len = (p: PhaseName) => report.phases[p].result.timeline.length;
  if (report.scenario.repeat > 1) {
    const start = { baseline: 0, policy: len('baseline') + GAP_S };
    const span = { baseline: len('baseline'), policy: len('policy') };
    return {
      start,
      span,
      total: start.policy + span.policy,
      applied: start.policy - GAP_S / 2,
      axis: `seconds into each phase (${report.scenario.repeat} repetitions pooled)`,
    };
  }
  const at = (p: PhaseName) => Date.parse(report.phases[p].result.startedAt);
  const t0 = Math.min(at('baseline'), at('policy'));
  const start = { baseline: (at('baseline') - t0) / 1000, policy: (at('policy') - t0) / 1000 };
  const span = {
    baseline: Math.max(len('baseline'), report.phases.baseline.result.durationMs / 1000),
    policy: Math.max(len('policy'), report.phases.policy.result.durationMs / 1000),
  };
  const appliedAt = Date.parse(report.phases.policy.policyAppliedAt ?? '');
  return {
    start,
    span,
    total: Math.max(start.baseline + span.baseline, start.policy + span.policy),
    applied: Number.isNaN(appliedAt) ? undefined : (appliedAt - t0) / 1000,
    axis: 'seconds since the first phase started',
  };
}

export function timelineChart(report: Report): string {
  const H = 320,
    L = 64,
    R = 64,
    T = 34,
    B = 42;
  const layout = timelineLayout(report);
  const span = Math.max(1, layout.total);
  const sx = linear(0, span, L, W - R);
  const bars: { x: number; phase: PhaseName; point: Report['phases']['baseline']['result']['timeline'][number] }[] = [];
  for (const phase of PHASES)
    for (const point of report.phases[phase].result.timeline)
      bars.push({ x: layout.start[phase] + point.t, phase, point });
  const yTicks = niceTicks(Math.max(1, ...bars.map((b) => b.point.requests)));
  const sy = linear(0, yTicks[yTicks.length - 1], H - B, T);
  const p95s = bars.map((b) => b.point.p95).filter(isNum);
  const msTicks = niceTicks(Math.max(1, ...p95s), 4);
  const sms = linear(0, msTicks[msTicks.length - 1], H - B, T);
  const body: string[] = [];
  PHASES.forEach((phase) => {
    const x0 = sx(layout.start[phase]);
    const x1 = sx(layout.start[phase] + layout.span[phase]);
    body.push(`<rect x="${r2(x0)}" y="${T}" width="${r2(x1 - x0)}" height="${H - T - B}" class="band band-${phase}"/>`);
    body.push(text(x0 + 6, T - 10, phase, `class="bandlabel" fill="${PHASE_COLOR[phase]}"`));
  });
  for (const v of yTicks)
    body.push(
      line(L, sy(v), W - R, sy(v), 'grid'),
      text(L - 8, sy(v) + 4, String(v), 'class="tick" text-anchor="end"'),
    );
  for (const v of msTicks) body.push(text(W - R + 8, sms(v) + 4, String(v), 'class="tick tick-ms"'));
  for (const v of niceTicks(span, 8))
    if (v <= span) body.push(text(sx(v), H - B + 18, `${v}s`, 'class="tick" text-anchor="middle"'));
  const bw = Math.max(1, sx(1) - sx(0) - 2);
  for (const b of bars) {
    let acc = 0;
    for (const cause of CAUSES) {
      const k = b.point.causes[cause] ?? 0;
      if (!k) continue;
      body.push(
        rect(
          sx(b.x) + 1,
          sy(acc + k),
          bw,
          sy(acc) - sy(acc + k),
          CAUSE_COLOR[cause],
          `${b.phase} second ${b.point.t}: ${cause} ${k} of ${b.point.requests}`,
        ),
      );
      acc += k;
    }
  }
  for (const phase of PHASES) {
    const pts = bars
      .filter((b) => b.phase === phase && isNum(b.point.p95))
      .map((b) => [sx(b.x + 0.5), sms(b.point.p95!)] as [number, number]);
    if (pts.length) body.push(polyline(pts, '#212529', 'class="p95" stroke-dasharray="5 3"'));
  }
  if (layout.applied !== undefined && (report.phases.policy.policyAppliedAt || report.scenario.repeat > 1)) {
    const x = sx(layout.applied);
    body.push(line(x, T - 4, x, H - B, 'applied'), text(x + 5, T + 12, 'policy applied', 'class="appliedlabel"'));
  }
  body.push(
    axisLabel(14, T + (H - T - B) / 2, -90, 'requests per second'),
    axisLabel(W - 12, T + (H - T - B) / 2, 90, 'p95 (ms), dashed'),
  );
  body.push(text(L + (W - L - R) / 2, H - 6, layout.axis, 'class="axis" text-anchor="middle"'));
  return frame(H, 'Per-second timeline of outcomes and p95, with the moment the policy was applied', body);
}

/** A vertical axis title centred on (x, y), turned by `angle` degrees about that point. */
function axisLabel(x: number, y: number, angle: number, label: string): string {
  return text(x, y, label, `class="axis" text-anchor="middle" transform="rotate(${angle} ${x} ${r2(y)})"`);
}
