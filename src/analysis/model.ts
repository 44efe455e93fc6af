/**
 * What analysis produces (fortio's way: one result object, many renderers): per-phase
 * statistics, the policy-vs-baseline comparison, gate results and the verdict. The Report
 * (src/report/model.ts) carries these; renderers format them, analysis does not: a gate's
 * verdict comes with its evidence as data, and the report words it (src/report/gate-text.ts).
 */
import type { Cause } from '../load/classify.js';
import type { SplitCheck, SubsetStats } from './subset-model.js';
import type { DiffStat, PercentileStat, RatioStat } from './stat-types.js';

export type { DiffStat, PercentileStat, RatioStat };
import type { PhaseResult } from '../load/model.js';
import type { TagFilter } from './gate-filters.js';

export type Verdict = 'pass' | 'fail' | 'inconclusive';
export type PhaseName = 'baseline' | 'policy';

export interface PhaseStats {
  requests: number;
  durationMs: number;
  /** completed requests per second */
  throughput: number;
  /**
   * successful (cause ok) requests per second: what a connection pool bounds, where
   * throughput also counts the fast 503s it sheds (issue 12 item 4)
   */
  goodput: number;
  droppedIterations: number;
  statuses: Record<string, RatioStat>;
  causes: Partial<Record<Cause, RatioStat>>;
  /** keyed "p50" "p90" "p95" "p99" "p99.9" */
  percentiles: Record<string, PercentileStat>;
  /** http_req_failed: share of non-ok causes */
  failed: RatioStat;
  /** median latency of each cause seen (ok, overflow, …): shed 503s come back faster than 200s */
  medianByCause: Partial<Record<Cause, PercentileStat>>;
  /** per subset that served responses, when the run attributes them (issue 16) */
  subsets?: SubsetStats[];
  /** the observed split against each weighted route the policy declares (policy phase only) */
  splits?: SplitCheck[];
}

export interface Comparison {
  statuses: Record<string, DiffStat>;
  causes: Partial<Record<Cause, DiffStat>>;
  failed: DiffStat;
  /** policy minus baseline, ms; interval from the two percentile intervals (conservative) */
  percentiles: Record<string, { baseline: number; policy: number; delta: number; lo: number; hi: number }>;
  throughput: { baseline: number; policy: number; delta: number };
  goodput: { baseline: number; policy: number; delta: number };
  /** per cause seen in both phases: median policy − baseline, ms, interval as for `percentiles` */
  medianByCause: Partial<Record<Cause, { baseline: number; policy: number; delta: number; lo: number; hi: number }>>;
}

/** k6's threshold comparators ("===" is read as "=="). */
export type Operator = '<=' | '>=' | '==' | '!=' | '<' | '>';
/** k6's threshold aggregations; `p` is p(N) with its N in `percentile`. */
export type Aggregation = 'rate' | 'count' | 'avg' | 'min' | 'max' | 'med' | 'p';

/**
 * Why a gate was decided the way it was, as data: the report words it (src/report/gate-text.ts),
 * one sentence per kind. Together with GateResult's observed value and interval it is all a
 * reader needs to check the verdict.
 */
export type GateEvidence = ThresholdEvidence | SplitEvidence | UnjudgedEvidence;

/** A k6 threshold (`p(95)<250`, `rate>=0.3`) on a phase or on the delta, judged on its interval. */
export interface ThresholdEvidence {
  kind: 'threshold';
  /** k6 tag filter the metric was restricted to (`{subset:v2}`), if any */
  filter?: TagFilter;
  aggregation: Aggregation;
  /** p(N): N */
  percentile?: number;
  op: Operator;
  threshold: number;
  /** counts, throughput and observed extremes are facts about this run: no interval (lo = hi) */
  exact: boolean;
  /** of the interval (0.95) */
  confidence: number;
  /** `no-data`: the phase had no requests (or none of the filtered ones), so nothing was judged */
  undecided?: 'no-data';
}

/** Why one route of a `split` gate got its verdict. */
export type SplitReason =
  /** p < α: the counts are not what the weights would give */
  | 'weights-rejected'
  /** no attributed requests on the route */
  | 'no-requests'
  /** an expected count below Cochran's minimum: the chi-square approximation does not hold */
  | 'too-few-requests'
  /** p ≥ α */
  | 'consistent';

/** `split: ["matches-weights"]`: Pearson's chi-square per declared weighted route (gate-split.ts). */
export interface SplitEvidence {
  kind: 'split';
  confidence: number;
  /** Cochran's minimum expected count (5) */
  minExpected: number;
  routes: { check: SplitCheck; verdict: Verdict; reason: SplitReason }[];
  /** set when nothing was judged: the run attributed no responses, or the policy declares no weighted route */
  undecided?: 'no-attribution' | 'no-weighted-route';
}

/** A tag-filtered gate (`http_req_failed{subset:v2}`) on a run that lacks what the filter needs. */
export interface UnjudgedEvidence {
  kind: 'unjudged';
  filter: TagFilter;
  /** the run did not attribute responses to subsets */
  undecided: 'no-attribution';
}

export interface GateResult {
  /** as written by the user, e.g. "rate>=0.3" */
  expression: string;
  /** e.g. "cause_overflow" */
  metric: string;
  scope: PhaseName | 'delta';
  /** point estimate of the aggregation the gate names (rate, p(95), count, …) */
  observed: number;
  /** the interval the verdict was decided on */
  interval: [number, number];
  verdict: Verdict;
  /** why this verdict, as data; the report turns it into its `message` sentence */
  evidence: GateEvidence;
}

/** The part of a run analysis reads back: each phase's pooled result and its statistics (a Report is one). */
export interface AnalyzedRun {
  phases: Record<PhaseName, { result: PhaseResult; stats: PhaseStats }>;
}

/** Gateway-side counter deltas (real cluster or local mesh admin /stats), per phase. */
export interface GatewayCounters {
  phase: PhaseName;
  /** Envoy stat name → delta over the phase, summed over replicas */
  deltas: Record<string, number>;
  /** gateway counters that disagree with the client-side causes beyond the slack; the report words them */
  mismatches: CounterMismatch[];
  /**
   * tracked counters the gateway's `/stats` does not list at all (its stats matcher drops them):
   * their count is unknown, not 0, and no mismatch is checked for them (gateway-counters.ts)
   */
  unexposed?: string[];
}

/**
 * One gateway counter against the client-side cause it should equal (gateway-counters.ts):
 * pending overflows against `overflow` 503s, route timeouts against `route_timeout` 504s.
 */
export interface CounterMismatch {
  phase: string;
  counter: 'upstream_rq_pending_overflow' | 'upstream_rq_timeout';
  cause: 'overflow' | 'route_timeout';
  /** the counter summed over clusters and replicas */
  gateway: number;
  /** responses the clients classified as `cause` */
  clients: number;
}

export type { SplitCheck, SubsetStats } from './subset-model.js';
