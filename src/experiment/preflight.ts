/**
 * What runSession checks once the target kind is known and before anything is opened, applied
 * or sent (issue 13): the load caps, the local mesh's one namespace, and that the reports
 * folder can be written. Each failure is exit 2 naming the field or flag.
 */
import { ConfigError, UsageError } from '../errors.js';
import { writableDirProblem } from '../util/files.js';
import type { ClusterFlags } from '../targets/cluster-target.js';
import {
  capProblem,
  CLUSTER_CAP,
  DEFAULT_MAX_RATE,
  DEFAULT_MAX_VUS,
  LOCAL_CAP,
  LOCAL_MAX_RATE,
  LOCAL_MAX_VUS,
} from '../scenario/load-cap.js';
import type { Scenario } from '../scenario/scenario.js';

export interface PreflightOptions {
  out: string;
  formats: readonly string[];
  cluster?: ClusterFlags;
}

export async function preflight(scenario: Scenario, opts: PreflightOptions, cluster: boolean): Promise<void> {
  if (!cluster) localNamespaceCheck(scenario, opts.cluster?.namespace);
  // design.md "Safety rules": cap the rate sent to a real cluster; elsewhere, a ceiling for this machine
  const cap = cluster
    ? { maxRate: opts.cluster?.maxRate ?? DEFAULT_MAX_RATE, maxVus: opts.cluster?.maxVus ?? DEFAULT_MAX_VUS }
    : { maxRate: opts.cluster?.maxRate ?? LOCAL_MAX_RATE, maxVus: opts.cluster?.maxVus ?? LOCAL_MAX_VUS };
  const problem = capProblem(scenario.load, cap, cluster ? CLUSTER_CAP : LOCAL_CAP);
  if (problem) throw new ConfigError(`${scenario.file ?? scenario.name}: ${problem}`);
  // finding an unwritable folder after a whole run, with a cluster changed and restored, loses
  // the results (issue 13 item 7); a dry run, or a run with no report files, writes nothing
  if (!opts.cluster?.dryRun && opts.formats.length > 0) {
    const unwritable = await writableDirProblem(opts.out);
    if (unwritable) throw new UsageError(`reports folder ${opts.out} (--out or MESHPROOF_OUT): ${unwritable}`);
  }
}

/**
 * The local mesh has one namespace, its app's (local.service.namespace): policies put anywhere
 * else would select nothing, and the run would measure no change at all.
 */
function localNamespaceCheck(scenario: Scenario, flag: string | undefined): void {
  const only = scenario.local.service.namespace;
  if (flag !== undefined && flag !== only) {
    throw new UsageError(
      `--namespace: the local mesh has only the namespace of its app, ${JSON.stringify(only)} (local.service.namespace); got ${JSON.stringify(flag)} (for a real cluster, give --target, --kubeconfig or --context)`,
    );
  }
  const ns = scenario.policy.namespace;
  if (ns !== undefined && ns !== only) {
    const at = scenario.policy.namespaceAt ?? scenario.file ?? scenario.name;
    throw new ConfigError(
      `${at}: policy.namespace: the local mesh has only the namespace of its app, ${JSON.stringify(only)} (local.service.namespace); got ${JSON.stringify(ns)}`,
    );
  }
}
