/**
 * What every human-facing renderer shows, computed once: the side-by-side rows (baseline,
 * policy, delta — each a value and its interval), the gate rows, and the one-line facts.
 * Renderers only lay these out, so the terminal, Markdown and HTML never disagree.
 */
import { wilson } from '../analysis/stats.js';
import { CAUSES, type Cause } from '../load/classify.js';
import type { LoadProfile } from '../load/model.js';
import { formatDeltaMs, formatMs, formatNumber, formatPct, formatPp, isNum, type Num } from './format.js';
import type { GateReport, PhaseName, Report, Verdict } from './model.js';
import { describeTopology, topologyOf } from './topology.js';
import { unexposedText } from './gateway-text.js';

export interface Cell {
  value: string;
  /** "lo – hi" without brackets, or '' */
  interval: string;
}
export type Section = 'volume' | 'status' | 'cause' | 'latency';
export interface StatRow {
  section: Section;
  label: string;
  baseline: Cell;
  policy: Cell;
  delta: Cell;
}

const cell = (value: string, interval = ''): Cell => ({ value, interval });
const EMPTY = cell('');

/** Bare numbers for interval bounds: the unit is in the value beside them. */
export const pctBound = (x: Num) =>
  isNum(x) ? (Math.abs(x * 100) < 1 && x !== 0 ? (x * 100).toFixed(2) : (x * 100).toFixed(1)) : formatNumber(x);
export const msBound = (x: Num) => (isNum(x) ? (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(1)) : formatNumber(x));
const between = (lo: Num, hi: Num, f: (x: Num) => string) => `${f(lo)} – ${f(hi)}`;
const signed = (x: number, s: string) => (x > 0 ? `+${s}` : s);

type Ratio = { count: number; ratio: number; lo: number; hi: number } | undefined;
/** A status or cause a phase never saw is still 0/n, with an interval worth showing. */
const ratioCell = (r: Ratio, n: number): Cell => {
  if (r) return cell(formatPct(r.ratio), between(r.lo, r.hi, pctBound));
  if (n === 0) return EMPTY;
  const w = wilson(0, n);
  return cell(formatPct(0), between(w.lo, w.hi, pctBound));
};
const diffCell = (d: { delta: number; lo: number; hi: number } | undefined): Cell =>
  d ? cell(formatPp(d.delta), between(d.lo, d.hi, pctBound)) : EMPTY;

export function statRows(report: Report): StatRow[] {
  const b = report.phases.baseline.stats;
  const q = report.phases.policy.stats;
  const c = report.comparison;
  const rows: StatRow[] = [
    {
      section: 'volume',
      label: 'requests',
      baseline: cell(String(b.requests)),
      policy: cell(String(q.requests)),
      delta: cell(signed(q.requests - b.requests, String(q.requests - b.requests))),
    },
    {
      section: 'volume',
      label: 'req/s',
      baseline: cell(formatNumber(b.throughput)),
      policy: cell(formatNumber(q.throughput)),
      delta: cell(signed(c.throughput.delta, formatNumber(c.throughput.delta))),
    },
    // goodput next to throughput: a pool bounds the successes, the fast 503s it sheds inflate req/s
    {
      section: 'volume',
      label: 'ok req/s',
      baseline: cell(formatNumber(b.goodput)),
      policy: cell(formatNumber(q.goodput)),
      delta: cell(signed(c.goodput.delta, formatNumber(c.goodput.delta))),
    },
  ];
  if (b.droppedIterations || q.droppedIterations) {
    rows.push({
      section: 'volume',
      label: 'dropped iterations',
      baseline: cell(String(b.droppedIterations)),
      policy: cell(String(q.droppedIterations)),
      delta: EMPTY,
    });
  }
  rows.push({
    section: 'volume',
    label: 'failed',
    baseline: ratioCell(b.failed, b.requests),
    policy: ratioCell(q.failed, q.requests),
    delta: diffCell(c.failed),
  });
  for (const code of statusCodes(report)) {
    rows.push({
      section: 'status',
      label: `status ${code}`,
      baseline: ratioCell(b.statuses[code], b.requests),
      policy: ratioCell(q.statuses[code], q.requests),
      delta: diffCell(c.statuses[code]),
    });
  }
  for (const cause of causesOf(report)) {
    rows.push({
      section: 'cause',
      label: cause,
      baseline: ratioCell(b.causes[cause], b.requests),
      policy: ratioCell(q.causes[cause], q.requests),
      delta: diffCell(c.causes[cause]),
    });
  }
  for (const key of Object.keys(q.percentiles)) {
    const pb = b.percentiles[key];
    const pq = q.percentiles[key];
    const d = c.percentiles[key];
    rows.push({
      section: 'latency',
      label: key,
      baseline: pb ? cell(formatMs(pb.value), between(pb.lo, pb.hi, msBound)) : EMPTY,
      policy: cell(formatMs(pq.value), between(pq.lo, pq.hi, msBound)),
      delta: d ? cell(formatDeltaMs(d.delta), between(d.lo, d.hi, msBound)) : EMPTY,
    });
  }
  // each cause's median, once there are two causes to tell apart (a shed 503 returns before a 200)
  const causes = causesOf(report);
  if (causes.length > 1) {
    for (const cause of causes) {
      const mb = b.medianByCause[cause];
      const mq = q.medianByCause[cause];
      const d = c.medianByCause[cause];
      if (!mb && !mq) continue; // a report written before per-cause medians
      rows.push({
        section: 'latency',
        label: `p50 ${cause}`,
        baseline: mb ? cell(formatMs(mb.value), between(mb.lo, mb.hi, msBound)) : EMPTY,
        policy: mq ? cell(formatMs(mq.value), between(mq.lo, mq.hi, msBound)) : EMPTY,
        delta: d ? cell(formatDeltaMs(d.delta), between(d.lo, d.hi, msBound)) : EMPTY,
      });
    }
  }
  return rows;
}

/** Status codes seen in either phase, numerically. */
export function statusCodes(report: Report): string[] {
  const all = new Set([
    ...Object.keys(report.phases.baseline.stats.statuses),
    ...Object.keys(report.phases.policy.stats.statuses),
  ]);
  return [...all].sort((x, y) => Number(x) - Number(y));
}

/** Causes seen in either phase, in CAUSES order (ok first). */
export function causesOf(report: Report): Cause[] {
  const s = (p: PhaseName) => report.phases[p].stats.causes;
  return CAUSES.filter((cause) => s('baseline')[cause] || s('policy')[cause]);
}

export interface GateRow {
  verdict: Verdict;
  scope: GateReport['scope'];
  metric: string;
  expression: string;
  observed: string;
  interval: string;
  message: string;
}

export function gateRows(report: Report): GateRow[] {
  return report.gates.map((g) => {
    const f = gateFormatter(g);
    const [lo, hi] = g.interval;
    return {
      verdict: g.verdict,
      scope: g.scope,
      metric: g.metric,
      expression: g.expression,
      // the split gate's number is its chi-square p-value (analysis/gate-split.ts), not an estimate with an interval
      observed: g.metric === 'split' && isNum(g.observed) ? `p = ${formatNumber(g.observed)}` : f.value(g.observed),
      interval: !isNum(g.observed)
        ? 'no data'
        : g.metric === 'split'
          ? 'chi-square'
          : lo === hi
            ? 'exact'
            : between(lo, hi, f.bound),
      message: g.message,
    };
  });
}

/** How to print a gate's numbers: shares as %, durations in ms, counts as they are. */
function gateFormatter(g: GateReport): { value: (x: Num) => string; bound: (x: Num) => string } {
  const agg = /^\s*([a-z]+)/.exec(g.expression)?.[1] ?? '';
  const delta = g.scope === 'delta';
  // a k6 tag filter ({subset:v2}) does not change the metric's unit
  const metric = g.metric.replace(/\{.*\}$/, '');
  if (metric === 'http_req_duration') return { value: delta ? formatDeltaMs : formatMs, bound: msBound };
  if (agg === 'rate' && metric !== 'http_reqs') return { value: delta ? formatPp : formatPct, bound: pctBound };
  return { value: (x) => (delta && isNum(x) ? signed(x, formatNumber(x)) : formatNumber(x)), bound: formatNumber };
}

/** "fail: 1 of 7 gates failed, 1 inconclusive" */
export function verdictLine(report: Report): string {
  const n = report.gates.length;
  const count = (v: Verdict) => report.gates.filter((g) => g.verdict === v).length;
  const parts = [`${count('pass')} of ${n} gates passed`];
  if (count('fail')) parts.push(`${count('fail')} failed`);
  if (count('inconclusive')) parts.push(`${count('inconclusive')} inconclusive`);
  return n === 0 ? 'no gates' : parts.join(', ');
}

/** "10 VUs for 10s (constant-vus)" */
export function describeLoad(p: LoadProfile): string {
  switch (p.executor) {
    case 'constant-vus':
      return `${p.vus} VUs for ${p.duration} (constant-vus)`;
    case 'ramping-vus':
      return `VUs ${[p.startVUs ?? 0, ...p.stages.map((s) => s.target)].join(' → ')} (ramping-vus)`;
    case 'constant-arrival-rate':
      return `${p.rate} req per ${p.timeUnit ?? '1s'} for ${p.duration} (constant-arrival-rate)`;
    case 'ramping-arrival-rate':
      return `rate ${[p.startRate ?? 0, ...p.stages.map((s) => s.target)].join(' → ')} per ${p.timeUnit ?? '1s'} (ramping-arrival-rate)`;
  }
}

/** "local mesh … http://127.0.0.1:15080 (Host bookinfo.example.com)" */
export function describeTarget(report: Report): string {
  const t = report.target;
  return `${t.description} · ${report.load.plan.method} ${t.url}${report.load.plan.path}${t.host ? ` (Host ${t.host})` : ''}`;
}

/** The facts line under the title, shared by all formats. */
export function factLines(report: Report): [string, string][] {
  const lines: [string, string][] = [
    ['target', describeTarget(report)],
    ['load', `${describeLoad(report.load.profile)} per phase · engine ${report.engine.name} ${report.engine.version}`],
    // issue 18: results from different topologies are not comparable; say which this was
    ['topology', describeTopology(topologyOf(report))],
    [
      'policy',
      report.policy.files.join(', ') +
        (isNum(report.policy.propagationMs) ? ` · propagated in ${report.policy.propagationMs} ms` : ''),
    ],
    // issue 13 item 6: what was measured is the merged object, so say what it was
    ...(report.policy.effective ?? []).map((e): [string, string] => [
      'effective',
      `${e.kind} ${e.namespace}/${e.name} spec ${JSON.stringify(e.spec)}${e.kept.length ? ` (kept from the existing object: ${e.kept.join(', ')})` : ''}`,
    ]),
    [
      'phases',
      `${report.order.join(' ')}${report.scenario.repeat > 1 ? ` (${report.scenario.repeat} repetitions, pooled)` : ''} · seed ${report.scenario.seed}`,
    ],
    ['run', `${report.runId} · ${report.createdAt} · meshproof ${report.tool.version}`],
  ];
  return lines;
}

/** Lint findings, gateway-counter mismatches and the run's notes, one line each. */
export function noteLines(report: Report): string[] {
  return [
    ...report.policy.lint.map((l) => `lint: ${l}`),
    ...(report.gateway ?? []).flatMap((g) => g.mismatches.map((m) => `gateway (${g.phase}): ${m}`)),
    ...unexposedLines(report),
    ...report.notes,
  ];
}

/** One line for the counters a gateway does not expose, whichever phase missed them. */
function unexposedLines(report: Report): string[] {
  const names = [...new Set((report.gateway ?? []).flatMap((g) => g.unexposed ?? []))];
  return names.length > 0 ? [unexposedText(names)] : [];
}

export interface GatewayRow {
  stat: string;
  baseline: string;
  policy: string;
}

/**
 * Gateway-side counter deltas per phase (Envoy /stats), the names shortened by their common
 * prefix (usually `cluster.outbound|9080||<fqdn>.`), which is returned once as `scope`.
 */
export function gatewayRows(report: Report): { scope: string; rows: GatewayRow[] } {
  const phases = report.gateway ?? [];
  const names = [...new Set(phases.flatMap((g) => Object.keys(g.deltas)))].sort();
  if (names.length === 0) return { scope: '', rows: [] };
  let scope = names.length > 1 ? commonPrefix(names) : '';
  scope = scope.slice(0, scope.lastIndexOf('.') + 1);
  const value = (phase: PhaseName, name: string) => {
    const g = phases.find((x) => x.phase === phase);
    return g && name in g.deltas ? String(g.deltas[name]) : '';
  };
  return {
    scope,
    rows: names.map((n) => ({
      stat: n.slice(scope.length),
      baseline: value('baseline', n),
      policy: value('policy', n),
    })),
  };
}

function commonPrefix(xs: string[]): string {
  let p = xs[0];
  for (const x of xs) while (!x.startsWith(p)) p = p.slice(0, -1);
  return p;
}
