/**
 * One scenario, end to end, as `meshproof run` and `meshproof demo` need it: check the
 * policies, open the target (local mesh, or a real cluster through src/cluster), pick the
 * engine, run the experiment, close the target, write the reports. The CLI verbs only parse
 * flags and print.
 */
import type { Report } from '../report/model.js';
import { ConfigError, UsageError } from '../cli/exit.js';
import type { Scenario } from './scenario.js';
import { keyOf } from './applier.js';
import { runExperiment, type ExperimentEvent } from './orchestrator.js';
import { preparePolicies } from './policies.js';
import { openLocalTarget } from './local-target.js';
import { openClusterTarget, wantsCluster, type ClusterFlags } from './cluster-target.js';
import { capProblem, CLUSTER_CAP, DEFAULT_MAX_RATE, DEFAULT_MAX_VUS, LOCAL_CAP, LOCAL_MAX_RATE, LOCAL_MAX_VUS } from './load-cap.js';
import type { OpenTarget } from './target.js';
import { createEngine, type EngineChoice } from '../load/engines.js';
import { reportDir, writeReports, type ReportFormat } from '../report/write.js';
import { appendStepSummary } from '../report/markdown.js';
import { writableDirProblem } from '../util/files.js';

export interface SessionOptions {
  engine: EngineChoice;
  k6?: string;
  /** reports root folder (the run gets its own folder inside) */
  out: string;
  /** formats written to files (terminal is printed by the CLI, not written) */
  formats: ReportFormat[];
  cluster?: ClusterFlags;
  signal?: AbortSignal;
  onEvent?: (e: ExperimentEvent) => void;
  /** one line of human text (stderr in the CLI) */
  say?: (line: string) => void;
}

export type SessionResult =
  | { kind: 'report'; report: Report; /** the report folder */ dir: string; files: string[] }
  /** --dry-run: the server validated the apply; nothing was stored, no load was sent */
  | { kind: 'dry-run'; plan: string[] };

export async function runSession(scenario: Scenario, opts: SessionOptions): Promise<SessionResult> {
  const policies = await preparePolicies(scenario.policy); // config errors before touching anything
  const cluster = wantsCluster(scenario, opts.cluster);
  if (opts.cluster?.dryRun && !cluster) {
    // the local mesh would "apply" in memory and print an empty plan: a dry run that checks nothing
    throw new UsageError('--dry-run checks a real cluster (give --target, --kubeconfig, --context or target.url); the local mesh has nothing to protect, run without it');
  }
  if (!cluster) localNamespaceCheck(scenario, opts.cluster?.namespace);
  // design.md "Safety rules": cap the rate sent to a real cluster; elsewhere, a ceiling for this machine — before anything is touched
  const cap = cluster
    ? { maxRate: opts.cluster?.maxRate ?? DEFAULT_MAX_RATE, maxVus: opts.cluster?.maxVus ?? DEFAULT_MAX_VUS }
    : { maxRate: opts.cluster?.maxRate ?? LOCAL_MAX_RATE, maxVus: opts.cluster?.maxVus ?? LOCAL_MAX_VUS };
  const problem = capProblem(scenario.load, cap, cluster ? CLUSTER_CAP : LOCAL_CAP);
  if (problem) throw new ConfigError(`${scenario.file ?? scenario.name}: ${problem}`);
  // the reports folder must be writable before anything runs: finding out after a whole run, with
  // a cluster changed and restored, loses the results (issue 13 item 7); a dry run writes nothing
  if (!opts.cluster?.dryRun && opts.formats.length > 0) {
    const problem = await writableDirProblem(opts.out);
    if (problem) throw new UsageError(`reports folder ${opts.out} (--out or MESHPROOF_OUT): ${problem}`);
  }
  const runId = `${new Date().toISOString().replace(/[:.]/g, '-')}-${scenario.name}`;
  const target: OpenTarget = cluster
    ? await openClusterTarget(scenario, opts.cluster ?? {}, policies.docs, runId, opts.say)
    : await openLocalTarget(scenario);
  const spec: Scenario = { ...scenario, policy: { ...scenario.policy, namespace: target.namespace } };
  let report: Report;
  try {
    if (opts.cluster?.dryRun) return { kind: 'dry-run', plan: await dryRun(target, policies.docs) };
    report = await runExperiment(spec, {
      applier: target.applier,
      engine: createEngine(opts.engine, { k6: opts.k6 }),
      target: target.target,
      counters: target.counters,
      signal: opts.signal,
      onEvent: opts.onEvent,
      runId: target.runId ?? runId,
      policies,
    });
  } finally {
    await target.close();
  }
  const dir = reportDir(opts.out, report.createdAt, report.scenario.name);
  const files = await writeReports(report, dir, opts.formats);
  // GitHub Actions: the Markdown report also lands on the job's summary page (when set)
  if (opts.formats.includes('md')) await appendStepSummary(report);
  return { kind: 'report', report, dir, files };
}

/**
 * The local mesh has one namespace, its app's (local.service.namespace): policies put anywhere
 * else would select nothing, and the run would measure no change at all. Refused up front.
 */
function localNamespaceCheck(scenario: Scenario, flag: string | undefined): void {
  const only = scenario.local.service.namespace;
  if (flag !== undefined && flag !== only) {
    throw new UsageError(`--namespace: the local mesh has only the namespace of its app, ${JSON.stringify(only)} (local.service.namespace); got ${JSON.stringify(flag)} (for a real cluster, give --target, --kubeconfig or --context)`);
  }
  const ns = scenario.policy.namespace;
  if (ns !== undefined && ns !== only) {
    const at = scenario.policy.namespaceAt ?? scenario.file ?? scenario.name;
    throw new ConfigError(`${at}: policy.namespace: the local mesh has only the namespace of its app, ${JSON.stringify(only)} (local.service.namespace); got ${JSON.stringify(ns)}`);
  }
}

/** Snapshot and a server-side dry-run apply: the plan, and Istio's webhook verdict, without a change. */
async function dryRun(target: OpenTarget, docs: Parameters<OpenTarget['applier']['apply']>[0]): Promise<string[]> {
  await target.applier.snapshot(docs.map((d) => keyOf(d, target.namespace)));
  await target.applier.apply(docs);
  // the cluster applier has already printed each plan line as the server answered
  return (target.applier as { plan?: string[] }).plan ?? [];
}
