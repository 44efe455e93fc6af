/**
 * Gates: k6 threshold expressions (`"rate>=0.3"`, `"p(95)<250"`, `"count==0"`) on the metric
 * names k6 users know, per phase or on the delta (design.md "Statistics"). A gate passes when
 * its whole interval satisfies the comparison, fails when its whole interval violates it,
 * and is inconclusive otherwise; counts and throughput are exact (degenerate intervals).
 */
import { ConfigError } from '../errors.js';
import { CAUSES, type Cause } from '../load/classify.js';
import { histogramOf } from './decoded.js';
import type { Aggregation, Comparison, GateResult, Operator, PhaseName, Verdict } from './model.js';
import { diffStat, percentileDelta, type AnalyzedPhase } from './compare.js';
import { ratioStat } from './phase.js';
import { DEFAULT_CONFIDENCE, meanInterval, percentileInterval, standardErrorMs } from './stats.js';
import { filterProblem, splitTagFilter, type TagFilter } from './gate-filters.js';
import { tFor } from './student-t.js';
import { judgeSplit, restrictContext, SPLIT_GATE, undecided } from './gate-split.js';

/** Longest first, so "<=" is not read as "<". k6 also accepts "===", read here as "==". */
export const OPERATORS = ['===', '<=', '>=', '==', '!=', '<', '>'] as const satisfies readonly (Operator | '===')[];
export type { Aggregation, Operator };
export const AGGREGATIONS = ['rate', 'count', 'avg', 'min', 'max', 'med', 'p(N)'] as const;
export const SCOPES = ['baseline', 'policy', 'delta'] as const;
export type Scope = (typeof SCOPES)[number];

export interface Gate {
  /** as written, e.g. "p(95)<250" */
  expression: string;
  aggregation: Aggregation;
  /** p(N): N in [0, 100] */
  percentile?: number;
  op: Operator;
  threshold: number;
}

/** `expect:` of a scenario: scope → metric → gate expressions. */
export interface ExpectSpec {
  baseline?: Record<string, string[]>;
  policy?: Record<string, string[]>;
  delta?: Record<string, string[]>;
}

export type MetricRef = (
  | { kind: 'http_req_duration' }
  | { kind: 'http_req_failed' }
  | { kind: 'http_reqs' }
  | { kind: 'status'; code: string }
  | { kind: 'cause'; cause: Cause }
  /** `subset_v2`: the share of requests served by a subset (issue 16) */
  | { kind: 'subset'; subset: string }
  /** `split: ["matches-weights"]` (gate-split.ts) */
  | { kind: 'split' }
) & {
  /** k6 tag filter `{subset:v2}` / `{status:200}` / `{cause:overflow}` (gate-filters.ts) */
  filter?: TagFilter;
};

/** Which aggregations each metric has, as in k6 (trend / rate / counter). */
const METRIC_AGGREGATIONS: Record<MetricRef['kind'], readonly Aggregation[]> = {
  http_req_duration: ['p', 'avg', 'min', 'max', 'med'],
  http_req_failed: ['rate', 'count'],
  http_reqs: ['count', 'rate'],
  status: ['rate', 'count'],
  cause: ['rate', 'count'],
  subset: ['rate', 'count'],
  split: [],
};

/** A ConfigError that also carries where in `expect:` it happened, so a scenario loader can add file:line:col. */
export class GateError extends ConfigError {
  constructor(
    readonly path: (string | number)[],
    readonly detail: string,
  ) {
    super(path.length ? `${formatGatePath(path)}: ${detail}` : detail);
  }
}

function formatGatePath(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i ? `.${p}` : p)).join('');
}

const EXPECTED = 'expected <aggregation> <operator> <number>, e.g. "p(95)<250" or "rate>=0.3"';
const AGG_LIST = 'rate, count, p(N), avg, min, max or med';
const OP_LIST = '< <= > >= == !=';

/** Parses one k6 threshold expression; throws GateError naming the expression and what was expected. */
export function parseGate(expr: string): Gate {
  const fail = (why: string): never => {
    throw new GateError([], `gate ${JSON.stringify(expr)}: ${why}`);
  };
  if (typeof expr !== 'string' || expr.trim() === '') return fail(EXPECTED);
  const m = /^\s*([^<>=!\s(]*(?:\([^)]*\))?)\s*(.*)$/.exec(expr)!;
  const [, aggText, rest] = m;
  let aggregation: Aggregation;
  let percentile: number | undefined;
  const pm = /^p\((.*)\)$/.exec(aggText);
  if (pm) {
    if (!/^\d+(\.\d+)?$/.test(pm[1].trim())) fail(`p(N) needs a number N between 0 and 100, got "${pm[1]}"`);
    percentile = Number(pm[1]);
    if (percentile > 100) fail(`p(N) needs a number N between 0 and 100, got ${pm[1].trim()}`);
    aggregation = 'p';
  } else if (['rate', 'count', 'avg', 'min', 'max', 'med'].includes(aggText)) {
    aggregation = aggText as Aggregation;
  } else {
    return fail(aggText === '' ? EXPECTED : `unknown aggregation "${aggText}"; expected ${AGG_LIST}`);
  }
  const written = OPERATORS.find((o) => rest.startsWith(o));
  if (!written || /^[<>=!]/.test(rest.slice(written.length)))
    return fail(`expected an operator (${OP_LIST}) after "${aggText}", got "${rest}"`);
  const numText = rest.slice(written.length).trim();
  if (!/^[-+]?(\d+(\.\d*)?|\.\d+)(e[-+]?\d+)?$/i.test(numText))
    fail(`expected a number after "${written}", got "${numText}"`);
  if (!Number.isFinite(Number(numText))) fail(`expected a finite number after "${written}", got "${numText}"`);
  const op: Operator = written === '===' ? '==' : written;
  return { expression: expr, aggregation: aggregation!, percentile, op, threshold: Number(numText) };
}

/** Resolves a metric name; throws GateError listing the known ones. */
export function parseMetric(written: string): MetricRef {
  let parts: ReturnType<typeof splitTagFilter>;
  try {
    parts = splitTagFilter(written);
  } catch (e) {
    throw new GateError([], (e as Error).message);
  }
  const ref = parseMetricName(parts.name);
  if (!parts.filter) return ref;
  if (ref.kind === 'split') throw new GateError([], 'split takes no tag filter');
  const problem = filterProblem(ref.kind, parts.filter);
  if (problem) throw new GateError([], `${written}: ${problem}`);
  return { ...ref, filter: parts.filter };
}

function parseMetricName(name: string): MetricRef {
  if (name === 'split') return { kind: 'split' };
  const sub = /^subset_(.+)$/.exec(name);
  if (sub) return { kind: 'subset', subset: sub[1] };
  if (name === 'http_req_duration' || name === 'http_req_failed' || name === 'http_reqs') return { kind: name };
  const s = /^status_(\d{1,3})$/.exec(name);
  if (s) {
    // RFC 9110 §15: status codes are 100–599; 0 is "no response" (a network error), as in k6
    const code = Number(s[1]);
    if (code === 0 || (code >= 100 && code <= 599)) return { kind: 'status', code: String(code) };
    throw new GateError(
      [],
      `unknown status in metric "${name}"; expected status_0 (no response) or an HTTP status from status_100 to status_599`,
    );
  }
  const c = /^cause_(.+)$/.exec(name);
  if (c) {
    if ((CAUSES as readonly string[]).includes(c[1])) return { kind: 'cause', cause: c[1] as Cause };
    throw new GateError([], `unknown cause "${c[1]}" in metric "${name}"; expected one of ${CAUSES.join(', ')}`);
  }
  throw new GateError(
    [],
    `unknown metric "${name}"; expected http_req_duration, http_req_failed, http_reqs, status_<code> (e.g. status_503), cause_<cause> (e.g. cause_overflow), subset_<subset> (e.g. subset_v2) or split, each but split with an optional tag filter like {subset:v2}`,
  );
}

/** One gate, parsed once (by the scenario loader, or parseExpect) and carried parsed to the verdict. */
export interface ParsedGate {
  scope: Scope;
  metric: string;
  ref: MetricRef;
  gate: Gate;
}

/** One gate written as { scope, metric, expression }, parsed and checked as parseExpect checks it. */
export function parseOneGate(scope: Scope, metric: string, expression: string): ParsedGate {
  const path = ['expect', scope, metric];
  return parseGateOf(
    scope,
    metric,
    withPath(path, () => parseMetric(metric)),
    expression,
    [...path, 0],
  );
}

/**
 * Validates a whole `expect:` block (scopes, metric names, expressions, and that the
 * aggregation applies to the metric) and returns the gates in order. Errors are GateErrors
 * whose `path` is e.g. ["expect", "policy", "cause_overflow", 0].
 */
export function parseExpect(expect: unknown): ParsedGate[] {
  const out: ParsedGate[] = [];
  if (expect === undefined || expect === null) return out;
  if (typeof expect !== 'object' || Array.isArray(expect))
    throw new GateError(['expect'], 'expected a mapping with keys baseline, policy and/or delta');
  for (const [scope, metrics] of Object.entries(expect as Record<string, unknown>)) {
    if (!(SCOPES as readonly string[]).includes(scope))
      throw new GateError(['expect', scope], `unknown scope; expected ${SCOPES.join(', ')}`);
    if (metrics === null || typeof metrics !== 'object' || Array.isArray(metrics))
      throw new GateError(['expect', scope], 'expected a mapping of metric name to a list of gates');
    for (const [metric, list] of Object.entries(metrics as Record<string, unknown>)) {
      const ref = withPath(['expect', scope, metric], () => parseMetric(metric));
      const exprs = typeof list === 'string' ? [list] : list;
      if (!Array.isArray(exprs))
        throw new GateError(
          ['expect', scope, metric],
          `expected a list of gate expressions like ["rate<0.01"], got ${JSON.stringify(list)}`,
        );
      exprs.forEach((expr, i) => {
        out.push(parseGateOf(scope as Scope, metric, ref, expr, ['expect', scope, metric, i]));
      });
    }
  }
  return out;
}

/**
 * One expression of a metric already parsed as `ref`, checked against it (the aggregation
 * applies, a share's threshold is in range). Errors are GateErrors at `path`.
 */
export function parseGateOf(
  scope: Scope,
  metric: string,
  ref: MetricRef,
  expr: string,
  path: (string | number)[] = [],
): ParsedGate {
  if (ref.kind === 'split') {
    const problem = splitGateProblem(expr, scope);
    if (problem) throw new GateError(path, problem);
    return { scope, metric, ref, gate: SPLIT_GATE };
  }
  const gate = withPath(path, () => parseGate(expr));
  if (!METRIC_AGGREGATIONS[ref.kind].includes(gate.aggregation)) {
    const agg = gate.aggregation === 'p' ? 'p(N)' : gate.aggregation;
    const allowed = METRIC_AGGREGATIONS[ref.kind].map((a) => (a === 'p' ? 'p(N)' : a)).join(', ');
    throw new GateError(path, `gate ${JSON.stringify(expr)}: ${agg} does not apply to ${metric}; expected ${allowed}`);
  }
  const range = shareRangeProblem(ref, gate, scope);
  if (range) throw new GateError(path, `gate ${JSON.stringify(expr)}: ${range}`);
  return { scope, metric, ref, gate };
}

/**
 * `rate` of http_req_failed, status_<code> and cause_<cause> is a share of requests: within
 * [0, 1] in a phase, and a difference of two shares, within [−1, 1], on the delta. A threshold
 * outside that range makes a gate that can never fail (`rate<5`) or never pass (`rate>5`):
 * a verdict about nothing. (http_reqs' rate is a throughput per second, not a share.)
 */
function shareRangeProblem(ref: MetricRef, gate: Gate, scope: Scope): string | undefined {
  if (gate.aggregation !== 'rate' || ref.kind === 'http_reqs') return undefined;
  const lo = scope === 'delta' ? -1 : 0;
  if (gate.threshold >= lo && gate.threshold <= 1) return undefined;
  return `rate is a share of requests${scope === 'delta' ? ' (here the change of one)' : ''}, so the threshold must be from ${lo} to 1 (0.3 = 30 %), got ${gate.threshold}`;
}

function withPath<T>(path: (string | number)[], f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof GateError && e.path.length === 0) throw new GateError(path, e.detail);
    throw e;
  }
}

export interface GateContext {
  baseline: AnalyzedPhase;
  policy: AnalyzedPhase;
  comparison: Comparison;
  confidence?: number;
}

/** `split: ["matches-weights"]`: the only expression, on a phase (a delta of splits means nothing). */
function splitGateProblem(expr: unknown, scope: string): string | undefined {
  if (expr !== SPLIT_GATE.expression)
    return `gate ${JSON.stringify(expr)}: split takes "${SPLIT_GATE.expression}" (the observed split is consistent with the weights the policy declares)`;
  if (scope === 'delta') return 'split is judged on a phase (usually policy), not on the delta';
  return undefined;
}

/** What a gate is judged on: the point estimate and an interval (lo = hi when exact). */
export interface Observation {
  observed: number;
  lo: number;
  hi: number;
  exact: boolean;
}

/** Evaluates every gate in `expect` (validated first, so a bad one is a ConfigError), in the order written. */
export function evaluateGates(expect: ExpectSpec | undefined, ctx: GateContext): GateResult[] {
  return evaluateParsed(parseExpect(expect), ctx);
}

/** Evaluates gates already parsed (the scenario loader's), in order; nothing is parsed again. */
export function evaluateParsed(parsed: ParsedGate[], ctx: GateContext): GateResult[] {
  const confidence = ctx.confidence ?? DEFAULT_CONFIDENCE;
  return parsed.map(({ scope, metric, ref, gate }) => {
    if (ref.kind === 'split')
      return judgeSplit(metric, scope as PhaseName, ctx[scope as PhaseName].stats.splits, confidence);
    const on = ref.filter ? restrictContext(ctx, ref.filter, confidence) : ctx;
    if (on === 'no-attribution') return undecided(gate, metric, scope, ref.filter!);
    const obs = observe(ref, gate, scope, on, confidence);
    return {
      expression: gate.expression,
      metric,
      scope: scope as PhaseName | 'delta',
      observed: obs.observed,
      interval: [obs.lo, obs.hi] as [number, number],
      verdict: judge(gate, obs),
      evidence: thresholdEvidence(gate, obs, confidence, ref.filter),
    };
  });
}

/** What a threshold gate was judged on, beside the observation GateResult carries. */
function thresholdEvidence(
  gate: Gate,
  obs: Observation,
  confidence: number,
  filter: TagFilter | undefined,
): GateResult['evidence'] {
  const { aggregation, percentile, op, threshold } = gate;
  const noData = Number.isNaN(obs.observed) || Number.isNaN(obs.lo);
  return {
    kind: 'threshold',
    ...(filter ? { filter } : {}),
    aggregation,
    ...(percentile !== undefined ? { percentile } : {}),
    op,
    threshold,
    exact: obs.exact,
    confidence,
    ...(noData ? { undecided: 'no-data' as const } : {}),
  };
}

/** pass: every value in [lo, hi] satisfies the comparison; fail: none does; otherwise inconclusive. */
export function judge(gate: Pick<Gate, 'op' | 'threshold'>, obs: Pick<Observation, 'lo' | 'hi'>): Verdict {
  const { lo, hi } = obs;
  const t = gate.threshold;
  if (Number.isNaN(lo) || Number.isNaN(hi)) return 'inconclusive';
  const all = (pass: boolean, fail: boolean): Verdict => (pass ? 'pass' : fail ? 'fail' : 'inconclusive');
  switch (gate.op) {
    case '<':
      return all(hi < t, lo >= t);
    case '<=':
      return all(hi <= t, lo > t);
    case '>':
      return all(lo > t, hi <= t);
    case '>=':
      return all(lo >= t, hi < t);
    case '==':
      return all(lo === t && hi === t, t < lo || t > hi);
    case '!=':
      return all(t < lo || t > hi, lo === t && hi === t);
  }
}

/** Any fail → fail; else any inconclusive → inconclusive; else pass (also for no gates). */
export function overallVerdict(gates: Pick<GateResult, 'verdict'>[]): Verdict {
  if (gates.some((g) => g.verdict === 'fail')) return 'fail';
  if (gates.some((g) => g.verdict === 'inconclusive')) return 'inconclusive';
  return 'pass';
}

const exact = (x: number): Observation => ({ observed: x, lo: x, hi: x, exact: true });
const ranged = (x: { value: number; lo: number; hi: number }): Observation => ({
  observed: x.value,
  lo: x.lo,
  hi: x.hi,
  exact: false,
});

function observe(ref: MetricRef, gate: Gate, scope: Scope, ctx: GateContext, confidence: number): Observation {
  if (ref.kind === 'http_req_duration') return observeDuration(gate, scope, ctx, confidence);
  if (ref.kind === 'subset') {
    const countOf = (p: AnalyzedPhase) => ({
      count: p.result.subsets?.[ref.subset]?.requests ?? 0,
      n: p.stats.requests,
      attributed: p.result.subsets !== undefined,
    });
    if (!countOf(ctx.baseline).attributed && !countOf(ctx.policy).attributed)
      return { observed: NaN, lo: NaN, hi: NaN, exact: false };
    if (gate.aggregation === 'count')
      return exact(
        scope === 'delta' ? countOf(ctx.policy).count - countOf(ctx.baseline).count : countOf(ctx[scope]).count,
      );
    if (scope === 'delta') {
      // as for the other shares below: a phase without requests has no share to take a difference of
      if (ctx.baseline.stats.requests === 0 || ctx.policy.stats.requests === 0)
        return { observed: NaN, lo: NaN, hi: NaN, exact: false };
      const d = diffStat(countOf(ctx.baseline), countOf(ctx.policy), confidence);
      return { observed: d.delta, lo: d.lo, hi: d.hi, exact: false };
    }
    const r = ratioStat(countOf(ctx[scope]).count, countOf(ctx[scope]).n, confidence);
    return r.n === 0
      ? { observed: NaN, lo: NaN, hi: NaN, exact: false }
      : { observed: r.ratio, lo: r.lo, hi: r.hi, exact: false };
  }
  if (ref.kind === 'http_reqs') {
    const pick = (p: AnalyzedPhase) => (gate.aggregation === 'count' ? p.stats.requests : p.stats.throughput);
    return exact(scope === 'delta' ? pick(ctx.policy) - pick(ctx.baseline) : pick(ctx[scope]));
  }
  const countOf = (p: AnalyzedPhase) => {
    const s = p.stats;
    const r =
      ref.kind === 'http_req_failed'
        ? s.failed
        : ref.kind === 'status'
          ? s.statuses[ref.code]
          : ref.kind === 'cause'
            ? s.causes[ref.cause]
            : undefined;
    return { count: r?.count ?? 0, n: s.requests };
  };
  if (gate.aggregation === 'count')
    return exact(
      scope === 'delta' ? countOf(ctx.policy).count - countOf(ctx.baseline).count : countOf(ctx[scope]).count,
    );
  if (scope === 'delta') {
    // a phase without requests has no ratio; Newcombe would still give [−p, 1 − p] and decide a loose gate on no data
    if (ctx.baseline.stats.requests === 0 || ctx.policy.stats.requests === 0)
      return { observed: NaN, lo: NaN, hi: NaN, exact: false };
    const d = diffStat(countOf(ctx.baseline), countOf(ctx.policy), confidence);
    return { observed: d.delta, lo: d.lo, hi: d.hi, exact: false };
  }
  const r = ratioStat(countOf(ctx[scope]).count, countOf(ctx[scope]).n, confidence);
  if (r.n === 0) return { observed: NaN, lo: NaN, hi: NaN, exact: false };
  return { observed: r.ratio, lo: r.lo, hi: r.hi, exact: false };
}

function observeDuration(gate: Gate, scope: Scope, ctx: GateContext, confidence: number): Observation {
  const p = gate.aggregation === 'med' ? 50 : gate.percentile;
  if (p !== undefined) {
    if (scope === 'delta') {
      const d = percentileDelta(ctx.baseline, ctx.policy, p, confidence);
      return { observed: d.delta, lo: d.lo, hi: d.hi, exact: false };
    }
    return ranged(percentileInterval(histogramOf(ctx[scope].result.histograms.overall), p, confidence));
  }
  const hist = (ph: AnalyzedPhase) => histogramOf(ph.result.histograms.overall);
  if (gate.aggregation === 'avg') {
    if (scope !== 'delta') return ranged(meanInterval(hist(ctx[scope]), confidence));
    // difference of means: Welch's t interval (standard errors add in quadrature, Welch–Satterthwaite df)
    const [b, q] = [hist(ctx.baseline), hist(ctx.policy)];
    const delta = (q.mean - b.mean) / 1000;
    if (b.totalCount === 0 || q.totalCount === 0) return { observed: NaN, lo: NaN, hi: NaN, exact: false };
    if (b.totalCount < 2 || q.totalCount < 2) return { observed: delta, lo: -Infinity, hi: Infinity, exact: false };
    const [sb, sq] = [standardErrorMs(b), standardErrorMs(q)];
    const se = Math.hypot(sb, sq);
    const df = se ** 4 / (sb ** 4 / (b.totalCount - 1) + sq ** 4 / (q.totalCount - 1));
    const half = se === 0 ? 0 : tFor(confidence, df) * se;
    return { observed: delta, lo: delta - half, hi: delta + half, exact: false };
  }
  // min / max: observed extremes, exact facts about this run
  const extreme = (ph: AnalyzedPhase) => {
    const h = hist(ph);
    if (h.totalCount === 0) return NaN;
    return (gate.aggregation === 'min' ? h.minNonZeroValue : h.maxValue) / 1000;
  };
  return exact(scope === 'delta' ? extreme(ctx.policy) - extreme(ctx.baseline) : extreme(ctx[scope]));
}
