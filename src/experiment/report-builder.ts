/**
 * PhaseRuns → Report (src/report/model.ts): pool the repetitions of each phase
 * (mergePhaseResults: histograms and counts add exactly), then let analysis add statistics,
 * the comparison, the gates and the verdict; the report words each gate's evidence
 * (report/gate-text.ts). Pure: no I/O, no clock.
 */
import type { EngineInfo, EnginePlacement, PhaseResult } from '../load/model.js';
import type { GatewayReport, PhaseName, Report } from '../report/model.js';
import type { TargetTopology, VerifyResult } from '../ports.js';
import { placementOf } from '../load/placement.js';
import { targetTopologyOf } from '../report/topology.js';
import { REPORT_SCHEMA_VERSION } from '../report/model.js';
import { VERSION } from '../version.js';
import { mergePhaseResults } from '../load/merge.js';
import { analyzeExperiment } from '../analysis/experiment.js';
import { displayPath, type PreparedPolicies } from './policies.js';
import type { Scenario } from '../scenario/scenario.js';
import { gatewayCounters } from '../analysis/gateway-counters.js';
import { redactPlan, stripUserinfo } from '../util/redact.js';
import { attributionNote } from './attribution.js';
import { reportGates } from '../report/gate-text.js';
import { reportGateway } from '../report/gateway-text.js';

/** What the phases produced, before analysis. */
export interface PhaseRuns {
  order: PhaseName[];
  results: Record<PhaseName, PhaseResult[]>;
  counters: Record<PhaseName, Record<string, number>[]>;
  policyAppliedAt?: string;
  propagationMs?: number;
  /** the policy objects as the target merged them (first apply), which propagation was checked against */
  effective?: VerifyResult['effective'];
  notes: string[];
  /** phases whose gateway counters could not be read in some slot: their counters are dropped (a partial sum would look like a mismatch) */
  countersLost?: PhaseName[];
}

export interface ReportInputs {
  spec: Scenario;
  target: { url: string; host?: string; kind?: 'local' | 'cluster' };
  applierDescription: string;
  engine: EngineInfo;
  /** the engine's fixed placement (k6: a process); else the results' threads say */
  placement?: EnginePlacement;
  /** where the target runs; default from its kind */
  topology?: TargetTopology;
  policies: PreparedPolicies;
  runs: PhaseRuns;
  runId: string;
  createdAt: string;
}

export function buildReport(x: ReportInputs): Report {
  const { spec, runs } = x;
  // the plan is echoed into report.json and --json: secret header values stay out (redact.ts)
  const pooled = (rs: typeof runs.results.baseline) => {
    const r = mergePhaseResults(rs);
    return { ...r, plan: redactPlan(r.plan) };
  };
  const baseline = pooled(runs.results.baseline);
  const policy = pooled(runs.results.policy);
  const a = analyzeExperiment({ baseline, policy, gates: spec.gates, declared: x.policies.attribution?.declared });
  const gateway: GatewayReport[] | undefined =
    runs.counters.baseline.length || runs.counters.policy.length
      ? [
          gatewayCounters('baseline', runs.counters.baseline, baseline),
          gatewayCounters('policy', runs.counters.policy, policy),
        ].map(reportGateway)
      : undefined;
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'meshproof', version: VERSION },
    runId: x.runId,
    createdAt: x.createdAt,
    scenario: { name: spec.name, description: spec.description, file: spec.file, seed: spec.seed, repeat: spec.repeat },
    target: {
      kind: x.target.kind ?? 'local',
      url: x.target.url,
      host: x.target.host ?? spec.target.host,
      description: stripUserinfo(x.applierDescription),
    },
    engine: x.engine,
    topology: {
      engine: placementOf({ placement: x.placement }, [...runs.results.baseline, ...runs.results.policy]),
      ...(x.topology ?? targetTopologyOf(x.target.kind ?? 'local')),
      ...engineNiceOf([...runs.results.baseline, ...runs.results.policy]),
    },
    load: { profile: spec.load, plan: baseline.plan, ...(spec.instances > 1 ? { instances: spec.instances } : {}) },
    policy: {
      files: spec.policy.files.map(displayPath),
      propagationMs: runs.propagationMs,
      lint: x.policies.lint,
      ...(runs.effective ? { effective: runs.effective } : {}),
      ...(x.policies.attribution ? { attribution: x.policies.attribution } : {}),
    },
    order: runs.order,
    phases: {
      baseline: { result: baseline, stats: a.stats.baseline },
      policy: { result: policy, stats: a.stats.policy, policyAppliedAt: runs.policyAppliedAt },
    },
    comparison: a.comparison,
    gates: reportGates(a.gates),
    ...(gateway ? { gateway } : {}),
    verdict: a.verdict,
    // a note may quote an API error, which quotes the URL it called (issue 13 item 12)
    notes: [
      ...(x.policies.attribution?.injected ? [attributionNote(x.policies.attribution)] : []),
      ...runs.notes.map(stripUserinfo),
    ],
  };
}

/** `engineNice` when the engine's thread reported its nice value (the same thread runs every phase). */
function engineNiceOf(results: PhaseResult[]): { engineNice?: number } {
  const nice = results.find((r) => r.nice !== undefined)?.nice;
  return nice === undefined ? {} : { engineNice: nice };
}
