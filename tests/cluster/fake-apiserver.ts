/**
 * A fake Kubernetes API server on loopback (style.md habit 9): enough of the real protocol
 * that both `kubectl` and `@kubernetes/client-node` talk to it unmodified —
 *
 *  - discovery: `/version`, `/api`, `/api/v1`, `/apis`, `/apis/networking.istio.io`,
 *    `/apis/networking.istio.io/{v1,v1beta1,v1alpha3}`, and an empty `/openapi/v2`
 *  - DestinationRules and VirtualServices: get, list, create (POST), replace (PUT),
 *    server-side apply (PATCH application/apply-patch+yaml, with field ownership and
 *    conflicts), merge patch (what client-side `kubectl apply` sends), delete; objects carry
 *    `resourceVersion`, `uid`, `generation`, `creationTimestamp`, `managedFields`; a stale
 *    `resourceVersion` gets 409; `?dryRun=All` computes the answer without storing it
 *  - pods, services, nodes (read-only lists), and the pod proxy
 *    `/api/v1/namespaces/NS/pods/NAME:PORT/proxy/PATH`, forwarded to each pod's `adminUrl`
 *  - `POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews`, answered as
 *    kube-apiserver's selfsubjectaccessreview REST `Create` answers
 *    (pkg/registry/authorization/selfsubjectaccessreview/rest.go): the review echoed with
 *    `status.allowed` (DecisionAllow), `status.denied` only on an explicit deny (RBAC never
 *    gives one, so a missing Role reads `{allowed: false}`), and RBAC's reason on allow
 *    (plugin/pkg/auth/authorizer/rbac/rbac.go: `RBAC: allowed by <binding> of <role> to <subject>`);
 *    in `forbidden` mode the reviews agree with the 403s (same verbs denied)
 *  - modes: `forbidden` (403 for chosen verbs, with the real RBAC message), `outage`
 *    (every connection is reset), and one-shot scripted responses that `assertConsumed()`
 *    checks were all used.
 *
 * The shapes follow the real apiserver's answers (Status objects, list kinds, managedFields
 * entries); `tests/cluster/fake-apiserver.test.ts` keeps it honest against the real kubectl.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import YAML from 'yaml';
import { portForward } from './fake-portforward.js';
import {
  clone,
  deepEqual,
  deletePath,
  diffPaths,
  fieldsToPaths,
  getPath,
  leafPaths,
  managedEntry,
  mergePatch,
  ownedView,
  setPath,
  stripServerFields,
  transferOwnership,
  type Obj,
} from './fake-fields.js';


const ISTIO_GROUP = 'networking.istio.io';
const ISTIO_VERSIONS = ['v1', 'v1beta1', 'v1alpha3'];
const RESOURCES: Record<string, { kind: string; listKind: string; shortNames: string[] }> = {
  destinationrules: { kind: 'DestinationRule', listKind: 'DestinationRuleList', shortNames: ['dr'] },
  virtualservices: { kind: 'VirtualService', listKind: 'VirtualServiceList', shortNames: ['vs'] },
};

export interface FakePod {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  /** where the pod proxy and port-forward reach the pod's admin port (any PORT) */
  adminUrl?: string;
  /** like stock Istio: admin bound to 127.0.0.1 in the pod — the pod proxy is refused, port-forward works */
  adminLocalhostOnly?: boolean;
  podIP?: string;
  nodeName?: string;
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

export type FakeMode = 'normal' | 'forbidden' | 'outage';

export interface FakeApiServer {
  url: string;
  port: number;
  /** every request, in order */
  requests: RequestRecord[];
  /** emits 'change' (plural, namespace, name) after every stored mutation */
  events: EventEmitter;
  mode: FakeMode;
  /** in `forbidden` mode, which verbs get 403 (default all) */
  forbiddenVerbs: Set<string> | undefined;
  /** every SelfSubjectAccessReview asked: its resourceAttributes and the answer */
  accessReviews: Obj[];
  pods: FakePod[];
  services: FakeService[];
  nodes: FakeNode[];
  /** the stored object, or undefined */
  get(plural: string, namespace: string, name: string): Obj | undefined;
  /** every stored object of a resource, all namespaces */
  list(plural: string): Obj[];
  /** stores an object as `kubectl create` would (manager "kubectl-create") */
  seed(object: Obj): Obj;
  /** one-shot responses, consumed in order of matching */
  script(r: ScriptedResponse): void;
  assertConsumed(): void;
  close(): Promise<void>;
}

export async function startFakeApiServer(options: { port?: number } = {}): Promise<FakeApiServer> {
  const store = new Map<string, Obj>();
  let rv = 1000;
  const scripted: ScriptedResponse[] = [];
  const events = new EventEmitter();
  const sockets = new Set<import('node:net').Socket>();
  const fake: FakeApiServer = {
    url: '',
    port: 0,
    requests: [],
    events,
    mode: 'normal',
    forbiddenVerbs: undefined,
    accessReviews: [],
    pods: [],
    services: [],
    nodes: [],
    get: (plural, ns, name) => clone(store.get(`${plural}/${ns}/${name}`)),
    list: (plural) => [...store.entries()].filter(([k]) => k.startsWith(`${plural}/`)).map(([, o]) => clone(o)),
    seed: (object) => {
      const plural = pluralOf(object.kind);
      const stored = createObject(object, plural, object.metadata.namespace ?? 'default', 'kubectl-create');
      return clone(stored);
    },
    script: (r) => void scripted.push(r),
    assertConsumed: () => {
      if (scripted.length > 0)
        throw new Error(`fake apiserver: ${scripted.length} scripted response(s) not consumed: ${scripted.map((s) => `${s.method} ${s.path}`).join(', ')}`);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };

  function nextRv(): string {
    rv += 1;
    return String(rv);
  }

  function createObject(body: Obj, plural: string, namespace: string, manager: string, dryRun = false): Obj {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const obj = clone(body);
    obj.metadata = { ...(obj.metadata ?? {}), namespace };
    stripServerFields(obj.metadata);
    Object.assign(obj.metadata, {
      creationTimestamp: now,
      generation: 1,
      resourceVersion: nextRv(),
      uid: randomUUID(),
    });
    obj.metadata.managedFields = [managedEntry(manager, 'Update', obj.apiVersion, leafPaths(ownedView(obj)))];
    if (!dryRun) {
      store.set(`${plural}/${namespace}/${obj.metadata.name}`, obj);
      events.emit('change', plural, namespace, obj.metadata.name);
    }
    return obj;
  }

  /** Stores `next` over `prev` as an Update by `manager` (PUT / merge patch). */
  function updateObject(prev: Obj, next: Obj, plural: string, manager: string, dryRun: boolean): Obj {
    const obj = clone(next);
    obj.metadata = { ...obj.metadata };
    for (const f of ['uid', 'creationTimestamp', 'generation', 'resourceVersion', 'managedFields'] as const)
      obj.metadata[f] = prev.metadata[f];
    const changed = diffPaths(ownedView(prev), ownedView(obj));
    if (!deepEqual(prev.spec, obj.spec)) obj.metadata.generation = prev.metadata.generation + 1;
    if (changed.length > 0) {
      obj.metadata.resourceVersion = nextRv();
      obj.metadata.managedFields = transferOwnership(prev.metadata.managedFields ?? [], manager, 'Update', obj.apiVersion, changed, leafPaths(ownedView(obj)));
    }
    if (!dryRun && changed.length > 0) {
      store.set(`${plural}/${obj.metadata.namespace}/${obj.metadata.name}`, obj);
      events.emit('change', plural, obj.metadata.namespace, obj.metadata.name);
    }
    return obj;
  }

  /** Server-side apply: merge the applied configuration, drop what this manager no longer applies. */
  function applyObject(prev: Obj | undefined, applied: Obj, plural: string, namespace: string, manager: string, force: boolean, dryRun: boolean): Obj | Status {
    if (!prev) {
      const created = createObject(applied, plural, namespace, manager, dryRun);
      created.metadata.managedFields = [managedEntry(manager, 'Apply', applied.apiVersion, leafPaths(ownedView(applied)))];
      return created;
    }
    const appliedPaths = leafPaths(ownedView(applied));
    const mine = prev.metadata.managedFields?.find((m: Obj) => m.manager === manager && m.operation === 'Apply');
    const previouslyApplied = mine ? fieldsToPaths(mine.fieldsV1) : [];
    const next = clone(prev);
    // fields this manager applied before and applies no more are removed (when nobody else owns them)
    const othersOwn = new Set(
      (prev.metadata.managedFields ?? []).filter((m: Obj) => m !== mine).flatMap((m: Obj) => fieldsToPaths(m.fieldsV1)),
    );
    for (const p of previouslyApplied) if (!appliedPaths.includes(p) && !othersOwn.has(p)) deletePath(next, p);
    const conflicts: string[] = [];
    for (const p of appliedPaths) {
      const owner = (prev.metadata.managedFields ?? []).find((m: Obj) => m !== mine && fieldsToPaths(m.fieldsV1).includes(p));
      if (owner && !deepEqual(getPath(prev, p), getPath(applied, p))) conflicts.push(`conflict with "${owner.manager}": ${p}`);
      setPath(next, p, getPath(applied, p));
    }
    if (conflicts.length > 0 && !force)
      return status(409, 'Conflict', `Apply failed with ${conflicts.length} conflict(s): ${conflicts.join(', ')}`);
    const stored = updateObject(prev, next, plural, manager, true);
    stored.metadata.managedFields = transferOwnership(prev.metadata.managedFields ?? [], manager, 'Apply', applied.apiVersion, appliedPaths, appliedPaths);
    if (!deepEqual(stored, prev) || !mine) {
      if (stored.metadata.resourceVersion === prev.metadata.resourceVersion) stored.metadata.resourceVersion = nextRv();
      if (!dryRun) {
        store.set(`${plural}/${namespace}/${stored.metadata.name}`, stored);
        events.emit('change', plural, namespace, stored.metadata.name);
      }
    }
    return stored;
  }

  function handleIstio(req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: string): void {
    // /apis/networking.istio.io/VERSION/namespaces/NS/PLURAL[/NAME]
    const m = /^\/apis\/networking\.istio\.io\/([^/]+)\/(?:namespaces\/([^/]+)\/)?([^/]+)(?:\/([^/]+))?$/.exec(url.pathname);
    if (!m || !ISTIO_VERSIONS.includes(m[1]) || !RESOURCES[m[3]]) return send(res, status(404, 'NotFound', 'the server could not find the requested resource'));
    const [, version, namespace, plural, name] = m;
    const verb = verbOf(req.method!, name, url);
    if (fake.mode === 'forbidden' && (!fake.forbiddenVerbs || fake.forbiddenVerbs.has(verb)))
      return send(res, forbidden(verb, plural, namespace, name));
    const dryRun = url.searchParams.get('dryRun') === 'All';
    const key = `${plural}/${namespace}/${name}`;
    const prev = store.get(key);
    const gvr = `${plural}.${ISTIO_GROUP}`;
    const manager = url.searchParams.get('fieldManager') ?? defaultManager(req);
    switch (verb) {
      case 'list': {
        const selector = url.searchParams.get('fieldSelector');
        const items = [...store.entries()]
          .filter(([k]) => k.startsWith(`${plural}/${namespace ? `${namespace}/` : ''}`))
          .map(([, o]) => withVersion(o, version))
          .filter((o) => !selector || selector === `metadata.name=${o.metadata.name}`);
        if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') {
          // a watch that has nothing to say: end it at once (kubectl re-lists)
          res.writeHead(200, { 'content-type': 'application/json' });
          return void res.end();
        }
        return send(res, 200, {
          apiVersion: `${ISTIO_GROUP}/${version}`,
          kind: RESOURCES[plural].listKind,
          metadata: { resourceVersion: String(rv) },
          items,
        });
      }
      case 'get':
        return prev ? send(res, 200, withVersion(prev, version)) : send(res, notFound(gvr, name));
      case 'create': {
        const obj = parseBody(body, req);
        if (prev) return send(res, status(409, 'AlreadyExists', `${gvr} "${obj.metadata?.name}" already exists`, { name: obj.metadata?.name, group: ISTIO_GROUP, kind: plural }));
        return send(res, 201, withVersion(createObject(obj, plural, namespace, manager, dryRun), version));
      }
      case 'update': {
        const obj = parseBody(body, req);
        if (!prev) return send(res, notFound(gvr, name));
        const sent = obj.metadata?.resourceVersion;
        if (sent && sent !== prev.metadata.resourceVersion) return send(res, staleConflict(gvr, name));
        return send(res, 200, withVersion(updateObject(prev, obj, plural, manager, dryRun), version));
      }
      case 'patch': {
        const ct = (req.headers['content-type'] ?? '').split(';')[0];
        if (ct === 'application/apply-patch+yaml') {
          if (!url.searchParams.get('fieldManager')) return send(res, status(400, 'BadRequest', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch'));
          const applied = YAML.parse(body) as Obj;
          if (applied?.metadata?.name !== name) return send(res, status(400, 'BadRequest', 'the name of the object does not match the name on the URL'));
          const out = applyObject(prev, applied, plural, namespace, manager, isTrue(url.searchParams.get('force')), dryRun);
          return out instanceof Status ? send(res, out) : send(res, prev ? 200 : 201, withVersion(out, version));
        }
        if (!prev) return send(res, notFound(gvr, name));
        if (ct === 'application/merge-patch+json') {
          const patch = JSON.parse(body) as Obj;
          const sent = patch.metadata?.resourceVersion;
          if (sent && sent !== prev.metadata.resourceVersion) return send(res, staleConflict(gvr, name));
          const next = mergePatch(clone(prev), patch);
          return send(res, 200, withVersion(updateObject(prev, next, plural, manager, dryRun), version));
        }
        return send(res, status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`));
      }
      case 'delete': {
        if (!prev) return send(res, notFound(gvr, name));
        if (!dryRun) {
          store.delete(key);
          events.emit('change', plural, namespace, name);
        }
        return send(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, group: ISTIO_GROUP, kind: plural, uid: prev.metadata.uid } });
      }
    }
    send(res, status(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`));
  }

  function handleCore(req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
    const p = url.pathname;
    const proxy = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/proxy\/(.*)$/.exec(p);
    if (proxy) return void forwardToPod(res, decodeURIComponent(proxy[1]), decodeURIComponent(proxy[2]), decodeURIComponent(proxy[3]), url.search);
    const list = /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?(pods|services|nodes)$/.exec(p);
    if (list) {
      const [, ns, what] = list;
      if (fake.mode === 'forbidden' && (!fake.forbiddenVerbs || fake.forbiddenVerbs.has('list'))) return send(res, forbidden('list', what, ns, undefined, ''));
      const selector = parseLabelSelector(url.searchParams.get('labelSelector'));
      const items =
        what === 'pods'
          ? fake.pods.filter((x) => (!ns || x.namespace === ns) && selector(x.labels)).map(podObject)
          : what === 'services'
            ? fake.services.filter((x) => (!ns || x.namespace === ns) && selector(x.labels)).map(serviceObject)
            : fake.nodes.map(nodeObject);
      const kind = what === 'pods' ? 'PodList' : what === 'services' ? 'ServiceList' : 'NodeList';
      return send(res, 200, { kind, apiVersion: 'v1', metadata: { resourceVersion: String(rv) }, items });
    }
    send(res, status(404, 'NotFound', 'the server could not find the requested resource'));
  }

  function forwardToPod(res: http.ServerResponse, ns: string, nameAndPort: string, path: string, search: string): void {
    const podName = nameAndPort.split(':')[0];
    const pod = fake.pods.find((x) => x.namespace === ns && x.name === podName);
    if (!pod) return send(res, notFound('pods', podName));
    if (!pod.adminUrl || pod.adminLocalhostOnly) return send(res, status(503, 'ServiceUnavailable', `error trying to reach service: dial tcp ${pod.podIP ?? '10.0.0.1'}:15000: connect: connection refused`));
    http
      .get(`${pod.adminUrl}/${path}${search}`, (up) => {
        res.writeHead(up.statusCode ?? 502, { 'content-type': up.headers['content-type'] ?? 'text/plain' });
        up.pipe(res);
      })
      .on('error', (err) => send(res, status(503, 'ServiceUnavailable', `error trying to reach service: ${err.message}`)));
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    fake.requests.push({ method: req.method!, path: decodeURIComponent(url.pathname), query: url.searchParams, contentType: req.headers['content-type'] });
    if (fake.mode === 'outage') return void req.socket.destroy();
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const i = scripted.findIndex((s) => s.method === req.method && s.path.test(url.pathname));
      if (i >= 0) {
        const [s] = scripted.splice(i, 1);
        return send(res, s.status, s.body ?? status(s.status, 'Scripted', 'scripted response').json);
      }
      try {
        route(req, res, url, body);
      } catch (err) {
        send(res, status(400, 'BadRequest', (err as Error).message));
      }
    });
  });

  function route(req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: string): void {
    const p = url.pathname;
    if (p === '/version') return send(res, 200, { major: '1', minor: '32', gitVersion: 'v1.32.4-meshproof-fake', platform: 'linux/amd64' });
    if (p === '/api') return send(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${fake.port}` }] });
    if (p === '/api/v1') return send(res, 200, coreResourceList());
    if (p === '/openapi/v3') return send(res, 200, openApiV3Index());
    const oa = /^\/openapi\/v3\/apis\/networking\.istio\.io\/([^/]+)$/.exec(p);
    if (oa && ISTIO_VERSIONS.includes(oa[1])) return send(res, 200, openApiV3Istio(oa[1]));
    if (p === '/apis') return send(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [istioGroup()] });
    if (p === `/apis/${ISTIO_GROUP}`) return send(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...istioGroup() });
    const rl = /^\/apis\/networking\.istio\.io\/([^/]+)$/.exec(p);
    if (rl && ISTIO_VERSIONS.includes(rl[1])) return send(res, 200, istioResourceList(rl[1]));
    if (p === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews' && req.method === 'POST') return reviewAccess(res, body);
    if (p.startsWith(`/apis/${ISTIO_GROUP}/`)) return handleIstio(req, res, url, body);
    if (p.startsWith('/api/v1/')) return handleCore(req, res, url);
    send(res, status(404, 'NotFound', 'the server could not find the requested resource'));
  }

  /** SelfSubjectAccessReview: every authenticated user may create one (ClusterRole system:basic-user), so never 403 itself. */
  function reviewAccess(res: http.ServerResponse, body: string): void {
    const review = JSON.parse(body) as Obj;
    const spec = (review.spec ?? {}) as Obj;
    const attrs = spec.resourceAttributes as Obj | undefined;
    if (!attrs === !spec.nonResourceAttributes)
      return send(res, status(422, 'Invalid', 'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified', { group: 'authorization.k8s.io', kind: 'SelfSubjectAccessReview', causes: [{ reason: 'FieldValueInvalid', message: 'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified', field: 'spec.resourceAttributes' }] }));
    const verb = String((attrs ?? (spec.nonResourceAttributes as Obj)).verb ?? '');
    const refused = fake.mode === 'forbidden' && (!fake.forbiddenVerbs || fake.forbiddenVerbs.has(verb));
    fake.accessReviews.push({ ...(attrs ?? {}), allowed: !refused } as Obj);
    const answer = refused ? { allowed: false } : { allowed: true, reason: 'RBAC: allowed by RoleBinding "meshproof/ci" of Role "meshproof" to ServiceAccount "meshproof/ci"' };
    send(res, 201, { kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: {}, spec, status: answer });
  }

  // pods/portforward: the WebSocket channel protocol (v4.channel.k8s.io) client-node speaks
  server.on('upgrade', (req, socket) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    fake.requests.push({ method: 'GET', path: url.pathname, query: url.searchParams, contentType: 'websocket' });
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/portforward$/.exec(url.pathname);
    const pod = m && fake.pods.find((x) => x.namespace === m[1] && x.name === m[2]);
    if (fake.mode !== 'normal' || !pod?.adminUrl) return void socket.destroy();
    portForward(req, socket as import('node:net').Socket, new URL(pod.adminUrl), Number(url.searchParams.get('ports')));
  });

  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  fake.port = (server.address() as AddressInfo).port;
  fake.url = `http://127.0.0.1:${fake.port}`;
  return fake;
}

// ---------------------------------------------------------------------------------------------
// protocol helpers

class Status {
  constructor(
    readonly code: number,
    readonly json: Obj,
  ) {}
}
function status(code: number, reason: string, message: string, details?: Obj): Status {
  return new Status(code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code });
}
function notFound(gvr: string, name: string): Status {
  return status(404, 'NotFound', `${gvr} "${name}" not found`, { name, group: ISTIO_GROUP, kind: gvr.split('.')[0] });
}
function staleConflict(gvr: string, name: string): Status {
  return status(409, 'Conflict', `Operation cannot be fulfilled on ${gvr} "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, group: ISTIO_GROUP, kind: gvr.split('.')[0] });
}
function forbidden(verb: string, plural: string, ns: string | undefined, name: string | undefined, group = ISTIO_GROUP): Status {
  const what = group ? `${plural}.${group}` : plural;
  const subject = name ? `${what} "${name}"` : what;
  const scope = ns ? ` in the namespace "${ns}"` : ' at the cluster scope';
  return status(403, 'Forbidden', `${subject} is forbidden: User "system:serviceaccount:ci:meshproof" cannot ${verb} resource "${plural}" in API group "${group}"${scope}`, { name, group, kind: plural });
}
function send(res: http.ServerResponse, codeOrStatus: number | Status, body?: Obj): void {
  const [code, json] = codeOrStatus instanceof Status ? [codeOrStatus.code, codeOrStatus.json] : [codeOrStatus, body];
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(json));
}
function verbOf(method: string, name: string | undefined, url: URL): string {
  if (method === 'GET') return name ? 'get' : url.searchParams.get('watch') ? 'watch' : 'list';
  return ({ POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' } as Record<string, string>)[method] ?? method.toLowerCase();
}
function defaultManager(req: http.IncomingMessage): string {
  // the real server derives the manager from the user agent: "kubectl-client-side-apply"…
  return (req.headers['user-agent'] ?? 'unknown').split('/')[0];
}
function parseBody(body: string, req: http.IncomingMessage): Obj {
  const ct = req.headers['content-type'] ?? '';
  return ct.includes('yaml') ? YAML.parse(body) : JSON.parse(body);
}
function isTrue(v: string | null): boolean {
  return v === 'true' || v === '1';
}
function istioGroup(): Obj {
  return {
    name: ISTIO_GROUP,
    versions: ISTIO_VERSIONS.map((v) => ({ groupVersion: `${ISTIO_GROUP}/${v}`, version: v })),
    preferredVersion: { groupVersion: `${ISTIO_GROUP}/v1`, version: 'v1' },
  };
}
function istioResourceList(version: string): Obj {
  const verbs = ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'];
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: `${ISTIO_GROUP}/${version}`,
    resources: Object.entries(RESOURCES).map(([plural, r]) => ({
      name: plural,
      singularName: r.kind.toLowerCase(),
      namespaced: true,
      kind: r.kind,
      verbs,
      shortNames: r.shortNames,
      categories: ['istio-io', 'networking-istio-io'],
      storageVersionHash: 'fake',
    })),
  };
}
function coreResourceList(): Obj {
  const r = (name: string, kind: string, namespaced: boolean, verbs: string[]) => ({ name, singularName: kind.toLowerCase(), namespaced, kind, verbs });
  return {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [
      r('pods', 'Pod', true, ['get', 'list']),
      { name: 'pods/proxy', singularName: '', namespaced: true, kind: 'PodProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
      r('services', 'Service', true, ['get', 'list']),
      r('nodes', 'Node', false, ['get', 'list']),
    ],
  };
}
/** kubectl validates manifests against /openapi/v3: one document per group version. */
function openApiV3Index(): Obj {
  return { paths: Object.fromEntries(ISTIO_VERSIONS.map((v) => [`apis/${ISTIO_GROUP}/${v}`, { serverRelativeURL: `/openapi/v3/apis/${ISTIO_GROUP}/${v}?hash=fake${v}` }])) };
}
function openApiV3Istio(version: string): Obj {
  // Istio's CRDs declare their spec with x-kubernetes-preserve-unknown-fields-free schemas; an
  // open object is enough for kubectl's client-side validation to accept what the server does
  const schemas = Object.fromEntries(
    Object.values(RESOURCES).map((r) => [
      `io.istio.networking.${version}.${r.kind}`,
      {
        type: 'object',
        properties: {
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        },
        'x-kubernetes-group-version-kind': [{ group: ISTIO_GROUP, version, kind: r.kind }],
      },
    ]),
  );
  // the PATCH operation lists `fieldValidation`, so kubectl validates on the server (as it does
  // against a real 1.27+ apiserver) instead of downloading the old /openapi/v2 protobuf
  const paths = Object.fromEntries(
    Object.entries(RESOURCES).map(([plural, r]) => [
      `/apis/${ISTIO_GROUP}/${version}/namespaces/{namespace}/${plural}/{name}`,
      {
        patch: {
          'x-kubernetes-group-version-kind': { group: ISTIO_GROUP, version, kind: r.kind },
          'x-kubernetes-action': 'patch',
          parameters: ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((name) => ({ name, in: 'query', schema: { type: 'string' } })),
        },
      },
    ]),
  );
  return { openapi: '3.0.0', info: { title: 'Kubernetes CRD Swagger', version: 'v0.1.0' }, paths, components: { schemas } };
}
function withVersion(o: Obj, version: string): Obj {
  // Istio's versions share one schema: conversion only changes apiVersion
  return { ...clone(o), apiVersion: `${ISTIO_GROUP}/${version}` };
}
function pluralOf(kind: string): string {
  const e = Object.entries(RESOURCES).find(([, r]) => r.kind === kind);
  if (!e) throw new Error(`fake apiserver: unknown kind ${kind}`);
  return e[0];
}
function podObject(p: FakePod): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: p.name, namespace: p.namespace, labels: p.labels, uid: `pod-${p.name}` },
    spec: { nodeName: p.nodeName ?? 'node-1', containers: [{ name: 'istio-proxy', ports: [{ containerPort: 15021 }] }] },
    status: { phase: 'Running', podIP: p.podIP ?? '10.0.0.1', conditions: [{ type: 'Ready', status: 'True' }] },
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
function parseLabelSelector(sel: string | null): (labels: Record<string, string>) => boolean {
  if (!sel) return () => true;
  const terms = sel.split(',').map((t) => t.split('='));
  return (labels) => terms.every(([k, v]) => labels[k] === v);
}
