/**
 * One scenario, end to end, as `meshproof run` and `meshproof demo` need it: check the
 * policies, open the target (a real cluster, or the local mesh — both through src/cluster), pick the
 * engine, run the experiment, close the target, write the reports. The CLI verbs only parse
 * flags and print.
 */
import type { Report } from '../report/model.js';
import { UsageError } from '../errors.js';
import type { Scenario } from '../scenario/scenario.js';
import { keyOf } from '../ports.js';
import { runExperiment, type ExperimentEvent } from './orchestrator.js';
import { attributionNote } from './attribution.js';
import { preparePolicies, refuseConflicts } from './policies.js';
import { openLocalTarget } from '../targets/local-target.js';
import { openClusterTarget, wantsCluster, type ClusterFlags } from '../targets/cluster-target.js';
import { preflight } from './preflight.js';
import type { OpenTarget } from '../ports.js';
import { createEngine, type EngineChoice } from '../load/engines.js';
import type { Engine } from '../load/model.js';
import { checkEngineAccepts } from '../scenario/k6.js';
import { instancesProblem } from '../load/instances.js';
import { createOperatorEngine } from '../cluster/k6-operator-engine.js';
import { peakLoad } from '../scenario/load-cap.js';
import { runIdFor, writeReports, type ReportFormat } from '../report/write.js';
import type { RunPlace } from '../report/junit.js';
import { join } from 'node:path';
import { realpathSync } from 'node:fs';
import { readEnv } from '../config.js';
import { appendStepSummary } from '../report/markdown.js';

export interface SessionOptions {
  engine: EngineChoice | 'k6-operator';
  /**
   * An engine the caller made and owns (createEngine), used instead of making one from `engine`
   * and not closed by the session: `meshproof demo` runs its scenarios on one, so the built-in
   * engine's thread starts once, not once per scenario.
   */
  sharedEngine?: Engine;
  /** --engine k6-operator: --k6-namespace and --k6-image */
  k6Operator?: { namespace?: string; image?: string };
  k6?: string;
  /** --instances: overrides the scenario's load.instances */
  instances?: number;
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
  | { kind: 'report'; report: Report /** the report folder */; dir: string; files: string[] }
  /** --dry-run: the server validated the apply; nothing was stored, no load was sent */
  | { kind: 'dry-run'; plan: string[] };

export async function runSession(given: Scenario, opts: SessionOptions): Promise<SessionResult> {
  const scenario = withInstances(given, opts.instances);
  const policies = await preparePolicies(scenario.policy, scenario.target.subsetFrom); // config errors before touching anything
  if (policies.attribution?.injected) opts.say?.(attributionNote(policies.attribution));
  const cluster = wantsCluster(scenario, opts.cluster);
  if (opts.cluster?.dryRun && !cluster) {
    // the local mesh's objects die with the run: a dry run there protects nothing
    throw new UsageError(
      '--dry-run checks a real cluster (give --target, --kubeconfig, --context or target.url); the local mesh has nothing to protect, run without it',
    );
  }
  await preflight(scenario, opts, cluster); // limits and the reports folder, before anything is touched
  const engine: Engine =
    opts.sharedEngine ??
    (opts.engine === 'k6-operator'
      ? await createOperatorEngine({
          kubeconfig: opts.cluster?.kubeconfig,
          context: opts.cluster?.context,
          namespace: opts.k6Operator?.namespace,
          image: opts.k6Operator?.image,
        })
      : createEngine(opts.engine, { k6: opts.k6 }));
  checkEngineAccepts(scenario, engine); // k6 would refuse it with exit 104: say so before anything is touched
  if (!cluster) {
    // the local mesh serves its app's one namespace (issue 13 item 10)
    const only = scenario.local.service.namespace;
    refuseConflicts(policies.docs, { defaultNamespace: scenario.policy.namespace ?? only, onlyNamespace: only });
  }
  const runId = runIdFor(new Date(), scenario.name);
  const target: OpenTarget = cluster
    ? await openClusterTarget(scenario, opts.cluster ?? {}, policies.docs, runId, opts.say)
    : await openLocalTarget(scenario, { policies: policies.docs, runId, log: opts.say });
  const spec: Scenario = { ...scenario, policy: { ...scenario.policy, namespace: target.namespace } };
  let report: Report;
  try {
    // now the namespace of objects that name none is known: "default/x" and "x" may be one object
    refuseConflicts(policies.docs, { defaultNamespace: target.namespace });
    if (opts.cluster?.dryRun) return { kind: 'dry-run', plan: await dryRun(target, policies.docs) };
    report = await runExperiment(spec, {
      applier: target.applier,
      engine,
      target: target.target,
      topology: target.topology,
      counters: target.counters,
      signal: opts.signal,
      onEvent: opts.onEvent,
      runId: target.runId ?? runId,
      policies,
    });
  } finally {
    if (!opts.sharedEngine) await engine.close?.();
    await target.close();
  }
  // the folder is the run id: the report, its folder, the cluster label and journal name one run alike
  const dir = join(opts.out, report.runId);
  const files = await writeReports(report, dir, opts.formats, runPlace(readEnv().checkoutRoot));
  // GitHub Actions: the Markdown report also lands on the job's summary page (when set)
  if (opts.formats.includes('md')) await appendStepSummary(report);
  return { kind: 'report', report, dir, files };
}

/** Snapshot and a server-side dry-run apply: the plan, and Istio's webhook verdict, without a change. */
async function dryRun(target: OpenTarget, docs: Parameters<OpenTarget['applier']['apply']>[0]): Promise<string[]> {
  await target.applier.snapshot(docs.map((d) => keyOf(d, target.namespace)));
  await target.applier.apply(docs);
  // the cluster applier has already printed each plan line as the server answered
  return (target.applier as { plan?: string[] }).plan ?? [];
}

/** --instances over load.instances, checked like it (every instance needs a VU) before anything is touched. */
function withInstances(scenario: Scenario, instances: number | undefined): Scenario {
  if (instances === undefined) return scenario;
  const problem = instancesProblem(instances, peakLoad(scenario.load).vus);
  if (problem) throw new UsageError(`--instances: ${problem}`);
  return { ...scenario, instances };
}

/** Where this run happens, for junit.xml's file paths; the checkout's real path too when a symlink leads to it. */
export function runPlace(checkoutRoot: string | undefined): RunPlace {
  let checkoutRootReal: string | undefined;
  try {
    checkoutRootReal = checkoutRoot === undefined ? undefined : realpathSync(checkoutRoot);
  } catch {
    // a checkout that is not there: only the path as given
  }
  return { cwd: process.cwd(), checkoutRoot, checkoutRootReal };
}
