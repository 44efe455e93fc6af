/**
 * What analysis produces (fortio's way: one result object, many renderers): per-phase
 * statistics, the policy-vs-baseline comparison, gate results and the verdict. The Report
 * (src/report/model.ts) carries these; renderers format them, analysis does not.
 */
import type { Cause } from '../load/classify.js';
import type { SplitCheck, SubsetStats } from './subset-model.js';
import type { DiffStat, PercentileStat, RatioStat } from './stat-types.js';

export type { DiffStat, PercentileStat, RatioStat };
import type { PhaseResult } from '../load/model.js';

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
  /** one sentence: why this verdict */
  message: string;
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
  /** human-readable mismatches between gateway counters and client-side causes */
  mismatches: string[];
}

export type { SplitCheck, SubsetStats } from './subset-model.js';
