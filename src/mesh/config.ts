/**
 * One immutable gateway configuration, built from the whole object store like an xDS push:
 * Envoy clusters for the app's service (default + one per DR subset) and the gateway's virtual
 * hosts, both translated by src/translate/. A cluster whose translation did not change
 * keeps its run-time state (pools, outlier state, counters) across pushes, as Envoy keeps a
 * cluster whose CDS resource is unchanged; a changed one is re-created and the old one drains.
 */
import { byKind } from '../policy/by-kind.js';
import type { AppModel } from './app-model.js';
import { ClusterState } from './cluster.js';
import { clusterSettings } from './cluster-config.js';
import type { PodHandle } from './pods.js';
import { RouteTable } from './route-config.js';
import type { StatsStore } from './stats.js';
import type { ProxyVersion } from './proxy.js';
import type { Rng } from '../util/random.js';
import {
  consistentHash,
  serviceFqdn,
  subsetsFor,
  translateCluster,
  translateVirtualHosts,
  type EnvoyCluster,
  type EnvoyVirtualHost,
} from '../translate/index.js';

export interface MeshConfig {
  version: number;
  routes: RouteTable;
  clusters: Map<string, ClusterState>;
  envoyClusters: EnvoyCluster[];
  virtualHosts: EnvoyVirtualHost[];
  /** JSON of each Envoy cluster, to decide reuse on the next push */
  clusterJson: Map<string, string>;
}

export interface BuildDeps {
  app: AppModel;
  pods: PodHandle[];
  stats: StatsStore;
  workers: number;
  now: () => number;
  proxy: ProxyVersion;
  /** load-balancer randomness; each new cluster forks its own stream from it */
  lbRng: Rng;
}

export function buildConfig(
  objects: Record<string, unknown>[],
  version: number,
  deps: BuildDeps,
  prev: MeshConfig | null,
): MeshConfig {
  const { app } = deps;
  const fqdn = serviceFqdn(app.service.name, app.service.namespace);
  const service = { fqdn, port: app.service.port };
  const { drs, vss } = byKind(objects);
  const envoyClusters = [
    translateCluster(drs, service),
    ...subsetsFor(drs, fqdn).map((s) => translateCluster(drs, service, s)),
  ];
  // endpoints of the service: pods labelled app=<service> (the Service selector); all pods if none is
  const selected = deps.pods.filter((p) => p.labels.app === app.service.name);
  const pods = selected.length > 0 ? selected : deps.pods;

  const clusters = new Map<string, ClusterState>();
  const clusterJson = new Map<string, string>();
  for (const c of envoyClusters) {
    const json = JSON.stringify(c);
    clusterJson.set(c.name, json);
    const old = prev?.clusters.get(c.name);
    const reuse = old && prev?.clusterJson.get(c.name) === json;
    if (reuse) {
      clusters.set(c.name, old);
      continue;
    }
    const env = { workers: deps.workers, now: deps.now, proxy: deps.proxy, rng: deps.lbRng.fork(c.name) };
    clusters.set(c.name, new ClusterState(clusterSettings(c), pods, deps.stats.cluster(c.name), env));
  }
  const portOf = (host: string) => (host === fqdn ? app.service.port : undefined);
  const hashed = new Set(envoyClusters.filter(consistentHash).map((c) => c.name));
  const virtualHosts = translateVirtualHosts(vss, app.service.namespace, portOf, undefined, (n) => hashed.has(n));
  return { version, routes: new RouteTable(virtualHosts), clusters, envoyClusters, virtualHosts, clusterJson };
}

/** Clusters of `prev` that `next` no longer uses (replaced or removed): they drain. */
export function retiredClusters(prev: MeshConfig, next: MeshConfig): ClusterState[] {
  const out: ClusterState[] = [];
  for (const [name, c] of prev.clusters) if (next.clusters.get(name) !== c) out.push(c);
  return out;
}
