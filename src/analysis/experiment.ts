/**
 * Everything analysis adds to a Report, in one call: per-phase stats, the comparison, the
 * gates and the overall verdict. The orchestrator hands in the pooled PhaseResults.
 */
import type { PhaseResult } from '../load/model.js';
import type { Comparison, GateResult, PhaseName, PhaseStats, Verdict } from './model.js';
import { comparePhases } from './compare.js';
import { evaluateParsed, overallVerdict, parseExpect, type ExpectSpec, type ParsedGate } from './gates.js';
import { analyzePhase } from './phase.js';
import { DEFAULT_CONFIDENCE } from './stats.js';
import { analyzeSubsets, checkSplit } from './subsets.js';
import type { DeclaredSplit } from '../load/subset-from.js';

export interface ExperimentAnalysis {
  stats: Record<PhaseName, PhaseStats>;
  comparison: Comparison;
  gates: GateResult[];
  verdict: Verdict;
}

export function analyzeExperiment(input: {
  baseline: PhaseResult;
  policy: PhaseResult;
  /** the gates, parsed once by the scenario loader; or an `expect:` block, parsed here */
  gates?: ParsedGate[];
  expect?: ExpectSpec;
  confidence?: number;
  /** the weighted routes the policy declares (issue 16): the policy phase's split is checked against them */
  declared?: DeclaredSplit[];
}): ExperimentAnalysis {
  const confidence = input.confidence ?? DEFAULT_CONFIDENCE;
  const baseline = {
    result: input.baseline,
    stats: withSubsets(analyzePhase(input.baseline, confidence), input.baseline, undefined, confidence),
  };
  const policy = {
    result: input.policy,
    stats: withSubsets(analyzePhase(input.policy, confidence), input.policy, input.declared, confidence),
  };
  const comparison = comparePhases(baseline, policy, confidence);
  const ctx = { baseline, policy, comparison, confidence };
  const gates = evaluateParsed(input.gates ?? parseExpect(input.expect), ctx);
  return {
    stats: { baseline: baseline.stats, policy: policy.stats },
    comparison,
    gates,
    verdict: overallVerdict(gates),
  };
}

/** Per-subset stats, and the split check against declared weights, when the phase attributes responses. */
function withSubsets(
  stats: PhaseStats,
  result: PhaseResult,
  declared: DeclaredSplit[] | undefined,
  confidence: number,
): PhaseStats {
  const subsets = analyzeSubsets(result, confidence);
  if (!subsets) return stats;
  const splits = (declared ?? []).map((d) => checkSplit(result, d, confidence)).filter((c) => c !== undefined);
  return { ...stats, subsets, ...(declared ? { splits } : {}) };
}
