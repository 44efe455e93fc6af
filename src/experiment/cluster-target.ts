/**
 * The real-cluster side of `meshproof run` (issue E): the flags that select it, and the
 * hand-over to src/cluster, which owns connection, applier, journal, discovery and counters.
 */
import { InfraError } from '../cli/exit.js';
import type { Scenario } from './scenario.js';
import type { OpenTarget } from './target.js';

export interface ClusterFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  /** gateway URL, or "auto" to discover the ingress gateway Service */
  target?: string;
  dryRun?: boolean;
  allowSystemNamespaces?: boolean;
}

/** A cluster run is asked for by a target URL (flag or scenario), `--target auto`, a kubeconfig or a context. */
export function wantsCluster(scenario: Scenario, flags: ClusterFlags | undefined): boolean {
  return Boolean(flags?.target || flags?.kubeconfig || flags?.context || scenario.target.url);
}

export async function openClusterTarget(_scenario: Scenario, _flags: ClusterFlags, _say?: (line: string) => void): Promise<OpenTarget> {
  throw new InfraError('real-cluster runs are not wired in this build yet (src/cluster has no session factory); run without --target/--kubeconfig to use the local mesh');
}
