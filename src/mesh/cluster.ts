/**
 * One Envoy cluster at run time (§0): its endpoints ("hosts"), cluster-wide circuit-breaker
 * counters (connections, pending, active, retries — shared by every worker, §2.3), one
 * connection pool per (worker, host), a load balancer per worker (least request, round robin or
 * random, §3.4, src/mesh/load-balancer.ts) with the panic rules of §3.3, and the outlier
 * detector of §3.2 (src/mesh/outlier.ts).
 */
import type { ClusterSettings } from './cluster-config.js';
import type { PodHandle } from './pods.js';
import { Pool } from './pool.js';
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

export class Host {
  /** outlier state (§3.2) */
  ejected = false;
  ejectedAt = 0;
  backoff = 0;
  c5xx = 0;
  cGw = 0;
  cLocal = 0;
  /** for /clusters */
  rqTotal = 0;
  rqActive = 0;
  rqSuccess = 0;
  rqError = 0;
  rqTimeout = 0;
  cxActive = 0;
  readonly pools: Pool[] = [];

  constructor(
    readonly pod: PodHandle,
    readonly port: number,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  connectDelayMs(): number {
    return this.pod.behaviour().connectDelayMs ?? 0;
  }
}

function labelsMatch(labels: Record<string, string>, want: Record<string, string>): boolean {
  for (const k in want) if (labels[k] !== want[k]) return false;
  return true;
}

/** Re-picks the LB may make to avoid a host already tried (`host_selection_retry_max_attempts`, §4.1). */
const DEFAULT_HOST_SELECTION_ATTEMPTS = 5;

export class ClusterState {
  cx = 0;
  pending = 0;
  active = 0;
  retries = 0;
  readonly hosts: Host[];
  /** hosts not ejected, in host order (rebuilt on every ejection change) */
  healthy: Host[];
  private readonly lb: HostPicker[];
  readonly workers: number;
  readonly outlier: OutlierDetector | null;
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
    this.lb = Array.from({ length: env.workers }, (_, w) => createPicker(settings.lbPolicy, env.rng.fork(`worker:${w}`)));
    for (const h of this.hosts) for (let w = 0; w < env.workers; w++) h.pools.push(new Pool(this, h));
    this.outlier = settings.outlier ? new OutlierDetector(this, settings.outlier, env.now, env.proxy) : null;
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

  /** Concurrent retries allowed now: `max_retries`, or the retry budget when set (§2.1). */
  retryLimit(): number {
    const b = this.settings.retryBudget;
    if (!b) return this.settings.maxRetries;
    return Math.max(b.minConcurrency, Math.floor(((this.active + this.pending) * b.percent) / 100));
  }

  pool(worker: number, h: Host): Pool {
    return h.pools[worker];
  }

  /** Called by the outlier detector when a host's ejection state changes. */
  onHealthChanged(): void {
    this.healthy = this.hosts.filter((h) => !h.ejected);
  }

  ejectedCount(): number {
    return this.hosts.length - this.healthy.length;
  }

  /** A push replaced this cluster: stop its timers, finish in-flight work, keep no connection. */
  retire(): void {
    this.retired = true;
    this.outlier?.stop();
    for (const h of this.hosts) for (const p of h.pools) p.drain();
  }

  stop(): void {
    this.outlier?.stop();
    for (const h of this.hosts) for (const p of h.pools) p.closeAll();
  }
}
