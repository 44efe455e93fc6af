/**
 * One Envoy cluster at run time (§0): its endpoints ("hosts"), cluster-wide circuit-breaker
 * counters (connections, pending, active, retries — shared by every worker, §2.3), one
 * connection pool per (worker, host), a load balancer per worker (least request, round robin or
 * random, §3.4, src/mesh/load-balancer.ts) with the panic rules of §3.3, and the outlier
 * detector of §3.2 (src/mesh/outlier.ts), which owns host health and calls back on ejection.
 * The circuit-breaker counts live in src/mesh/resources.ts.
 */
import type { ClusterSettings } from './cluster-config.js';
import { Host } from './host.js';
import type { PodHandle } from './pods.js';
import { Pool } from './pool.js';
import { ClusterResources } from './resources.js';
import type { ClusterStats } from './stats.js';
import { OutlierDetector } from './outlier.js';
import { createPicker, type HostPicker } from './load-balancer.js';
import type { ProxyVersion } from './proxy.js';
import type { Rng } from '../util/random.js';

/** What a cluster takes from the proxy that runs it. */
export interface ClusterEnv {
  workers: number;
  now: () => number;
  proxy: ProxyVersion;
  /** the cluster's own stream for its load balancers */
  rng: Rng;
}

function labelsMatch(labels: Record<string, string>, want: Record<string, string>): boolean {
  for (const k in want) if (labels[k] !== want[k]) return false;
  return true;
}

/** Re-picks the LB may make to avoid a host already tried (`host_selection_retry_max_attempts`, §4.1). */
const DEFAULT_HOST_SELECTION_ATTEMPTS = 5;

export class ClusterState {
  readonly resources: ClusterResources;
  readonly hosts: Host[];
  /** one connection pool per (host, worker) */
  private readonly pools = new Map<Host, Pool[]>();
  /** hosts not ejected, in host order (rebuilt on every ejection change) */
  healthy: Host[];
  private readonly lb: HostPicker[];
  readonly workers: number;
  readonly outlier: OutlierDetector<Host> | null;
  retired = false;

  constructor(
    readonly settings: ClusterSettings,
    pods: PodHandle[],
    readonly stats: ClusterStats,
    env: ClusterEnv,
  ) {
    const want = settings.subsetLabels;
    this.workers = env.workers;
    this.hosts = pods.filter((p) => !want || labelsMatch(p.labels, want)).map((p) => new Host(p, p.port));
    this.healthy = this.hosts.slice();
    this.lb = Array.from({ length: env.workers }, (_, w) =>
      createPicker(settings.lbPolicy, env.rng.fork(`worker:${w}`)),
    );
    this.resources = new ClusterResources(settings);
    for (const h of this.hosts)
      this.pools.set(
        h,
        Array.from({ length: env.workers }, () => new Pool(this.resources, settings, stats, h)),
      );
    stats.outlierDetection = settings.outlier !== null;
    this.outlier = settings.outlier
      ? new OutlierDetector(this.hosts, settings.outlier, stats, env.now, env.proxy, (h, ejected) =>
          this.onEjection(h, ejected),
        )
      : null;
  }

  /**
   * The cluster's LB policy over non-ejected hosts; §3.3 panic (healthy% < threshold) balances
   * over all. `tried`: hosts of earlier attempts, avoided for up to 5 re-picks (previous_hosts
   * predicate; Envoy's `chooseHost` re-runs the same algorithm). null → no host: 503 UH.
   */
  pickHost(worker: number, tried: Host[] | null, avoidTried = true): Host | null {
    const total = this.hosts.length;
    if (total === 0) return null;
    const panic = 100 * this.healthy.length < this.settings.panicThresholdPercent * total;
    const set = panic ? this.hosts : this.healthy;
    if (set.length === 0) return null;
    const lb = this.lb[worker];
    let h = lb.pick(set, panic);
    if (tried && avoidTried) {
      for (let i = 0; i < DEFAULT_HOST_SELECTION_ATTEMPTS && tried.includes(h); i++) h = lb.pick(set, panic);
    }
    return h;
  }

  pool(worker: number, h: Host): Pool {
    return (this.pools.get(h) as Pool[])[worker];
  }

  isEjected(h: Host): boolean {
    return this.outlier?.isEjected(h) ?? false;
  }

  /** The outlier detector's callback: a host was ejected or brought back. */
  private onEjection(h: Host, ejected: boolean): void {
    this.healthy = this.hosts.filter((x) => !this.isEjected(x));
    // §3.2: an ejected host's pooled connections are closed (drained: busy ones after their request)
    if (ejected) for (const p of this.pools.get(h) ?? []) p.drainExisting();
  }

  ejectedCount(): number {
    return this.hosts.length - this.healthy.length;
  }

  private allPools(): Pool[] {
    return [...this.pools.values()].flat();
  }

  /** A push replaced this cluster: stop its timers, finish in-flight work, keep no connection. */
  retire(): void {
    this.retired = true;
    this.outlier?.stop();
    for (const p of this.allPools()) p.drain();
  }

  stop(): void {
    this.outlier?.stop();
    for (const p of this.allPools()) p.closeAll();
  }
}
