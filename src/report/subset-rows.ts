/**
 * Per-subset rows (issue 16 item 4), computed once for every human-facing renderer: per phase
 * and subset, requests, share with its Wilson interval beside the declared weight, failure rate
 * with its interval, latency percentiles, status and cause counts. Plus the split checks.
 */
import { formatMs, formatNumber, formatPct, formatRange } from './format.js';
import type { PhaseName, Report } from './model.js';
import { pctBound } from './rows.js';

export interface SubsetRow {
  phase: PhaseName;
  subset: string;
  requests: string;
  /** "9.4 % [6.7 – 13.1]" */
  share: string;
  /** declared weight as a share, or '' when the phase's routes declare none */
  declared: string;
  failed: string;
  p50: string;
  p95: string;
  p99: string;
  statuses: string;
  causes: string;
  /** raw numbers for charts */
  shareValue: number;
  declaredValue: number | null;
}

const withInterval = (r: { ratio: number; lo: number; hi: number }) =>
  `${formatPct(r.ratio)} ${formatRange(r.lo, r.hi, pctBound)}`;
const counts = (m: Record<string, number | undefined>) =>
  Object.entries(m)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([k, n]) => `${k}×${n}`)
    .join(' ');

/** The subset name as people read it: "-" = no subset could be read from the response. */
export const subsetLabel = (s: string) => (s === '-' ? '(none)' : s);

export function subsetRows(report: Report): SubsetRow[] {
  const out: SubsetRow[] = [];
  for (const phase of ['baseline', 'policy'] as const) {
    const stats = report.phases[phase].stats;
    const split = stats.splits?.[0];
    for (const s of stats.subsets ?? []) {
      const declared = split?.subsets.find((d) => d.subset === s.subset)?.declared ?? (split ? 0 : null);
      out.push({
        phase,
        subset: subsetLabel(s.subset),
        requests: String(s.requests),
        share: withInterval(s.share),
        declared: declared === null ? '' : formatPct(declared),
        failed: withInterval(s.failed),
        p50: formatMs(s.percentiles.p50?.value ?? NaN),
        p95: formatMs(s.percentiles.p95?.value ?? NaN),
        p99: formatMs(s.percentiles.p99?.value ?? NaN),
        statuses: counts(s.statuses),
        causes: counts(s.causes),
        shareValue: s.share.ratio,
        declaredValue: declared,
      });
    }
  }
  return out;
}

/** One line per split check: the route, the test and its p-value, each subset's simultaneous interval. */
export function splitLines(report: Report): string[] {
  return (report.phases.policy.stats.splits ?? []).map((c) => {
    const each = c.subsets
      .map(
        (s) =>
          `${subsetLabel(s.subset)} ${formatPct(s.share)} ${formatRange(s.lo, s.hi, pctBound)} vs ${formatPct(s.declared)}${s.inside ? '' : ' (outside)'}`,
      )
      .join(', ');
    return `${c.route}: ${c.n} attributed requests; ${each}; chi-square X² ${formatNumber(c.statistic)}, df ${c.df}, p ${formatNumber(c.pValue)}`;
  });
}
