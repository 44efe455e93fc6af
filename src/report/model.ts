/**
 * The Report (design.md "Contracts"): one JSON document per run. Every renderer (terminal,
 * Markdown, JUnit, HTML) takes this object and nothing else. Bump `schemaVersion` on any
 * breaking change; `meshproof diff` reads older reports by it.
 */
import type { EngineInfo, EnginePlacement, LoadProfile, PhaseResult, RequestPlan } from '../load/model.js';
import type { EffectivePolicy, TargetTopology } from '../ports.js';
import type { Attribution } from '../load/subset-from.js';
import type { Comparison, GatewayCounters, GateResult, PhaseName, PhaseStats, Verdict } from '../analysis/model.js';

export const REPORT_SCHEMA_VERSION = 1 as const;

/** The result types are analysis's (analysis/model.ts); renderers import them from here. */
export type {
  Comparison,
  CounterMismatch,
  DiffStat,
  GateEvidence,
  GatewayCounters,
  GateResult,
  PercentileStat,
  PhaseName,
  PhaseStats,
  RatioStat,
  SplitCheck,
  SplitEvidence,
  SubsetStats,
  ThresholdEvidence,
  UnjudgedEvidence,
  Verdict,
} from '../analysis/model.js';
export type { EffectivePolicy };

/** One phase's gateway counters as report.json carries them: each mismatch worded (gateway-text.ts). */
export interface GatewayReport extends Omit<GatewayCounters, 'mismatches'> {
  /** mismatches between gateway counters and client-side causes, one line each */
  mismatches: string[];
}

/** A gate as report.json carries it: analysis's result with its evidence worded as one sentence (gate-text.ts). */
export interface GateReport extends Omit<GateResult, 'evidence'> {
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

/**
 * Where the load generator, the gateway and the pods ran (issue 18): on one shared event loop
 * each stalls the others' latency, so numbers from different topologies are not comparable
 * (`meshproof diff` warns). Absent in reports written before it: report/topology.ts infers it.
 */
export interface Topology extends TargetTopology {
  engine: EnginePlacement;
  /** the nice value of the engine's thread when it was read (PhaseResult.nice); absent otherwise */
  engineNice?: number;
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
  topology?: Topology;
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
    /** how responses were attributed to subsets, and the weights the policy declares (issue 16) */
    attribution?: Attribution;
  };
  /** the order phases actually ran in (A B B A …) */
  order: PhaseName[];
  phases: Record<PhaseName, PhaseReport>;
  comparison: Comparison;
  gates: GateReport[];
  gateway?: GatewayReport[];
  verdict: Verdict;
  /** anything a reader should know: restore read-back result, warnings, … */
  notes: string[];
}
