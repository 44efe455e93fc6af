/**
 * A PhaseResult as terminal tables (the `meshproof load` output on stderr): what was asked,
 * what came back (statuses, causes), and latency per outcome.
 */
import { table } from 'table';
import { CAUSES } from './classify.js';
import type { LatencySummary } from './histogram.js';
import type { PhaseResult } from './model.js';
import { escapeControls } from '../util/text.js';

/** `table` throws on control characters (ecosystem.md): make every cell printable. */
export function cell(value: unknown): string {
  return escapeControls(String(value));
}

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(v < 10 ? 2 : 1) : '–');

export function renderPhase(r: PhaseResult): string {
  const p = r.profile;
  const perSecond = r.durationMs > 0 ? (r.requests * 1000) / r.durationMs : 0;
  const overview = [
    [
      'engine',
      `${r.engine.name} ${r.engine.version}${r.instances ? ` × ${r.instances.count} instances (execution segments ${r.instances.segments.join(', ')})` : ''}`,
    ],
    ['target', `${r.plan.method} ${r.plan.baseUrl}${r.plan.path}${r.plan.host ? ` (Host: ${r.plan.host})` : ''}`],
    [
      'profile',
      Object.entries(p)
        .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`)
        .join(' '),
    ],
    ['duration', `${(r.durationMs / 1000).toFixed(2)} s`],
    ['requests', `${r.requests} (${perSecond.toFixed(1)}/s)`],
    ['dropped iterations', String(r.droppedIterations)],
    [
      'statuses',
      Object.entries(r.statuses)
        .map(([k, n]) => `${k}: ${n}`)
        .join('  ') || '–',
    ],
  ];
  const head = ['outcome', 'count', 'share', 'p50', 'p90', 'p95', 'p99', 'p99.9', 'max'];
  const row = (name: string, l: LatencySummary, count: number) => [
    name,
    count,
    r.requests ? `${((100 * count) / r.requests).toFixed(1)} %` : '–',
    ms(l.p50),
    ms(l.p90),
    ms(l.p95),
    ms(l.p99),
    ms(l.p999),
    ms(l.max),
  ];
  const rows: unknown[][] = [head, row('all (ms)', r.latency.overall, r.requests)];
  for (const cause of CAUSES) {
    const n = r.causes[cause];
    const l = r.latency.byCause[cause];
    if (n && l) rows.push(row(cause, l, n));
  }
  if (r.latency.scheduled) rows.push(row('from schedule', r.latency.scheduled, r.latency.scheduled.count));
  return table(overview.map((line) => line.map(cell))) + table(rows.map((line) => line.map(cell)));
}
