/**
 * The local mesh (design.md "The local mesh"): simulated pods, an ingress gateway with Envoy's
 * behaviour as Istio configures it (istio-envoy-semantics.md), an admin API in Envoy's formats,
 * and an object store that pushes configuration like istiod does.
 *
 *   startMesh(opts?) → LocalMesh
 *
 * Every mutation of the store (applyPolicies / deleteObjects) triggers a push: the whole
 * config is rebuilt from the store and swapped atomically after `pushDelayMs`; in-flight
 * requests finish under the config they started with. Removing a policy restores Istio's
 * defaults. With no VirtualService matching the Host header the gateway answers 404 NR.
 */
import type http from 'node:http';
import type net from 'node:net';
import { once } from 'node:events';
import { DEFAULT_APP, type AppModel } from './app-model.js';
import type { PodHandle } from './pods.js';
import { startPods, type PodThreads } from './pod-host.js';
import type { BuildDeps } from './config.js';
import { ControlPlane } from './control-plane.js';
import { createGateway } from './gateway.js';
import { allStats, createAdmin } from './admin.js';
import { openAccessLog, type AccessLog } from './access-log.js';
import { StatsStore } from './stats.js';
import { hasDelay, NO_NETWORK, startDelayLine, type ClientNetwork, type DelayLine } from './client-network.js';
import type { ObjectKey } from '../ports.js';
import type { PolicyDoc } from '../policy/model.js';
import { createRng, DEFAULT_SEED } from '../util/random.js';
import { DEFAULT_PROXY, proxyRule, type ProxyVersion } from './proxy.js';

export type { PodHandle, SeenRequest } from './pods.js';
export type { ClientNetwork } from './client-network.js';
export type { AppModel, PodBehaviour, PodSpec, LatencyModel } from './app-model.js';
export { DEFAULT_APP } from './app-model.js';

export interface MeshOptions {
  app?: AppModel;
  /** Istio objects applied on top of `app.objects` before the first request */
  policies?: (Record<string, unknown> | PolicyDoc)[];
  seed?: number;
  /** Envoy worker threads emulated (§2.3); default 1 */
  workers?: number;
  /**
   * the client's network (client-network.ts): with a round trip or jitter, clients reach the
   * gateway through a delay line and `gatewayUrl` is the delay line's; default none (loopback)
   */
  network?: ClientNetwork;
  /** which Envoy's version-dependent rules to run (src/mesh/proxy.ts); default: `app.proxy`, else current */
  proxy?: ProxyVersion;
  /** delay between a store mutation and the config swap (xDS push); default 0 */
  pushDelayMs?: number;
  accessLogPath?: string;
  /** serve HTTP/1.0 (Istio's PILOT_HTTP10=1); default false: HTTP/1.0 gets 426 Upgrade Required (§6.1) */
  acceptHttp10?: boolean;
  /** the pods' worker threads (pod-host.ts): all pods on one (default), one per pod, or none (the gateway's loop, for comparison) */
  podThreads?: PodThreads;
  /** 0 / unset = any free port */
  gatewayPort?: number;
  adminPort?: number;
  host?: '127.0.0.1';
}

export interface LocalMesh {
  gatewayUrl: string;
  adminUrl: string;
  /** Envoy workers emulated (§2.3) */
  workers: number;
  /** the clients' network in front of the gateway (§6.2); NO_NETWORK = loopback */
  network: ClientNetwork;
  app: AppModel;
  pods: PodHandle[];
  /** worker threads serving the pods, off the gateway's event loop (0 with `podThreads: 'none'`) */
  podThreads: number;
  /** the proxy version emulated, and its rule in one line (reports print it) */
  proxy: ProxyVersion;
  proxyRule: string;
  getObject(key: ObjectKey): Record<string, unknown> | null;
  listObjects(): Record<string, unknown>[];
  /** upsert; resolves when the new config is live. Accepts plain objects or PolicyDocs (their `.object`). */
  applyPolicies(objects: (Record<string, unknown> | PolicyDoc)[]): Promise<void>;
  deleteObjects(keys: ObjectKey[]): Promise<void>;
  /** the store becomes exactly `objects` (in creation order), then one push; resolves when live */
  replaceObjects(objects: Record<string, unknown>[]): Promise<void>;
  configVersion(): number;
  /** the same counters and gauges as `/stats` */
  stats(): Record<string, number>;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

/** A PolicyDoc (src/policy/model.ts) carries the object under `.object`; plain objects pass through. */
function plainObject(o: Record<string, unknown> | PolicyDoc): Record<string, unknown> {
  const doc = o as Partial<PolicyDoc>;
  return typeof doc.positionOf === 'function' && doc.object ? doc.object : (o as Record<string, unknown>);
}

async function listen(server: http.Server | net.Server, port: number): Promise<number> {
  server.listen(port, HOST);
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

export async function startMesh(opts: MeshOptions = {}): Promise<LocalMesh> {
  const app = opts.app ?? DEFAULT_APP;
  const ns = app.service.namespace;
  const rng = createRng(opts.seed ?? DEFAULT_SEED);
  const workers = Math.max(1, Math.floor(opts.workers ?? 1));
  const proxy = opts.proxy ?? app.proxy ?? DEFAULT_PROXY;
  const pushDelayMs = opts.pushDelayMs ?? 0;
  const now = () => performance.now();

  // the pods serve on their own thread (pod-host.ts), each from the stream forked for it here
  const podGroup = await startPods(
    app.pods,
    app.pods.map((spec) => rng.forkSeed(`pod:${spec.name}`)),
    opts.podThreads,
  );
  const pods = podGroup.pods;

  const stats = new StatsStore();
  // forked in this order so that adding the LB stream left the gateway's and backoff's draws as they were
  const gatewayRng = rng.fork('gateway');
  const backoffRng = rng.fork('backoff');
  const deps: BuildDeps = { app, pods, stats, workers, now, proxy, lbRng: rng.fork('lb') };
  // after every other stream, so a delay line leaves the mesh's other draws as they were
  const networkRng = rng.fork('network');
  // after every other stream too, so the request ids leave the other draws as they were
  const requestIdRng = rng.fork('request-id');
  const control = new ControlPlane([...app.objects, ...(opts.policies ?? []).map(plainObject)], ns, deps, pushDelayMs);

  let log: AccessLog | null = null;
  const gateway = createGateway({
    config: () => control.config(),
    stats,
    workers,
    acceptHttp10: opts.acceptHttp10 ?? false,
    proxy,
    rng: gatewayRng,
    backoffRng,
    requestIdRng,
    now,
    log: opts.accessLogPath ? (d, status, startedAt) => log?.write(d, status, startedAt) : null,
  });
  const admin = createAdmin({ config: () => control.config(), stats, updatedAt: () => control.updatedAt() });
  const network = opts.network ?? NO_NETWORK;
  let gatewayPort: number;
  let adminPort: number;
  let line: DelayLine | null = null;
  try {
    if (opts.accessLogPath) log = await openAccessLog(opts.accessLogPath, now);
    // clients connect to the delay line when there is one, so it takes the requested port
    gatewayPort = await listen(gateway.server, hasDelay(network) ? 0 : (opts.gatewayPort ?? 0));
    adminPort = await listen(admin, opts.adminPort ?? 0);
    if (hasDelay(network)) line = await startDelayLine(gatewayPort, network, networkRng, opts.gatewayPort ?? 0);
  } catch (e) {
    // a busy port or an unwritable log: nothing this call started may stay open (issue 13 item 15)
    await Promise.all(
      [gateway.server, admin].map((server) => new Promise((r) => (server.listening ? server.close(r) : r(undefined)))),
    );
    control.stopClusters();
    await podGroup.stop();
    await log?.close();
    throw e;
  }

  let stopped = false;
  return {
    gatewayUrl: `http://${HOST}:${line?.port ?? gatewayPort}`,
    adminUrl: `http://${HOST}:${adminPort}`,
    workers,
    network,
    app,
    pods,
    podThreads: podGroup.threads,
    proxy,
    proxyRule: proxyRule(proxy),
    getObject: (key) => control.get(key),
    listObjects: () => control.list(),
    applyPolicies: (input) => control.apply(input.map(plainObject)),
    deleteObjects: (keys) => control.delete(keys),
    replaceObjects: (objects) => control.replace(objects),
    configVersion: () => control.config().version,
    stats: () => allStats(stats, control.config()),
    async stop() {
      if (stopped) return;
      stopped = true;
      control.cancelPushes();
      await line?.close();
      gateway.closeAllConnections();
      admin.closeAllConnections();
      await Promise.all([new Promise((r) => gateway.server.close(r)), new Promise((r) => admin.close(r))]);
      control.stopClusters();
      await podGroup.stop();
      await log?.close();
    },
  };
}
