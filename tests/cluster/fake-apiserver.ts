/**
 * A fake Kubernetes API server on loopback (style.md habit 9): enough of the real protocol
 * that both `kubectl` and `@kubernetes/client-node` talk to it unmodified —
 *
 *  - discovery: `/version`, `/api`, `/api/v1`, `/apis`, `/apis/networking.istio.io`, and one
 *    resource list per version the CRDs serve (real Istio CRDs from ../shared/data/istio-crds,
 *    fake-crd-schema.ts; `istio: 'pre-1.22'` serves v1beta1/v1alpha3 only); other versions 404
 *  - DestinationRules and VirtualServices: get, list, create (POST; an existing name is 409
 *    AlreadyExists), replace (PUT; no resourceVersion is 422 — custom resources allow no
 *    unconditional update; stale is 409), server-side apply, merge and JSON patch, delete;
 *    a body whose apiVersion is not the URL's is 400 (handlers/create.go, update.go;
 *    structuredmerge.go "Incorrect version specified in apply patch")
 *  - server-side apply as structuredmerge.go and structured-merge-diff do it: fieldManager
 *    required (422 with causes), `force` only on apply (422), managedFields in the patch 400,
 *    the CRD schema types the patch (500 "failed to create typed patch object … field not
 *    declared in schema"), a stale metadata.resourceVersion 409, conflicts 409 with
 *    conflict.go's message and FieldManagerConflict causes; managedFields bookkeeping in
 *    fake-managed-fields.ts (others keep fields outside the applied set, "." markers on Update
 *    entries, a request's managedFields replace the live ones — fieldmanager.go
 *    decodeLiveOrNew)
 *  - objects carry `resourceVersion`, `uid`, `generation`, `creationTimestamp`,
 *    `managedFields`; an unchanged write keeps its resourceVersion; `?dryRun=All` computes
 *    the answer without storing it, keeping the stored resourceVersion (none on create);
 *    `labels: {}` / `annotations: {}` are not stored (ObjectMeta omitempty)
 *  - pods, services, nodes (read-only lists), the pod proxy
 *    `/api/v1/namespaces/NS/pods/NAME:PORT/proxy/PATH` forwarded to each pod's `adminUrl`
 *    (400 "address not allowed" for a pod IP that is not global unicast —
 *    pkg/registry/core/pod/strategy.go ResourceLocation; 503 where admin listens on
 *    127.0.0.1 only), and `pods/portforward` over WebSocket (fake-portforward.ts), refused
 *    before the upgrade with an HTTP status: 403 without the RBAC verb **get** (a WebSocket
 *    handshake is a GET), 404 for an unknown pod
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
 * Not imitated: the Warning header for pruned unknown fields, CEL rules
 * (x-kubernetes-validations) and other 422 schema validation beyond scalar types, watch
 * events, admission webhooks. fake-apiserver.test.ts keeps it honest against the real
 * kubectl; fake-apiserver-table.test.ts against a table of real-server answers.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { isIP, type AddressInfo } from 'node:net';
import YAML from 'yaml';
import { portForward } from './fake-portforward.js';
import { clone, deepEqual, deletePath, jsonPatch, mergePatch, stripServerFields, type Obj } from './fake-fields.js';
import {
  decodeLiveOrNew,
  dotted,
  now,
  recordApply,
  recordUpdate,
  type Conflict,
  type Entry,
} from './fake-managed-fields.js';
import { loadIstioCrds, typeErrors, type IstioRelease } from './fake-crd-schema.js';

const ISTIO_GROUP = 'networking.istio.io';
/** kube-aware version priority (GA > beta > alpha): discovery lists served versions in this order, first preferred */
const VERSION_PRIORITY = ['v1', 'v1beta1', 'v1alpha3'];
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
  /** more resources, tried before the built-in routes (fake-apiserver-k6.ts); true = answered */
  handlers: ((req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: string) => boolean)[];
  /** the stored object, or undefined */
  get(plural: string, namespace: string, name: string): Obj | undefined;
  /** every stored object of a resource, all namespaces */
  list(plural: string): Obj[];
  /** stores an object as `kubectl create` would (manager "kubectl-create") */
  seed(object: Obj): Obj;
  /**
   * A write to the `status` subresource, as istiod's status controller makes (PILOT_ENABLE_STATUS):
   * `status` replaced, the manager's entry recorded with `subresource: status` (fieldmanager
   * keeps subresource managers apart — ManagedFieldsEntry.subresource), a new
   * resourceVersion, spec and generation untouched. The entry's fieldsV1 is the status map's
   * own keys with a "." marker; not captured from a real server.
   */
  writeStatus(plural: string, namespace: string, name: string, status: Obj, manager?: string): Obj;
  /** one-shot responses, consumed in order of matching */
  script(r: ScriptedResponse): void;
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
}

export async function startFakeApiServer(options: FakeOptions = {}): Promise<FakeApiServer> {
  const release = options.istio ?? '1.29.6';
  const crds = loadIstioCrds(release === 'pre-1.22' ? '1.22.8' : release);
  const served = VERSION_PRIORITY.filter((v) =>
    release === 'pre-1.22'
      ? v !== 'v1'
      : !crds || Object.values(crds).every((c) => c.versions.some((x) => x.name === v && x.served)),
  );
  const store = new Map<string, Obj>();
  let rv = 1000;
  const scripted: ScriptedResponse[] = [];
  const events = new EventEmitter();
  const sockets = new Set<import('node:net').Socket>();
  const fake: FakeApiServer = {
    url: '',
    port: 0,
    crdsLoaded: crds !== undefined,
    servedVersions: served,
    requests: [],
    events,
    mode: 'normal',
    forbiddenVerbs: undefined,
    accessReviews: [],
    portForwardVerbs: new Set(['get', 'create']),
    pods: [],
    services: [],
    nodes: [],
    handlers: [],
    get: (plural, ns, name) => clone(store.get(`${plural}/${ns}/${name}`)),
    list: (plural) => [...store.entries()].filter(([k]) => k.startsWith(`${plural}/`)).map(([, o]) => clone(o)),
    seed: (object) => {
      const plural = pluralOf(object.kind);
      const stored = createObject(object, plural, object.metadata.namespace ?? 'default', 'kubectl-create');
      return clone(stored);
    },
    writeStatus: (plural, ns, name, newStatus, manager = 'pilot-discovery') => {
      const key = `${plural}/${ns}/${name}`;
      const obj = clone(store.get(key));
      if (!obj) throw new Error(`fake apiserver: no ${key}`);
      obj.status = clone(newStatus);
      const own = {
        manager,
        operation: 'Update',
        apiVersion: obj.apiVersion,
        time: now(),
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:status': { '.': {}, ...Object.fromEntries(Object.keys(newStatus).map((k) => [`f:${k}`, {}])) } },
        subresource: 'status',
      };
      obj.metadata.managedFields = [
        ...(obj.metadata.managedFields as Entry[]).filter(
          (e) => !(e.manager === manager && e.subresource === 'status'),
        ),
        own,
      ];
      obj.metadata.resourceVersion = nextRv();
      store.set(key, obj);
      events.emit('change', plural, ns, name);
      return clone(obj);
    },
    script: (r) => void scripted.push(r),
    assertConsumed: () => {
      if (scripted.length > 0)
        throw new Error(
          `fake apiserver: ${scripted.length} scripted response(s) not consumed: ${scripted.map((s) => `${s.method} ${s.path}`).join(', ')}`,
        );
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
  function gvk(version: string, plural: string): string {
    return `${ISTIO_GROUP}/${version}, Kind=${RESOURCES[plural].kind}`;
  }
  function schemaOf(plural: string, version: string): Obj | undefined {
    return crds?.[plural]?.versions.find((v) => v.name === version)?.schema;
  }

  /**
   * Stores `next` (with `managed` as its managedFields) over `prev`; server-owned metadata is
   * the server's. Like etcd3's GuaranteedUpdate, an unchanged object is not written and keeps
   * its resourceVersion; a dry run computes the answer, keeps the stored resourceVersion and
   * mints none on create (handlers' dryRun: the registry stops before storage).
   */
  function commit(
    plural: string,
    namespace: string,
    prev: Obj | undefined,
    next: Obj,
    managed: Entry[],
    dryRun: boolean,
  ): Obj {
    const obj = clone(next);
    obj.metadata = { ...(obj.metadata ?? {}), namespace };
    stripServerFields(obj.metadata);
    // ObjectMeta's labels/annotations are `omitempty`: an empty map is not stored
    for (const k of ['labels', 'annotations'])
      if (obj.metadata[k] && Object.keys(obj.metadata[k]).length === 0) delete obj.metadata[k];
    if (prev) {
      for (const f of ['uid', 'creationTimestamp', 'generation', 'resourceVersion'] as const)
        obj.metadata[f] = prev.metadata[f];
      if (!deepEqual(prev.spec, obj.spec)) obj.metadata.generation = prev.metadata.generation + 1;
    } else Object.assign(obj.metadata, { creationTimestamp: now(), generation: 1, uid: randomUUID() });
    obj.metadata.managedFields = managed;
    const changed =
      !prev ||
      !deepEqual(
        { ...prev, metadata: { ...prev.metadata, resourceVersion: 0 } },
        { ...obj, metadata: { ...obj.metadata, resourceVersion: 0 } },
      );
    if (changed && !dryRun) {
      obj.metadata.resourceVersion = nextRv();
      store.set(`${plural}/${namespace}/${obj.metadata.name}`, obj);
      events.emit('change', plural, namespace, obj.metadata.name);
    }
    if (dryRun && !prev) delete obj.metadata.resourceVersion;
    return obj;
  }

  function createObject(body: Obj, plural: string, namespace: string, manager: string, dryRun = false): Obj {
    const managed = recordUpdate(
      decodeLiveOrNew(undefined, body.metadata?.managedFields),
      undefined,
      body,
      manager,
      body.apiVersion,
    );
    return commit(plural, namespace, undefined, body, managed, dryRun);
  }

  /** PUT / merge patch / JSON patch: an Update by `manager` (fieldmanager.go Update). */
  function updateObject(prev: Obj, next: Obj, plural: string, manager: string, version: string, dryRun: boolean): Obj {
    // Istio's CRDs enable the status subresource, so a write to the main resource cannot set
    // status: the old one is kept (apiextensions-apiserver customresource strategy.go
    // PrepareForUpdate, as every built-in strategy's "update is not allowed to set status";
    // the CRD strategy's own text was not read)
    next = { ...next };
    if (prev.status !== undefined) next.status = clone(prev.status);
    else delete next.status;
    const managed = recordUpdate(
      decodeLiveOrNew(prev.metadata.managedFields, next.metadata?.managedFields),
      prev,
      next,
      manager,
      `${ISTIO_GROUP}/${version}`,
    );
    return commit(plural, prev.metadata.namespace, prev, next, managed, dryRun);
  }

  /**
   * Server-side apply (structuredmerge.go Apply, then SMD Updater.Apply): version and
   * managedFields checks (400), the typed conversion of the patch (500 "failed to create typed
   * patch object", a plain error, so ErrorToAPIStatus gives code 500 with no reason), a stale
   * metadata.resourceVersion (409), conflicts (409, conflict.go NewConflictError).
   */
  function applyObject(
    prev: Obj | undefined,
    applied: Obj,
    plural: string,
    namespace: string,
    version: string,
    manager: string,
    force: boolean,
    dryRun: boolean,
  ): Obj | Status {
    const want = `${ISTIO_GROUP}/${version}`;
    if (applied.apiVersion !== want)
      return status(
        400,
        'BadRequest',
        `Incorrect version specified in apply patch. Specified patch version: ${applied.apiVersion}, expected: ${want}`,
      );
    if (applied.metadata?.managedFields !== undefined)
      return status(400, 'BadRequest', 'metadata.managedFields must be nil');
    const schema = schemaOf(plural, version);
    const errors = schema ? typeErrors(schema, applied) : [];
    if (errors.length > 0) {
      const what = errors.length === 1 ? errors[0] : `errors:\n  ${errors.join('\n  ')}`;
      return status(
        500,
        '',
        `failed to create typed patch object (${namespace}/${applied.metadata.name}; ${gvk(version, plural)}): ${what}`,
      );
    }
    const result = recordApply(prev?.metadata.managedFields ?? [], prev, applied, manager, force);
    if ('conflicts' in result) return applyConflict(result.conflicts);
    // the merged object keeps the patch's resourceVersion, which the registry store then
    // compares (store.go Update): a stale one fails after the field manager's own checks
    const sentRv = applied.metadata?.resourceVersion;
    if (sentRv !== undefined && sentRv !== prev?.metadata.resourceVersion)
      return staleConflict(`${plural}.${ISTIO_GROUP}`, applied.metadata.name);
    result.object.apiVersion = want;
    result.object.kind = RESOURCES[plural].kind;
    result.object.metadata = {
      ...(prev?.metadata ?? {}),
      ...(result.object.metadata ?? {}),
      name: applied.metadata.name,
    };
    return commit(plural, namespace, prev, result.object, result.managed, dryRun);
  }

  function handleIstio(req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: string): void {
    // /apis/networking.istio.io/VERSION/namespaces/NS/PLURAL[/NAME]; a version the CRD does not
    // serve has no route at all (404, as for any unknown path)
    const m = /^\/apis\/networking\.istio\.io\/([^/]+)\/(?:namespaces\/([^/]+)\/)?([^/]+)(?:\/([^/]+))?$/.exec(
      url.pathname,
    );
    if (!m || !served.includes(m[1]) || !RESOURCES[m[3]])
      return send(res, status(404, 'NotFound', 'the server could not find the requested resource'));
    const [, version, namespace, plural, name] = m;
    const verb = verbOf(req.method!, name, url);
    if (fake.mode === 'forbidden' && (!fake.forbiddenVerbs || fake.forbiddenVerbs.has(verb)))
      return send(res, forbidden(verb, plural, namespace, name));
    const dryRun = url.searchParams.get('dryRun') === 'All';
    const key = `${plural}/${namespace}/${name}`;
    const prev = store.get(key);
    const gvr = `${plural}.${ISTIO_GROUP}`;
    const manager = url.searchParams.get('fieldManager') ?? defaultManager(req);
    const want = `${ISTIO_GROUP}/${version}`;
    // handlers/create.go and update.go: "the API version in the data (…) does not match the expected API version (…)"
    const versionMismatch = (o: Obj) =>
      o.apiVersion && o.apiVersion !== want
        ? status(
            400,
            'BadRequest',
            `the API version in the data (${o.apiVersion}) does not match the expected API version (${want})`,
          )
        : undefined;
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
        const bad = versionMismatch(obj) ?? invalidBody(plural, version, obj, url);
        if (bad) return send(res, bad);
        const exists = store.get(`${plural}/${namespace}/${obj.metadata?.name}`);
        if (exists)
          return send(
            res,
            status(409, 'AlreadyExists', `${gvr} "${obj.metadata?.name}" already exists`, {
              name: obj.metadata?.name,
              group: ISTIO_GROUP,
              kind: plural,
            }),
          );
        return send(res, 201, withVersion(createObject(obj, plural, namespace, manager, dryRun), version));
      }
      case 'update': {
        const obj = parseBody(body, req);
        const bad = versionMismatch(obj) ?? invalidBody(plural, version, obj, url);
        if (bad) return send(res, bad);
        // registry/generic/registry/store.go Update: a missing object is NotFound first (custom
        // resources AllowCreateOnUpdate() = false); then, as they allow no unconditional update
        // (AllowUnconditionalUpdate() = false), no resourceVersion is 422 — NewInvalid with the
        // GroupKind built from the *resource* ("destinationrules.networking.istio.io", the
        // TODO there citing #18526)
        if (!prev) return send(res, notFound(gvr, name));
        const sent = obj.metadata?.resourceVersion;
        if (!sent)
          return send(
            res,
            invalid(gvr, name, [
              {
                reason: 'FieldValueInvalid',
                field: 'metadata.resourceVersion',
                message: 'Invalid value: 0x0: must be specified for an update',
              },
            ]),
          );
        if (sent !== prev.metadata.resourceVersion) return send(res, staleConflict(gvr, name));
        return send(res, 200, withVersion(updateObject(prev, obj, plural, manager, version, dryRun), version));
      }
      case 'patch': {
        const ct = (req.headers['content-type'] ?? '').split(';')[0];
        if (ct === 'application/apply-patch+yaml') {
          // PatchOptions validation (staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/validation): 422 with causes
          if (!url.searchParams.get('fieldManager'))
            return send(
              res,
              invalid(
                'PatchOptions.meta.k8s.io',
                '',
                [
                  {
                    reason: 'FieldValueRequired',
                    field: 'fieldManager',
                    message: 'Required value: is required for apply patch',
                  },
                ],
                { group: 'meta.k8s.io', kind: 'PatchOptions' },
              ),
            );
          const applied = YAML.parse(body) as Obj;
          if (applied?.metadata?.name !== name)
            return send(res, status(400, 'BadRequest', 'the name of the object does not match the name on the URL'));
          const out = applyObject(
            prev,
            applied,
            plural,
            namespace,
            version,
            manager,
            isTrue(url.searchParams.get('force')),
            dryRun,
          );
          return out instanceof Status ? send(res, out) : send(res, prev ? 200 : 201, withVersion(out, version));
        }
        if (url.searchParams.has('force'))
          return send(
            res,
            invalid(
              'PatchOptions.meta.k8s.io',
              '',
              [
                {
                  reason: 'FieldValueForbidden',
                  field: 'force',
                  message: 'Forbidden: may not be specified for non-apply patch',
                },
              ],
              { group: 'meta.k8s.io', kind: 'PatchOptions' },
            ),
          );
        if (!prev) return send(res, notFound(gvr, name));
        let next: Obj;
        if (ct === 'application/merge-patch+json') {
          const patch = JSON.parse(body) as Obj;
          const sent = patch.metadata?.resourceVersion;
          if (sent && sent !== prev.metadata.resourceVersion) return send(res, staleConflict(gvr, name));
          next = mergePatch(clone(prev), patch);
        } else if (ct === 'application/json-patch+json') {
          const applied = jsonPatch(clone(prev), JSON.parse(body) as Obj[]);
          if (applied instanceof Error) return send(res, status(422, 'Invalid', applied.message));
          next = applied;
          const sent = next.metadata?.resourceVersion;
          if (sent && sent !== prev.metadata.resourceVersion) return send(res, staleConflict(gvr, name));
        } else
          return send(
            res,
            status(
              415,
              'UnsupportedMediaType',
              `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
            ),
          );
        const bad = invalidBody(plural, version, next, url);
        if (bad) return send(res, bad);
        return send(res, 200, withVersion(updateObject(prev, next, plural, manager, version, dryRun), version));
      }
      case 'delete': {
        if (!prev) return send(res, notFound(gvr, name));
        // DeleteOptions.preconditions (apiserver storage/interfaces.go Preconditions.Check, an
        // InvalidObj error the registry turns into a Conflict: storeerr InterpretDeleteError).
        // The code, reason and "Precondition failed: …" text follow the source; the real
        // message also carries the StorageError wrapping, not imitated
        const pre = (body ? (JSON.parse(body) as Obj) : {}).preconditions ?? {};
        if (pre.resourceVersion !== undefined && pre.resourceVersion !== prev.metadata.resourceVersion)
          return send(
            res,
            status(
              409,
              'Conflict',
              `Operation cannot be fulfilled on ${gvr} "${name}": Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${prev.metadata.resourceVersion}`,
              { name, group: ISTIO_GROUP, kind: plural },
            ),
          );
        if (pre.uid !== undefined && pre.uid !== prev.metadata.uid)
          return send(
            res,
            status(
              409,
              'Conflict',
              `Operation cannot be fulfilled on ${gvr} "${name}": Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${prev.metadata.uid}`,
              { name, group: ISTIO_GROUP, kind: plural },
            ),
          );
        if (!dryRun) {
          store.delete(key);
          events.emit('change', plural, namespace, name);
        }
        return send(res, 200, {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Success',
          details: { name, group: ISTIO_GROUP, kind: plural, uid: prev.metadata.uid },
        });
      }
    }
    send(res, status(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`));
  }

  /**
   * Field validation of a create/update body (not apply): with `fieldValidation=Strict`
   * (what kubectl sends) an undeclared field is 400 "strict decoding error: unknown field";
   * otherwise it is pruned (structural schema) — the Warning header is not imitated. A wrong
   * scalar type is 422 Invalid. The message shapes are modelled on the apiserver's, not
   * captured from one.
   */
  function invalidBody(plural: string, version: string, obj: Obj, url: URL): Status | undefined {
    const schema = schemaOf(plural, version);
    if (!schema) return undefined;
    const errors = typeErrors(schema, obj);
    const unknown = errors
      .filter((e) => e.endsWith(': field not declared in schema'))
      .map((e) => e.slice(1, e.indexOf(':')));
    const wrong = errors.filter((e) => !e.endsWith(': field not declared in schema'));
    if (unknown.length > 0 && url.searchParams.get('fieldValidation') === 'Strict')
      return status(
        400,
        'BadRequest',
        `strict decoding error: ${unknown.map((u) => `unknown field "${u}"`).join(', ')}`,
      );
    // pruned where the path names no list item (inside lists the fake leaves it: not modelled)
    for (const u of unknown) if (!u.includes('[')) deletePath(obj, u.split('.').join('\u0000'));
    if (wrong.length > 0)
      return invalid(
        `${RESOURCES[plural].kind}.${ISTIO_GROUP}`,
        obj.metadata?.name ?? '',
        wrong.map((e) => ({
          reason: 'FieldValueTypeInvalid',
          field: e.slice(1, e.indexOf(':')),
          message: `Invalid value: ${e.slice(e.indexOf(':') + 2)}`,
        })),
      );
    return undefined;
  }

  function handleCore(_req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
    const p = url.pathname;
    const proxy = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/proxy\/(.*)$/.exec(p);
    if (proxy)
      return void forwardToPod(
        res,
        decodeURIComponent(proxy[1]),
        decodeURIComponent(proxy[2]),
        decodeURIComponent(proxy[3]),
        url.search,
      );
    const list = /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?(pods|services|nodes)$/.exec(p);
    if (list) {
      const [, ns, what] = list;
      if (fake.mode === 'forbidden' && (!fake.forbiddenVerbs || fake.forbiddenVerbs.has('list')))
        return send(res, forbidden('list', what, ns, undefined, ''));
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

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    fake.requests.push({
      method: req.method!,
      path: decodeURIComponent(url.pathname),
      query: url.searchParams,
      contentType: req.headers['content-type'],
    });
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
    for (const h of fake.handlers) if (h(req, res, url, body)) return;
    if (p === '/version')
      return send(res, 200, { major: '1', minor: '32', gitVersion: 'v1.32.4-meshproof-fake', platform: 'linux/amd64' });
    if (p === '/api')
      return send(res, 200, {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${fake.port}` }],
      });
    if (p === '/api/v1') return send(res, 200, coreResourceList());
    if (p === '/openapi/v3') return send(res, 200, openApiV3Index(served));
    const oa = /^\/openapi\/v3\/apis\/networking\.istio\.io\/([^/]+)$/.exec(p);
    if (oa && served.includes(oa[1])) return send(res, 200, openApiV3Istio(oa[1]));
    if (p === '/apis') return send(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [istioGroup(served)] });
    if (p === `/apis/${ISTIO_GROUP}`)
      return send(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...istioGroup(served) });
    const rl = /^\/apis\/networking\.istio\.io\/([^/]+)$/.exec(p);
    if (rl && served.includes(rl[1])) return send(res, 200, istioResourceList(rl[1]));
    if (p === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews' && req.method === 'POST')
      return reviewAccess(res, body);
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
      return send(
        res,
        status(
          422,
          'Invalid',
          'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
          {
            group: 'authorization.k8s.io',
            kind: 'SelfSubjectAccessReview',
            causes: [
              {
                reason: 'FieldValueInvalid',
                message:
                  'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
                field: 'spec.resourceAttributes',
              },
            ],
          },
        ),
      );
    const verb = String((attrs ?? (spec.nonResourceAttributes as Obj)).verb ?? '');
    const portForward = attrs?.resource === 'pods' && attrs.subresource === 'portforward';
    const refused =
      (fake.mode === 'forbidden' && (!fake.forbiddenVerbs || fake.forbiddenVerbs.has(verb))) ||
      (portForward && !fake.portForwardVerbs.has(verb));
    fake.accessReviews.push({ ...(attrs ?? {}), allowed: !refused } as Obj);
    const answer = refused
      ? { allowed: false }
      : {
          allowed: true,
          reason: 'RBAC: allowed by RoleBinding "meshproof/ci" of Role "meshproof" to ServiceAccount "meshproof/ci"',
        };
    send(res, 201, {
      kind: 'SelfSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: {},
      spec,
      status: answer,
    });
  }

  // pods/portforward: the WebSocket channel protocol (v4.channel.k8s.io) client-node speaks
  server.on('upgrade', (req, socket) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    fake.requests.push({ method: 'GET', path: url.pathname, query: url.searchParams, contentType: 'websocket' });
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/portforward$/.exec(url.pathname);
    if (fake.mode === 'outage' || !m) return void socket.destroy();
    const [, ns, podName] = m;
    // authorization runs before the upgrade: a WebSocket handshake is a GET, and the request
    // info resolver maps GET to the verb "get" (SPDY's POST is "create") — derailed/k9s#4144,
    // devantler-tech/platform#2499 ("cannot get resource \"pods/portforward\"" on the upgrade)
    const denied =
      !fake.portForwardVerbs.has('get') ||
      (fake.mode === 'forbidden' && (!fake.forbiddenVerbs || fake.forbiddenVerbs.has('get')));
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
  return new Status(code, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  });
}
function notFound(gvr: string, name: string): Status {
  return status(404, 'NotFound', `${gvr} "${name}" not found`, { name, group: ISTIO_GROUP, kind: gvr.split('.')[0] });
}
/** errors.NewInvalid: 422, "<Kind.group> "<name>" is invalid: <field>: <message>", one cause per error. */
function invalid(
  qualifiedKind: string,
  name: string,
  causes: { reason: string; field: string; message: string }[],
  details?: Obj,
): Status {
  const [kind, ...group] = qualifiedKind.split('.');
  const text = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
  const all = causes.length > 1 ? `[${text}]` : text;
  return status(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${all}`, {
    ...(details ?? { name, group: group.join('.'), kind }),
    causes,
  });
}
/**
 * 409 of a server-side apply conflict, as managedfields/internal/conflict.go NewConflictError
 * and getConflictMessage build it: one cause per conflict (type FieldManagerConflict), the
 * message "Apply failed with 1 conflict: conflict with "alice": .spec.x", or for several
 * "Apply failed with N conflicts: conflicts with "alice":\n- .spec.x\n- .spec.y" grouped by
 * manager; an Update manager is printed with "using <apiVersion>".
 */
function applyConflict(conflicts: Conflict[]): Status {
  const who = (e: Entry) => (e.operation === 'Update' ? `"${e.manager}" using ${e.apiVersion}` : `"${e.manager}"`);
  const causes = conflicts.map((c) => ({
    type: 'FieldManagerConflict',
    message: `conflict with ${who(c.manager)}`,
    field: dotted(c.path),
  }));
  let message: string;
  if (conflicts.length === 1)
    message = `Apply failed with 1 conflict: conflict with ${who(conflicts[0].manager)}: ${dotted(conflicts[0].path)}`;
  else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts)
      byManager.set(who(c.manager), [...(byManager.get(who(c.manager)) ?? []), dotted(c.path)]);
    const lines = [...byManager.keys()]
      .sort()
      .flatMap((m) => [`conflicts with ${m}:`, ...byManager.get(m)!.map((p) => `- ${p}`)]);
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new Status(409, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: 'Conflict',
    details: { causes },
    code: 409,
  });
}
function staleConflict(gvr: string, name: string): Status {
  return status(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${gvr} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group: ISTIO_GROUP, kind: gvr.split('.')[0] },
  );
}
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
/** An upgrade answered with a plain HTTP error instead of 101, as the apiserver's filters do. */
function refuseUpgrade(socket: import('node:stream').Duplex, s: Status): void {
  const body = JSON.stringify(s.json);
  socket.end(
    `HTTP/1.1 ${s.code} ${http.STATUS_CODES[s.code]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
/** Go's net.IP.IsGlobalUnicast: not loopback, link-local, multicast, unspecified or broadcast. */
function isGlobalUnicast(ip: string): boolean {
  if (isIP(ip) === 4) {
    const [a, b] = ip.split('.').map(Number);
    return !(a === 0 || a === 127 || (a === 169 && b === 254) || a >= 224);
  }
  if (isIP(ip) === 6) {
    const low = ip.toLowerCase();
    return !(
      low === '::' ||
      low === '::1' ||
      low.startsWith('fe8') ||
      low.startsWith('fe9') ||
      low.startsWith('fea') ||
      low.startsWith('feb') ||
      low.startsWith('ff')
    );
  }
  return false;
}
function send(res: http.ServerResponse, codeOrStatus: number | Status, body?: Obj): void {
  const [code, json] = codeOrStatus instanceof Status ? [codeOrStatus.code, codeOrStatus.json] : [codeOrStatus, body];
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(json));
}
function verbOf(method: string, name: string | undefined, url: URL): string {
  if (method === 'GET') return name ? 'get' : url.searchParams.get('watch') ? 'watch' : 'list';
  return (
    ({ POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' } as Record<string, string>)[method] ??
    method.toLowerCase()
  );
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
function istioGroup(served: string[]): Obj {
  return {
    name: ISTIO_GROUP,
    versions: served.map((v) => ({ groupVersion: `${ISTIO_GROUP}/${v}`, version: v })),
    preferredVersion: { groupVersion: `${ISTIO_GROUP}/${served[0]}`, version: served[0] },
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
  const r = (name: string, kind: string, namespaced: boolean, verbs: string[]) => ({
    name,
    singularName: kind.toLowerCase(),
    namespaced,
    kind,
    verbs,
  });
  return {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [
      r('pods', 'Pod', true, ['get', 'list']),
      {
        name: 'pods/proxy',
        singularName: '',
        namespaced: true,
        kind: 'PodProxyOptions',
        verbs: ['create', 'delete', 'get', 'patch', 'update'],
      },
      r('services', 'Service', true, ['get', 'list']),
      r('nodes', 'Node', false, ['get', 'list']),
    ],
  };
}
/** kubectl validates manifests against /openapi/v3: one document per group version. */
function openApiV3Index(served: string[]): Obj {
  return {
    paths: Object.fromEntries(
      served.map((v) => [
        `apis/${ISTIO_GROUP}/${v}`,
        { serverRelativeURL: `/openapi/v3/apis/${ISTIO_GROUP}/${v}?hash=fake${v}` },
      ]),
    ),
  };
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
          parameters: ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((name) => ({
            name,
            in: 'query',
            schema: { type: 'string' },
          })),
        },
      },
    ]),
  );
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes CRD Swagger', version: 'v0.1.0' },
    paths,
    components: { schemas },
  };
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
function parseLabelSelector(sel: string | null): (labels: Record<string, string>) => boolean {
  if (!sel) return () => true;
  const terms = sel.split(',').map((t) => t.split('='));
  return (labels) => terms.every(([k, v]) => labels[k] === v);
}
