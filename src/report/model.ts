/**
 * The Report (design.md "Contracts"): one JSON document per run. Every renderer (terminal,
 * Markdown, JUnit, HTML) takes this object and nothing else. Bump `schemaVersion` on any
 * breaking change; `meshproof diff` reads older reports by it.
 */
import type { Cause } from '../load/classify.js';
import type { EngineInfo, LoadProfile, PhaseResult, RequestPlan } from '../load/model.js';

export const REPORT_SCHEMA_VERSION = 1 as const;

export type Verdict = 'pass' | 'fail' | 'inconclusive';
export type PhaseName = 'baseline' | 'policy';

/** A ratio k/n with its Wilson 95 % interval. */
export interface RatioStat {
  count: number;
  n: number;
  ratio: number;
  lo: number;
  hi: number;
}
/**
 * A policy object as the target holds it after the apply — merged into the object that existed,
 * as server-side apply merges (issue 13 item 6) — which is what the gateway was checked against.
 */
export interface EffectivePolicy {
  kind: string;
  namespace: string;
  name: string;
  /** the spec after the merge */
  spec: unknown;
  /** spec fields the policy files did not set, kept from the object that existed (dotted paths) */
  kept: string[];
}

/** Difference of two ratios (policy − baseline) with its Newcombe 95 % interval. */
export interface DiffStat {
  baseline: number;
  policy: number;
  delta: number;
  lo: number;
  hi: number;
}
/** A percentile estimate (ms) with its distribution-free order-statistic 95 % interval. */
export interface PercentileStat {
  p: number;
  value: number;
  lo: number;
  hi: number;
}

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

export interface PhaseReport {
  /** pooled over repetitions (mergePhaseResults) */
  result: PhaseResult;
  stats: PhaseStats;
  /** ISO time the policy was applied (policy phase only) — the HTML timeline marks it */
  policyAppliedAt?: string;
}

/** Gateway-side counter deltas (real cluster or local mesh admin /stats), per phase. */
export interface GatewayCounters {
  phase: PhaseName;
  /** Envoy stat name → delta over the phase, summed over replicas */
  deltas: Record<string, number>;
  /** human-readable mismatches between gateway counters and client-side causes */
  mismatches: string[];
}

export interface Report {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  tool: { name: 'meshproof'; version: string };
  runId: string;
  createdAt: string;
  scenario: {
    name: string;
    description?: string;
    file?: string;
    seed: number;
    repeat: number;
  };
  target: { kind: 'local' | 'cluster'; url: string; host?: string; description: string };
  engine: EngineInfo;
  /** instances: how many k6 execution segments ran each phase (absent = 1) */
  load: { profile: LoadProfile; plan: RequestPlan; instances?: number };
  policy: {
    files: string[];
    /** ms from apply until every proxy showed the policy */
    propagationMs?: number;
    /** lint findings, one line each */
    lint: string[];
    /** each policy object as the target held it after the apply (merged into what existed); what propagation was checked against */
    effective?: EffectivePolicy[];
  };
  /** the order phases actually ran in (A B B A …) */
  order: PhaseName[];
  phases: Record<PhaseName, PhaseReport>;
  comparison: Comparison;
  gates: GateResult[];
  gateway?: GatewayCounters[];
  verdict: Verdict;
  /** anything a reader should know: restore read-back result, warnings, … */
  notes: string[];
}
