/**
 * The tests' stand-in for a real cluster's API server: the product's local Kubernetes API
 * (src/kube-api — discovery, DestinationRules and VirtualServices with managedFields,
 * server-side apply, conflicts, dry-run, watch, CRD-schema checks, sources cited there) with
 * the real Istio CRDs from ../shared/data/istio-crds (fake-crd-schema.ts; `istio: 'pre-1.22'`
 * serves v1beta1/v1alpha3 only), plus what only tests need, built on top of it here:
 *
 *  - pods, services, nodes from plain descriptions (FakePod, FakeService, FakeNode), the pod
 *    proxy `/api/v1/namespaces/NS/pods/NAME:PORT/proxy/PATH` forwarded to each pod's
 *    `adminUrl` (400 "address not allowed" for a pod IP that is not global unicast —
 *    pkg/registry/core/pod/strategy.go ResourceLocation; 503 where admin listens on
 *    127.0.0.1 only), and `pods/portforward` over WebSocket (src/kube-api/port-forward.ts), refused
 *    before the upgrade with an HTTP status: 403 without the RBAC verb **get** (a WebSocket
 *    handshake is a GET), 404 for an unknown pod
 *  - RBAC as a cluster has it: SelfSubjectAccessReviews answered with RBAC's reason on allow
 *    (plugin/pkg/auth/authorizer/rbac/rbac.go: `RBAC: allowed by <binding> of <role> to
 *    <subject>`), `status.denied` only on an explicit deny (RBAC never gives one, so a
 *    missing Role reads `{allowed: false}`); in `forbidden` mode the reviews agree with the 403s
 *  - modes: `forbidden` (403 for chosen verbs, with the real RBAC message), `outage`
 *    (every connection is reset), and one-shot scripted responses that `assertConsumed()`
 *    checks were all used; every request recorded; extra resources (fake-apiserver-k6.ts)
 *  - a busy server: `busy()` answers the next N matching requests (or a seeded share of them)
 *    as APF's 429, a shutting-down server's 429, or a 5xx with or without Retry-After, with the
 *    real bodies and headers (fake-apiserver-busy.ts); like API Priority and Fairness, which
 *    runs before authorization in the handler chain, these come before anything else
 *
 * Unlike a cluster with Istio, no validating webhook runs (the product's local API runs
 * meshproof's validator as one; `webhook: true` turns it on here). Not imitated: the Warning
 * header for pruned unknown fields, CEL rules (x-kubernetes-validations) and other 422 schema
 * validation beyond scalar types, mutating webhooks. fake-apiserver.test.ts keeps it honest
 * against the real kubectl; fake-apiserver-table.test.ts against a table of real-server answers.
 */
import http from 'node:http';
import { EventEmitter } from 'node:events';
import { portForward, portForwardPath, refuseUpgrade } from '../../src/kube-api/port-forward.js';
import { isGlobalUnicast } from '../../src/kube-api/pod-proxy.js';
import type { Obj } from '../../src/kube-api/fields.js';
import { startKubeApi } from '../../src/kube-api/index.js';
import { istioRoute, verbOf } from '../../src/kube-api/istio-handler.js';
import { ACCESS_REVIEW_PATH, reviewAnswer, reviewAttributes } from '../../src/kube-api/access-review.js';
import { coreResourceList, resource } from '../../src/kube-api/resources.js';
import { ISTIO_GROUP, notFound, send, status, Status } from '../../src/kube-api/status.js';
import { loadIstioCrds, type IstioRelease } from './fake-crd-schema.js';
import { answerBusy, type BusyAnswer } from './fake-apiserver-busy.js';
import { createRng, DEFAULT_SEED, type Rng } from '../../src/util/random.js';

export interface FakePod {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  /** where the pod proxy and port-forward reach the pod's admin port (any PORT) */
  adminUrl?: string;
  /** like stock Istio: admin bound to 127.0.0.1 in the pod — the pod proxy is refused, port-forward works */
  adminLocalhostOnly?: boolean;
  podIP?: string;
  nodeName?: string;
  /** the pod's status as the kubelet reports it (default: Running and Ready); the stand-in k6 operator sets its runners' */
  status?: Record<string, unknown>;
}
export interface FakeService {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  type: 'LoadBalancer' | 'NodePort' | 'ClusterIP';
  ports: { name: string; port: number; nodePort?: number }[];
  loadBalancer?: { ip?: string; hostname?: string }[];
}
export interface FakeNode {
  name: string;
  addresses: { type: 'InternalIP' | 'ExternalIP' | 'Hostname'; address: string }[];
}
export interface ScriptedResponse {
  method: string;
  /** matched against the request path (no query) */
  path: RegExp;
  status: number;
  body?: Obj;
}
export interface RequestRecord {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType?: string;
}

/** Answer matching requests as a busy server would instead of serving them (fake-apiserver-busy.ts). */
export interface BusyRule {
  /** default any */
  method?: string;
  /** matched against the request path (no query) */
  path: RegExp;
  /** how many requests get `answer` */
  times: number;
  answer: BusyAnswer;
  /** share of matching requests answered busy, drawn from `seed` (default 1: every one until `times`) */
  rate?: number;
  seed?: number;
}

export type FakeMode = 'normal' | 'forbidden' | 'outage';

export interface FakeApiServer {
  url: string;
  port: number;
  /** false when ../shared/data/istio-crds is absent: no schema checks */
  crdsLoaded: boolean;
  /** networking.istio.io versions served, preferred first */
  servedVersions: string[];
  /** every request, in order */
  requests: RequestRecord[];
  /** emits 'change' (plural, namespace, name) after every stored mutation */
  events: EventEmitter;
  mode: FakeMode;
  /** in `forbidden` mode, which verbs get 403 (default all) */
  forbiddenVerbs: Set<string> | undefined;
  /** every SelfSubjectAccessReview asked: its resourceAttributes and the answer */
  accessReviews: Obj[];
  /** the RBAC verbs granted on `pods/portforward` (default get and create); the upgrade needs get */
  portForwardVerbs: Set<string>;
  pods: FakePod[];
  services: FakeService[];
  nodes: FakeNode[];
  /**
   * namespaces that exist besides the apiserver's own (default, kube-*) and those of `pods` and
   * `services`; a create elsewhere is NamespaceLifecycle's 404. Default: istio-system.
   */
  namespaces: string[];
  /** more resources, tried before the built-in routes (fake-apiserver-k6.ts); true = answered */
  handlers: ((req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: string) => boolean)[];
  /** the stored object, or undefined */
  get(plural: string, namespace: string, name: string): Obj | undefined;
  /** every stored object of a resource, all namespaces */
  list(plural: string): Obj[];
  /** stores an object as `kubectl create` would (manager "kubectl-create") */
  seed(object: Obj): Obj;
  /** deletes a stored object as someone else's `kubectl delete` would */
  remove(plural: string, namespace: string, name: string): void;
  /** a write to the `status` subresource, as istiod's status controller makes (ObjectStore.writeStatus) */
  writeStatus(plural: string, namespace: string, name: string, status: Obj, manager?: string): Obj;
  /** one-shot responses, consumed in order of matching */
  script(r: ScriptedResponse): void;
  /** answer the next `times` matching requests as a busy server (see BusyRule) */
  busy(r: BusyRule): void;
  /** every busy answer given: method, path, status */
  busyAnswers: { method: string; path: string; status: number }[];
  assertConsumed(): void;
  close(): Promise<void>;
}

export interface FakeOptions {
  port?: number;
  /**
   * Which Istio's CRDs the server has (../shared/data/istio-crds): their served versions and
   * openAPIV3Schema. "pre-1.22" is Istio 1.21 and older: v1alpha3 and v1beta1 only (the 1.22.8
   * schemas, which those versions share). Default 1.29.6. When ../shared is absent the fake
   * serves v1/v1beta1/v1alpha3 without schema checks (`crdsLoaded` false).
   */
  istio?: IstioRelease | 'pre-1.22';
  /** run meshproof's validator as Istio's validating webhook (default off) */
  webhook?: boolean;
}

export async function startFakeApiServer(options: FakeOptions = {}): Promise<FakeApiServer> {
  const release = options.istio ?? '1.29.6';
  const loaded = loadIstioCrds(release === 'pre-1.22' ? '1.22.8' : release);
  let crds = loaded;
  if (release === 'pre-1.22') {
    // Istio ≤ 1.21 serves no v1: the 1.22.8 CRDs without it (or, without ../shared, schema-less ones)
    const schemaless = {
      versions: ['v1beta1', 'v1alpha3'].map((name) => ({ name, served: true, storage: false, schema: {} })),
    };
    crds = Object.fromEntries(
      ['destinationrules', 'virtualservices'].map((plural) => {
        const c = loaded?.[plural];
        const versions = c ? c.versions.filter((v) => v.name !== 'v1') : schemaless.versions;
        return [plural, { plural, kind: '', listKind: '', shortNames: [], ...(c ?? {}), versions }];
      }),
    );
  }
  const events = new EventEmitter();
  const scripted: ScriptedResponse[] = [];
  const busyRules: { rule: BusyRule; left: number; rng: Rng }[] = [];
  const api = await startKubeApi({
    port: options.port,
    crds,
    webhook: options.webhook ?? false,
    core: () => ({
      namespaces: [
        ...new Set([
          ...fake.namespaces,
          ...fake.pods.map((p) => p.namespace),
          ...fake.services.map((s) => s.namespace),
        ]),
      ].map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name }, status: { phase: 'Active' } })),
      pods: fake.pods.map(podObject),
      services: fake.services.map(serviceObject),
    }),
    version: { major: '1', minor: '32', gitVersion: 'v1.32.4-meshproof-fake', platform: 'linux/amd64' },
  });
  api.store.onChange((c) => events.emit('change', c.plural, c.object.metadata.namespace, c.object.metadata.name));
  const fake: FakeApiServer = {
    url: api.url,
    port: api.port,
    crdsLoaded: loaded !== undefined,
    servedVersions: api.servedVersions,
    requests: [],
    events,
    mode: 'normal',
    forbiddenVerbs: undefined,
    accessReviews: [],
    portForwardVerbs: new Set(['get', 'create']),
    pods: [],
    namespaces: ['istio-system'],
    services: [],
    nodes: [],
    handlers: [],
    get: (plural, ns, name) => api.store.get(plural, ns, name),
    list: (plural) => api.store.list(plural),
    seed: (object) => api.store.seed(object),
    remove: (plural, ns, name) => api.store.remove(plural, ns, name, false),
    writeStatus: (plural, ns, name, newStatus, manager) => api.store.writeStatus(plural, ns, name, newStatus, manager),
    script: (r) => void scripted.push(r),
    busy: (rule) => void busyRules.push({ rule, left: rule.times, rng: createRng(rule.seed ?? DEFAULT_SEED) }),
    busyAnswers: [],
    assertConsumed: () => {
      if (scripted.length > 0)
        throw new Error(
          `fake apiserver: ${scripted.length} scripted response(s) not consumed: ${scripted.map((s) => `${s.method} ${s.path}`).join(', ')}`,
        );
      const left = busyRules.filter((b) => b.left > 0);
      if (left.length > 0)
        throw new Error(
          `fake apiserver: busy answers not given: ${left.map((b) => `${b.left} × ${b.rule.answer.kind} to ${b.rule.method ?? 'any'} ${b.rule.path}`).join(', ')}`,
        );
    },
    close: () => api.stop(),
  };
  const refused = (verb: string) =>
    fake.mode === 'forbidden' && (!fake.forbiddenVerbs || fake.forbiddenVerbs.has(verb));

  // an outage resets every connection at once, before anything is read
  api.server.prependListener('request', (req: http.IncomingMessage) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    fake.requests.push({
      method: req.method!,
      path: decodeURIComponent(url.pathname),
      query: url.searchParams,
      contentType: req.headers['content-type'],
    });
    if (fake.mode === 'outage') req.socket.destroy();
  });
  api.interceptors.push((req, res, url) => {
    const path = decodeURIComponent(url.pathname);
    const rule = busyRules.find(
      (b) => b.left > 0 && (!b.rule.method || b.rule.method === req.method) && b.rule.path.test(path),
    );
    // a seeded draw per matching request: the same seed gives the same requests busy answers
    if (!rule || rule.rng.next() >= (rule.rule.rate ?? 1)) return false;
    rule.left--;
    const istio = istioRoute(url, api.servedVersions);
    const operation = verbOf(req.method!, istio?.name, url);
    const resource = istio ? `${istio.plural}.${ISTIO_GROUP}` : (path.split('/').at(-1) ?? '');
    answerBusy(res, rule.rule.answer, operation, resource);
    fake.busyAnswers.push({
      method: req.method!,
      path,
      status: rule.rule.answer.kind === 'reset' ? 0 : res.statusCode,
    });
    return true;
  });
  api.interceptors.push((req, res, url, body) => {
    const i = scripted.findIndex((s) => s.method === req.method && s.path.test(url.pathname));
    if (i >= 0) {
      const [s] = scripted.splice(i, 1);
      send(res, s.status, s.body ?? status(s.status, 'Scripted', 'scripted response').json);
      return true;
    }
    for (const h of fake.handlers) if (h(req, res, url, body)) return true;
    return false;
  });
  api.interceptors.push((req, res, url, body) => {
    const p = url.pathname;
    if (p === '/api/v1') {
      send(
        res,
        200,
        coreResourceList([
          resource('pods/proxy', 'PodProxyOptions', true, ['create', 'delete', 'get', 'patch', 'update']),
          resource('nodes', 'Node', false, ['get', 'list']),
        ]),
      );
      return true;
    }
    if (p === ACCESS_REVIEW_PATH && req.method === 'POST') return (reviewAccess(res, body), true);
    const istio = p.startsWith(`/apis/${ISTIO_GROUP}/`) ? istioRoute(url, api.servedVersions) : undefined;
    if (istio) {
      const verb = verbOf(req.method!, istio.name, url);
      if (refused(verb)) return (send(res, forbidden(verb, istio.plural, istio.namespace, istio.name)), true);
      return false;
    }
    const proxy = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/proxy\/(.*)$/.exec(p);
    if (proxy) {
      forwardToPod(
        res,
        decodeURIComponent(proxy[1]),
        decodeURIComponent(proxy[2]),
        decodeURIComponent(proxy[3]),
        url.search,
      );
      return true;
    }
    const list = /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?(pods|services|nodes)$/.exec(p);
    if (list && refused('list')) return (send(res, forbidden('list', list[2], list[1], undefined, '')), true);
    if (list?.[2] === 'nodes') {
      const items = fake.nodes.map(nodeObject);
      send(res, 200, {
        kind: 'NodeList',
        apiVersion: 'v1',
        metadata: { resourceVersion: api.store.resourceVersion() },
        items,
      });
      return true;
    }
    return false;
  });

  /** SelfSubjectAccessReview: every authenticated user may create one (ClusterRole system:basic-user), so never 403 itself. */
  function reviewAccess(res: http.ServerResponse, body: string): void {
    const review = JSON.parse(body) as Obj;
    const parsed = reviewAttributes(review);
    if (parsed instanceof Status) return send(res, parsed);
    const attrs = parsed.resource ? parsed.attrs : undefined;
    const verb = String(parsed.attrs.verb ?? '');
    const portForward = attrs?.resource === 'pods' && attrs.subresource === 'portforward';
    const no = refused(verb) || (portForward && !fake.portForwardVerbs.has(verb));
    fake.accessReviews.push({ ...(attrs ?? {}), allowed: !no } as Obj);
    const answer = no
      ? { allowed: false }
      : {
          allowed: true,
          reason: 'RBAC: allowed by RoleBinding "meshproof/ci" of Role "meshproof" to ServiceAccount "meshproof/ci"',
        };
    send(res, 201, reviewAnswer(review, answer));
  }

  function forwardToPod(res: http.ServerResponse, ns: string, nameAndPort: string, path: string, search: string): void {
    const podName = nameAndPort.split(':')[0];
    const pod = fake.pods.find((x) => x.namespace === ns && x.name === podName);
    if (!pod) return send(res, notFound('pods', podName));
    // pkg/registry/core/pod/strategy.go ResourceLocation: a pod IP that is not global unicast
    // (loopback, link-local, unspecified, multicast) is refused before any dial
    if (!isGlobalUnicast(pod.podIP ?? '10.0.0.1')) return send(res, status(400, 'BadRequest', 'address not allowed'));
    if (!pod.adminUrl || pod.adminLocalhostOnly)
      return send(
        res,
        status(
          503,
          'ServiceUnavailable',
          `error trying to reach service: dial tcp ${pod.podIP ?? '10.0.0.1'}:15000: connect: connection refused`,
        ),
      );
    http
      .get(`${pod.adminUrl}/${path}${search}`, (up) => {
        res.writeHead(up.statusCode ?? 502, { 'content-type': up.headers['content-type'] ?? 'text/plain' });
        up.pipe(res);
      })
      .on('error', (err) =>
        send(res, status(503, 'ServiceUnavailable', `error trying to reach service: ${err.message}`)),
      );
  }

  // pods/portforward: the WebSocket channel protocol (v4.channel.k8s.io) client-node speaks
  api.server.on('upgrade', (req, socket) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    fake.requests.push({ method: 'GET', path: url.pathname, query: url.searchParams, contentType: 'websocket' });
    const m = portForwardPath(url.pathname);
    if (fake.mode === 'outage' || !m) return void socket.destroy();
    const { namespace: ns, pod: podName } = m;
    // authorization runs before the upgrade: a WebSocket handshake is a GET, and the request
    // info resolver maps GET to the verb "get" (SPDY's POST is "create") — derailed/k9s#4144,
    // devantler-tech/platform#2499 ("cannot get resource \"pods/portforward\"" on the upgrade)
    const denied = !fake.portForwardVerbs.has('get') || refused('get');
    if (denied) return refuseUpgrade(socket, forbidden('get', 'pods/portforward', ns, podName, '', 'pods'));
    const pod = fake.pods.find((x) => x.namespace === ns && x.name === podName);
    if (!pod)
      return refuseUpgrade(
        socket,
        status(404, 'NotFound', `pods "${podName}" not found`, { name: podName, kind: 'pods' }),
      );
    // nothing listening on the port: the upgrade succeeds, the error channel says why (kubelet's
    // "error forwarding port … connect: connection refused"); port 9 (discard) is never served here
    portForward(
      req,
      socket as import('node:net').Socket,
      new URL(pod.adminUrl ?? 'http://127.0.0.1:9'),
      Number(url.searchParams.get('ports')),
    );
  });
  return fake;
}

// ---------------------------------------------------------------------------------------------
// protocol helpers only tests need

function forbidden(
  verb: string,
  plural: string,
  ns: string | undefined,
  name: string | undefined,
  group = ISTIO_GROUP,
  objectKind = plural,
): Status {
  const what = group ? `${objectKind}.${group}` : objectKind;
  const subject = name ? `${what} "${name}"` : what;
  const scope = ns ? ` in the namespace "${ns}"` : ' at the cluster scope';
  return status(
    403,
    'Forbidden',
    `${subject} is forbidden: User "system:serviceaccount:ci:meshproof" cannot ${verb} resource "${plural}" in API group "${group}"${scope}`,
    { name, group, kind: plural },
  );
}
function podObject(p: FakePod): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name,
      namespace: p.namespace,
      labels: p.labels,
      ...(p.annotations ? { annotations: p.annotations } : {}),
      uid: `pod-${p.name}`,
    },
    spec: {
      nodeName: p.nodeName ?? 'node-1',
      containers: [{ name: 'istio-proxy', ports: [{ containerPort: 15021 }] }],
    },
    status: p.status ?? {
      phase: 'Running',
      podIP: p.podIP ?? '10.0.0.1',
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };
}
function serviceObject(s: FakeService): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: s.name, namespace: s.namespace, labels: s.labels },
    spec: { type: s.type, ports: s.ports.map((p) => ({ ...p, protocol: 'TCP', targetPort: p.port })) },
    status: { loadBalancer: s.loadBalancer ? { ingress: s.loadBalancer } : {} },
  };
}
function nodeObject(n: FakeNode): Obj {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name: n.name }, status: { addresses: n.addresses } };
}
