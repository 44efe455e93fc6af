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
}): ExperimentAnalysis {
  const confidence = input.confidence ?? DEFAULT_CONFIDENCE;
  const baseline = { result: input.baseline, stats: analyzePhase(input.baseline, confidence) };
  const policy = { result: input.policy, stats: analyzePhase(input.policy, confidence) };
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
