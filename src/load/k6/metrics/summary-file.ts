/**
 * handleSummary's side of the k6 path: k6's end-of-test `data` → the file meshproof reads
 * (src/load/k6/summary.ts parses it into a PhaseResult). Only what a PhaseResult needs is
 * kept: counter totals (statuses, causes, latency buckets, per-second requests, iterations,
 * dropped iterations) and trend values (overall and per outcome). ES2017, no Node APIs.
 */

/** handleSummary's `data.metrics[name]` (ecosystem.md). */
export interface K6Metric {
  type: 'counter' | 'gauge' | 'rate' | 'trend';
  contains?: string;
  values: Record<string, number>;
}
export interface K6SummaryData {
  metrics: Record<string, K6Metric>;
  state?: { testRunDurationMs?: number };
}

export const SUMMARY_FORMAT = 'meshproof-k6-summary';
export const SUMMARY_VERSION = 1;

/** The file meshproof reads back. */
export interface SummaryFile {
  format: typeof SUMMARY_FORMAT;
  version: typeof SUMMARY_VERSION;
  testRunDurationMs: number;
  /** counter name → count (only counters that counted something) */
  counters: Record<string, number>;
  /** trend name → k6's values in ms ('p(95)', 'avg', 'count', …) */
  trends: Record<string, Record<string, number>>;
}

export function toSummaryFile(data: K6SummaryData): SummaryFile {
  const counters: Record<string, number> = {};
  const trends: Record<string, Record<string, number>> = {};
  for (const name of Object.keys(data.metrics)) {
    const m = data.metrics[name];
    // sub-metrics ("name{tag:value}") only exist when a threshold names them; ours are plain Counters
    if (name.indexOf('{') >= 0) continue;
    if (m.type === 'counter' && m.values.count > 0) counters[name] = m.values.count;
    if (m.type === 'trend') trends[name] = m.values;
  }
  return {
    format: SUMMARY_FORMAT,
    version: SUMMARY_VERSION,
    testRunDurationMs: (data.state && data.state.testRunDurationMs) || 0,
    counters,
    trends,
  };
}
