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
  root_group?: unknown;
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

/**
 * handleSummary's `data` must be k6's legacy summary (internal/js/summary.go
 * summarizeMetricsToObject: root_group, state.testRunDurationMs, metrics of {type, contains,
 * values}). That is what every k6 from v0.4x to v2.3 hands it by default — v1.0's new
 * end-of-test summary included (internal/cmd/run.go keeps lib.LegacySummary "for backwards
 * compatibility: the data structure for custom handleSummary() implementations"). k6 ≥ 1.5 hands
 * the machine-readable summary instead when asked to (--new-machine-readable-summary /
 * K6_NEW_MACHINE_READABLE_SUMMARY; internal/js/runner.go prepareHandleSummaryCall), and its
 * authors mean it to become the default (runtime_options.go: "once the new summary model is the
 * default and the only one"): then this throws, k6 logs the message, and meshproof fails with it
 * (no summary) instead of reading zeros. (Its TrendValues carry avg/min/med/max/p(90)/p(95) only,
 * machinereadable/types_gen.go: reading it instead could lose p(99) and p(99.9).)
 */
export function legacyShapeProblem(data: K6SummaryData): string | undefined {
  const metrics = data && data.metrics;
  const state = data && data.state;
  const metricsOk =
    typeof metrics === 'object' &&
    metrics !== null &&
    Object.keys(metrics).every(
      (k) => metrics[k] && typeof metrics[k].type === 'string' && typeof metrics[k].values === 'object',
    );
  if (data && data.root_group !== undefined && state && typeof state.testRunDurationMs === 'number' && metricsOk)
    return undefined;
  return "meshproof: handleSummary got a summary not in k6's legacy shape (root_group, state.testRunDurationMs, metrics of {type, values}); is --new-machine-readable-summary or K6_NEW_MACHINE_READABLE_SUMMARY on, or is this a k6 whose default changed?";
}

export function toSummaryFile(data: K6SummaryData): SummaryFile {
  const problem = legacyShapeProblem(data);
  if (problem) throw new Error(problem);
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
