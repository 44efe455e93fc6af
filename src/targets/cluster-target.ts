/**
 * The real-cluster side of `meshproof run`: the flags that select it, and the
 * hand-over to src/cluster (createClusterTarget), which owns connection, applier, journal,
 * gateway discovery, the propagation check and the gateway counters.
 */
import type { PolicyDoc } from '../policy/model.js';
import { createClusterTarget } from '../cluster/target.js';
import type { Scenario } from '../scenario/scenario.js';
import type { OpenTarget } from '../ports.js';

export interface ClusterFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  /** gateway URL, or "auto" to discover the ingress gateway Service */
  target?: string;
  dryRun?: boolean;
  allowSystemNamespaces?: boolean;
  allowOtherNamespaces?: boolean;
  /** raise the cluster load cap (src/scenario/load-cap.ts) */
  maxRate?: number;
  maxVus?: number;
}

/** A cluster run is asked for by a target URL (flag or scenario), `--target auto`, a kubeconfig or a context. */
export function wantsCluster(scenario: Scenario, flags: ClusterFlags | undefined): boolean {
  return Boolean(flags?.target || flags?.kubeconfig || flags?.context || scenario.target.url);
}

export async function openClusterTarget(
  scenario: Scenario,
  flags: ClusterFlags,
  policies: PolicyDoc[],
  runId: string,
  say: (line: string) => void = () => {},
): Promise<OpenTarget> {
  const t = await createClusterTarget({
    kubeconfig: flags.kubeconfig,
    context: flags.context,
    namespace: flags.namespace ?? scenario.policy.namespace,
    target: flags.target ?? scenario.target.url,
    host: scenario.target.host,
    dryRun: flags.dryRun,
    allowSystemNamespaces: flags.allowSystemNamespaces,
    allowOtherNamespaces: flags.allowOtherNamespaces,
    runId,
    policies,
    log: say,
  });
  say(t.describe);
  return {
    applier: t.applier,
    target: { url: t.url, host: t.host, kind: 'cluster' },
    topology: { mesh: 'cluster', pods: 'cluster' },
    namespace: t.applier.opts.conn.namespace,
    counters: t.counters,
    runId: t.runId,
    close: () => t.close(),
  };
}
