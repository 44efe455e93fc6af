/**
 * k6's tag-filter syntax on gate metrics (issue 16 item 5): `http_req_failed{subset:v2}`,
 * `http_req_duration{subset:v2}`, `http_reqs{status:200}`, `http_reqs{cause:overflow}` — a
 * sub-metric over the requests carrying those tags, as k6 parses threshold names
 * (k6 metrics/thresholds: `name{tag:value,tag2:value2}`, whitespace around names and values
 * trimmed; lib/metrics/metric.go ParseMetricName). Each gate then judges the restricted phase
 * exactly as it judges a whole one: a share's Wilson interval, a percentile's order-statistic one.
 *
 * What meshproof records decides which filters work: per subset, counts by status and cause and
 * a latency histogram; per cause, a latency histogram; per status, counts only. So durations
 * filter by one subset or one cause, not by status or by two tags at once.
 */
import { CAUSES, type Cause } from '../load/classify.js';
import type { PhaseResult } from '../load/model.js';
import { createHistogram, serializeHistogram } from '../load/histogram.js';

export interface TagFilter {
  subset?: string;
  status?: string;
  cause?: Cause;
}

const TAGS = ['subset', 'status', 'cause'] as const;

/** "name{tag:value,…}" → the name and its filter; throws a plain Error with the problem. */
export function splitTagFilter(metric: string): { name: string; filter?: TagFilter } {
  const m = /^([^{]*)\{(.*)\}$/.exec(metric);
  if (!m) {
    if (metric.includes('{') || metric.includes('}'))
      throw new Error(`malformed tag filter in "${metric}"; expected name{tag:value}, e.g. http_req_failed{subset:v2}`);
    return { name: metric };
  }
  const filter: TagFilter = {};
  for (const part of m[2].split(',')) {
    const kv = /^\s*([^:\s]+)\s*:\s*(.+?)\s*$/.exec(part);
    if (!kv) throw new Error(`malformed tag filter "${part}" in "${metric}"; expected tag:value`);
    const [, tag, value] = kv;
    if (!(TAGS as readonly string[]).includes(tag))
      throw new Error(`unknown tag "${tag}" in "${metric}"; expected ${TAGS.join(', ')}`);
    if (tag in filter) throw new Error(`tag "${tag}" given twice in "${metric}"`);
    if (tag === 'status' && !/^\d{1,3}$/.test(value))
      throw new Error(`status:${value} in "${metric}": expected an HTTP status like 200 (0 = no response)`);
    if (tag === 'cause' && !(CAUSES as readonly string[]).includes(value))
      throw new Error(`unknown cause "${value}" in "${metric}"; expected one of ${CAUSES.join(', ')}`);
    (filter as Record<string, string>)[tag] = value;
  }
  return { name: m[1].trim(), filter };
}

/** Why `metric` cannot be filtered this way, or undefined (checked when the gate is parsed). */
export function filterProblem(kind: string, filter: TagFilter): string | undefined {
  const tags = Object.keys(filter).length;
  if (kind === 'http_req_duration') {
    if (filter.status !== undefined)
      return 'http_req_duration cannot be filtered by status: meshproof keeps latency per subset and per cause, not per status (use {cause:ok} or {subset:…})';
    if (tags > 1) return 'http_req_duration can be filtered by one tag (subset or cause), not several';
  }
  if (filter.status !== undefined && filter.cause !== undefined)
    return 'status and cause cannot be combined: meshproof counts them separately';
  return undefined;
}

/**
 * The phase restricted to the filter: its requests, statuses, causes and (where recorded) latency
 * histogram. `no-attribution` when the phase lacks what the filter needs (no per-subset results).
 */
export function restrictPhase(r: PhaseResult, filter: TagFilter): PhaseResult | 'no-attribution' {
  let base = { statuses: r.statuses, causes: r.causes, overall: r.histograms.overall, requests: r.requests };
  if (filter.subset !== undefined) {
    if (!r.subsets) return 'no-attribution';
    const s = r.subsets[filter.subset];
    base = s
      ? { statuses: s.statuses, causes: s.causes, overall: s.histogram, requests: s.requests }
      : { statuses: {}, causes: {}, overall: serializeHistogram(createHistogram()), requests: 0 };
  }
  let { statuses, causes, overall, requests } = base;
  if (filter.cause !== undefined) {
    requests = causes[filter.cause] ?? 0;
    causes = requests ? { [filter.cause]: requests } : {};
    statuses = {};
    if (filter.subset === undefined) overall = r.histograms.byCause[filter.cause] ?? overall;
  }
  if (filter.status !== undefined) {
    const code = Number(filter.status);
    requests = statuses[filter.status] ?? 0;
    // a status alone decides success except a fault abort with a 2xx (gRPC-status aborts, §5.1): no response or ≥ 400 is a failure
    causes = requests ? { [code === 0 ? 'network_error' : code >= 400 ? 'app_error' : 'ok']: requests } : {};
    statuses = requests ? { [filter.status]: requests } : {};
  }
  return { ...r, requests, statuses, causes, histograms: { overall, byCause: {} }, subsets: undefined };
}
