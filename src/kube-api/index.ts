/**
 * The local Kubernetes API (issue 19): a kube-apiserver for Istio's DestinationRules and
 * VirtualServices on loopback, enough of the real protocol that `kubectl` and
 * `@kubernetes/client-node` talk to it unmodified — discovery, the REST verbs with
 * managedFields, server-side apply, conflicts and dry-run (istio-handler.ts), watch
 * (watch.ts), validation by the CRD schema and Istio's webhook (validation.ts), read-only
 * namespaces/services/pods (core.ts), the pod proxy's refusal of loopback pod IPs
 * (pod-proxy.ts), `pods/portforward` over WebSocket (port-forward.ts), and an authorizer that
 * allows everything (access-review.ts). It knows nothing of the mesh: every stored change calls `onChange` with
 * the full set of Istio objects, and the composition layer pushes them where istiod would.
 *
 *   startKubeApi({ port, crds, core, onChange }) → { url, store, stop }
 *
 * Not served: other kinds and groups (404), deletecollection, writes to core resources (405),
 * persistence (a restart starts empty), authentication (any or no token is accepted), TLS.
 */
import http from 'node:http';
import { createRng, DEFAULT_SEED } from '../util/random.js';
import type net from 'node:net';
import { once } from 'node:events';
import type { Obj } from './fields.js';
import type { CrdSet } from './crd-schema.js';
import { ObjectStore } from './store.js';
import { WatchHub } from './watch.js';
import { handleIstio, type IstioContext } from './istio-handler.js';
import { handleCore, type CoreObjects } from './core.js';
import { ACCESS_REVIEW_PATH, reviewAnswer, reviewAttributes } from './access-review.js';
import {
  coreResourceList,
  istioGroup,
  istioResourceList,
  openApiV3Index,
  openApiV3Istio,
  servedVersions,
} from './resources.js';
import { ISTIO_GROUP, noRoute, notFound, pageNotFound, send, status, Status } from './status.js';
import { podProxyPath, podProxyRefusal } from './pod-proxy.js';
import { portForward, portForwardPath, refuseUpgrade } from './port-forward.js';

export type { Obj } from './fields.js';
export type { CrdSet } from './crd-schema.js';
export type { CoreObjects } from './core.js';
export { readCrdFile } from './crd-schema.js';
export { ObjectStore, type StoreChange } from './store.js';

/** Answers a request before the built-in routes; true = answered. */
export type Interceptor = (req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: string) => boolean;

export interface KubeApiOptions {
  host?: '127.0.0.1';
  /** 0 / unset = any free port */
  port?: number;
  /** Istio's CRDs (readCrdFile): served versions and openAPIV3Schema checks; without, v1/v1beta1/v1alpha3 unchecked by schema */
  crds?: CrdSet;
  /** run meshproof's validator as Istio's validating webhook; default true */
  webhook?: boolean;
  /** the read-only core objects (namespaces, services, pods); default none */
  core?: () => CoreObjects;
  /**
   * `pods/portforward`: where a pod's port really listens (undefined: nothing does). Without
   * this option upgrades are the caller's (the tests' fake serves its own).
   */
  portForward?: (namespace: string, pod: string, port: number) => URL | undefined;
  /** objects stored before the server answers (manager `seedManager`) */
  seed?: Obj[];
  seedManager?: string;
  /** after every stored change: every Istio object now stored */
  onChange?: (objects: Obj[]) => void;
  /** what /version says */
  version?: Obj;
  /** the seed of generateName's suffixes; default DEFAULT_SEED */
  randomSeed?: number;
}

export interface KubeApi {
  url: string;
  port: number;
  store: ObjectStore;
  /** networking.istio.io versions served, preferred first */
  servedVersions: string[];
  /** tried in order before the built-in routes (tests' extras) */
  interceptors: Interceptor[];
  /** the HTTP server (upgrade requests are the caller's) */
  server: http.Server;
  stop(): Promise<void>;
}

const NO_CORE: CoreObjects = { namespaces: [], services: [], pods: [] };
/**
 * The namespaces every kube-apiserver makes itself (pkg/controlplane's system namespaces
 * controller: default, kube-system, kube-public, kube-node-lease), beside the caller's.
 */
const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
function withSystemNamespaces(core: () => CoreObjects): () => CoreObjects {
  return () => {
    const c = core();
    const own = new Set(c.namespaces.map((n) => n.metadata?.name));
    const system = SYSTEM_NAMESPACES.filter((n) => !own.has(n)).map((name) => ({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    }));
    return { ...c, namespaces: [...system, ...c.namespaces] };
  };
}
const VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-meshproof-local',
  platform: `${process.platform}/${process.arch}`,
};
/** etcd's 1.5 MiB request limit (--max-request-bytes), which the apiserver's body limit follows */
const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function startKubeApi(options: KubeApiOptions = {}): Promise<KubeApi> {
  const store = new ObjectStore();
  const watches = new WatchHub(store);
  const served = servedVersions(options.crds);
  const core = withSystemNamespaces(options.core ?? (() => NO_CORE));
  const ctx: IstioContext = {
    store,
    served,
    admission: { crds: options.crds, webhook: options.webhook ?? true },
    watches,
    namespaceExists: (ns) => core().namespaces.some((n) => n.metadata?.name === ns),
    rng: createRng(options.randomSeed ?? DEFAULT_SEED),
  };
  for (const o of options.seed ?? []) store.seed(o, options.seedManager);
  if (options.onChange) {
    const notify = options.onChange;
    store.onChange(() => notify(store.all()));
  }
  const interceptors: Interceptor[] = [];
  const sockets = new Set<net.Socket>();

  function route(req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: string): void {
    const p = url.pathname;
    for (const h of interceptors) if (h(req, res, url, body)) return;
    if (p === '/version') return send(res, 200, options.version ?? VERSION);
    if (p === '/api')
      return send(res, 200, {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${api.port}` }],
      });
    if (p === '/api/v1') return send(res, 200, coreResourceList());
    if (p === '/openapi/v3') return send(res, 200, openApiV3Index(served, options.crds));
    const oa = /^\/openapi\/v3\/apis\/networking\.istio\.io\/([^/]+)$/.exec(p);
    if (oa && served.includes(oa[1])) return send(res, 200, openApiV3Istio(oa[1], options.crds));
    if (p === '/apis') return send(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [istioGroup(served)] });
    if (p === `/apis/${ISTIO_GROUP}`)
      return send(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...istioGroup(served) });
    const rl = /^\/apis\/networking\.istio\.io\/([^/]+)$/.exec(p);
    if (rl && served.includes(rl[1])) return send(res, 200, istioResourceList(rl[1]));
    if (p === ACCESS_REVIEW_PATH && req.method === 'POST') return reviewAccess(res, body);
    if (p.startsWith(`/apis/${ISTIO_GROUP}/`)) return handleIstio(ctx, req, res, url, body);
    const proxy = podProxyPath(p);
    if (proxy) return send(res, podProxyRefusal(core().pods, proxy.namespace, proxy.pod));
    if (handleCore(core, () => store.resourceVersion(), req, res, url)) return;
    if (p.startsWith('/api/v1/')) return send(res, noRoute());
    pageNotFound(res);
  }

  function reviewAccess(res: http.ServerResponse, body: string): void {
    const review = JSON.parse(body) as Obj;
    const attrs = reviewAttributes(review);
    if (attrs instanceof Status) return send(res, attrs);
    send(res, 201, reviewAnswer(review, { allowed: true }));
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let body = '';
    let size = 0;
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) body += c;
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES)
        return send(res, status(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728'));
      try {
        route(req, res, url, body);
      } catch (err) {
        // a body that does not parse: the decoder's error as a 400
        if (!res.headersSent) send(res, status(400, 'BadRequest', (err as Error).message));
      }
    });
  });
  const target = options.portForward;
  if (target)
    server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const m = portForwardPath(url.pathname);
      if (!m) return void socket.destroy();
      const pod = core().pods.find((x) => x.metadata?.namespace === m.namespace && x.metadata?.name === m.pod);
      if (!pod) return refuseUpgrade(socket, notFound('pods', m.pod));
      const port = Number(url.searchParams.get('ports'));
      // nothing listening there: the upgrade succeeds and the error channel says why; the
      // discard port (9) is never served by the mesh
      portForward(req, socket, target(m.namespace, m.pod, port) ?? new URL('http://127.0.0.1:9'), port);
    });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  let stopped = false;
  const api: KubeApi = {
    url: `http://127.0.0.1:${port}`,
    port,
    store,
    servedVersions: served,
    interceptors,
    server,
    async stop() {
      if (stopped) return;
      stopped = true;
      watches.closeAll();
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
  return api;
}
