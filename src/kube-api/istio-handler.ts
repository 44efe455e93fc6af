/**
 * The REST verbs of `destinationrules` and `virtualservices` (networking.istio.io), as
 * kube-apiserver's handlers and registry answer them (staging/src/k8s.io/apiserver
 * pkg/endpoints/handlers create.go, update.go, patch.go, delete.go, get.go; registry/generic
 * store.go):
 *
 *  - get, list (with `fieldSelector=metadata.name=…`), watch (watch.ts)
 *  - create (POST; an existing name is 409 AlreadyExists), replace (PUT; a missing object is
 *    404, no resourceVersion is 422 — custom resources allow no unconditional update; stale is
 *    409), a body whose apiVersion is not the URL's is 400
 *  - patch: server-side apply (fieldManager required, 422 with causes; `force` only on apply;
 *    managedFields in the patch 400; name mismatch 400; conflicts 409), merge and JSON patch
 *    (stale resourceVersion 409, failed JSON-patch op 422), other media types 415
 *  - delete with preconditions (409 on a stale resourceVersion or uid)
 *  - `?dryRun=All` computes the answer without storing it
 *  - a version or resource the CRDs do not serve has no route (plain-text 404); other methods are 405
 */
import { selectorOrBadRequest } from './label-selector.js';
import type http from 'node:http';
import YAML from 'yaml';
import { clone, jsonPatch, mergePatch, type Obj } from './fields.js';
import type { ObjectStore } from './store.js';
import { RESOURCES, withVersion } from './resources.js';
import {
  alreadyExists,
  invalid,
  ISTIO_GROUP,
  methodNotAllowed,
  pageNotFound,
  notFound,
  send,
  staleConflict,
  status,
  Status,
} from './status.js';
import { applyTypeError, invalidBody, webhookDenial, type Admission } from './validation.js';
import { serveWatch, type WatchHub } from './watch.js';
import { asTable, includeObject, tableVersion } from './table.js';

export interface IstioContext {
  store: ObjectStore;
  served: string[];
  admission: Admission;
  watches: WatchHub;
}

/** /apis/networking.istio.io/VERSION[/namespaces/NS]/PLURAL[/NAME] */
const ISTIO_PATH = /^\/apis\/networking\.istio\.io\/([^/]+)\/(?:namespaces\/([^/]+)\/)?([^/]+)(?:\/([^/]+))?$/;

/** The Kubernetes verb of a request (request info resolver: GET on a collection with `watch` is watch). */
export function verbOf(method: string, name: string | undefined, url: URL): string {
  if (method === 'GET') return name ? 'get' : isTrue(url.searchParams.get('watch')) ? 'watch' : 'list';
  return (
    ({ POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' } as Record<string, string>)[method] ??
    method.toLowerCase()
  );
}

/** The parts of an Istio resource path, or undefined when no route serves it. */
export function istioRoute(
  url: URL,
  served: string[],
): { version: string; namespace?: string; plural: string; name?: string } | undefined {
  const m = ISTIO_PATH.exec(url.pathname);
  if (!m || !served.includes(m[1]) || !RESOURCES[m[3]]) return undefined;
  const [, version, namespace, plural, name] = m;
  return { version, namespace, plural, name };
}

export function handleIstio(
  ctx: IstioContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  body: string,
): void {
  const route = istioRoute(url, ctx.served);
  if (!route) return pageNotFound(res);
  const { version, plural, name } = route;
  const namespace = route.namespace as string;
  const { store, admission } = ctx;
  const verb = verbOf(req.method!, name, url);
  // the installer registers a namespaced resource's all-namespaces path for list and watch only
  // (endpoints/installer.go): an object path without a namespace has no route, any other
  // method there is 405 as go-restful answers a known path with an unknown method;
  // deletecollection is not served (not listed in discovery either)
  if (route.namespace === undefined && name !== undefined) return pageNotFound(res);
  const collectionVerbs = route.namespace === undefined ? ['list', 'watch'] : ['create', 'list', 'watch'];
  const allowed = name === undefined ? collectionVerbs : ['get', 'update', 'patch', 'delete'];
  if (!allowed.includes(verb)) return send(res, methodNotAllowed());
  const dryRun = url.searchParams.get('dryRun') === 'All';
  const prev = name === undefined ? undefined : store.get(plural, namespace, name);
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
  /** a create/update body: its version, the schema, then the webhook (validation.ts) */
  const refusal = (o: Obj) =>
    versionMismatch(o) ??
    invalidBody(admission, plural, version, o, url.searchParams.get('fieldValidation')) ??
    webhookDenial(admission, plural, o);
  switch (verb) {
    case 'watch':
      return serveWatch(ctx.watches, res, url, {
        plural,
        version,
        namespace: route.namespace,
        table: tableVersion(req),
      });
    case 'list': {
      const selector = url.searchParams.get('fieldSelector');
      const labels = selectorOrBadRequest(res, url);
      if (!labels) return;
      const items = store
        .list(plural, route.namespace)
        .map((o) => withVersion(o, version))
        .filter((o) => !selector || selector === `metadata.name=${o.metadata.name}`)
        .filter((o) => labels((o.metadata.labels as Record<string, string> | undefined) ?? {}));
      const table = tableVersion(req);
      if (table)
        return send(
          res,
          200,
          asTable(plural, table, items, store.resourceVersion(), Date.now(), includeObject(url), want),
        );
      return send(res, 200, {
        apiVersion: want,
        kind: RESOURCES[plural].listKind,
        metadata: { resourceVersion: store.resourceVersion() },
        items,
      });
    }
    case 'get': {
      if (!prev) return send(res, notFound(gvr, name!));
      const table = tableVersion(req);
      if (table)
        return send(
          res,
          200,
          asTable(plural, table, [prev], prev.metadata.resourceVersion, Date.now(), includeObject(url), want),
        );
      return send(res, 200, withVersion(prev, version));
    }
    case 'create': {
      const obj = parseBody(body, req);
      const bad = refusal(obj);
      if (bad) return send(res, bad);
      if (store.get(plural, namespace, obj.metadata?.name)) return send(res, alreadyExists(gvr, obj.metadata?.name));
      return send(res, 201, withVersion(store.create(obj, plural, namespace, manager, dryRun), version));
    }
    case 'update': {
      const obj = parseBody(body, req);
      const bad = refusal(obj);
      if (bad) return send(res, bad);
      // registry/generic/registry/store.go Update: a missing object is NotFound first (custom
      // resources AllowCreateOnUpdate() = false); then, as they allow no unconditional update
      // (AllowUnconditionalUpdate() = false), no resourceVersion is 422 — NewInvalid with the
      // GroupKind built from the *resource* ("destinationrules.networking.istio.io", the
      // TODO there citing #18526)
      if (!prev) return send(res, notFound(gvr, name!));
      const sent = obj.metadata?.resourceVersion;
      if (!sent)
        return send(
          res,
          invalid(gvr, name!, [
            {
              reason: 'FieldValueInvalid',
              field: 'metadata.resourceVersion',
              message: 'Invalid value: 0x0: must be specified for an update',
            },
          ]),
        );
      if (sent !== prev.metadata.resourceVersion) return send(res, staleConflict(gvr, name!));
      return send(res, 200, withVersion(store.update(prev, obj, plural, manager, version, dryRun), version));
    }
    case 'patch':
      return patch(ctx, req, res, url, body, { version, plural, namespace, name: name!, prev, manager, dryRun });
    case 'delete':
      return remove(ctx, res, body, { plural, namespace, name: name!, prev, dryRun });
  }
  send(res, methodNotAllowed());
}

interface Target {
  version: string;
  plural: string;
  namespace: string;
  name: string;
  prev: Obj | undefined;
  manager: string;
  dryRun: boolean;
}

function patch(
  ctx: IstioContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  body: string,
  t: Target,
): void {
  const { store, admission } = ctx;
  const { version, plural, namespace, name, prev, manager, dryRun } = t;
  const gvr = `${plural}.${ISTIO_GROUP}`;
  const ct = (req.headers['content-type'] ?? '').split(';')[0];
  if (ct === 'application/apply-patch+yaml') {
    // PatchOptions validation (apimachinery/pkg/apis/meta/v1/validation): 422 with causes
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
    const want = `${ISTIO_GROUP}/${version}`;
    if (applied.apiVersion !== want)
      return send(
        res,
        status(
          400,
          'BadRequest',
          `Incorrect version specified in apply patch. Specified patch version: ${applied.apiVersion}, expected: ${want}`,
        ),
      );
    if (applied.metadata?.managedFields !== undefined)
      return send(res, status(400, 'BadRequest', 'metadata.managedFields must be nil'));
    const typeError = applyTypeError(admission, plural, version, namespace, applied);
    if (typeError) return send(res, typeError);
    // the webhook sees the merged object: compute it as a dry run first
    const force = isTrue(url.searchParams.get('force'));
    const merged = store.apply(prev, applied, plural, namespace, version, manager, force, true);
    if (merged instanceof Status) return send(res, merged);
    const denied = webhookDenial(admission, plural, merged);
    if (denied) return send(res, denied);
    const out = dryRun ? merged : store.apply(prev, applied, plural, namespace, version, manager, force, false);
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
    const p = JSON.parse(body) as Obj;
    const sent = p.metadata?.resourceVersion;
    if (sent && sent !== prev.metadata.resourceVersion) return send(res, staleConflict(gvr, name));
    next = mergePatch(clone(prev), p);
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
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
      ),
    );
  const bad =
    invalidBody(admission, plural, version, next, url.searchParams.get('fieldValidation')) ??
    webhookDenial(admission, plural, next);
  if (bad) return send(res, bad);
  return send(res, 200, withVersion(store.update(prev, next, plural, manager, version, dryRun), version));
}

function remove(
  ctx: IstioContext,
  res: http.ServerResponse,
  body: string,
  t: Pick<Target, 'plural' | 'namespace' | 'name' | 'prev' | 'dryRun'>,
): void {
  const { plural, namespace, name, prev, dryRun } = t;
  const gvr = `${plural}.${ISTIO_GROUP}`;
  if (!prev) return send(res, notFound(gvr, name));
  // DeleteOptions.preconditions (apiserver storage/interfaces.go Preconditions.Check, an
  // InvalidObj error the registry turns into a Conflict: storeerr InterpretDeleteError).
  // The code, reason and "Precondition failed: …" text follow the source; the real
  // message also carries the StorageError wrapping, not imitated
  const pre = (body ? (JSON.parse(body) as Obj) : {}).preconditions ?? {};
  const failed = (what: string, sent: string, have: string) =>
    status(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${gvr} "${name}": Precondition failed: ${what} in precondition: ${sent}, ${what} in object meta: ${have}`,
      { name, group: ISTIO_GROUP, kind: plural },
    );
  if (pre.resourceVersion !== undefined && pre.resourceVersion !== prev.metadata.resourceVersion)
    return send(res, failed('ResourceVersion', pre.resourceVersion, prev.metadata.resourceVersion));
  if (pre.uid !== undefined && pre.uid !== prev.metadata.uid)
    return send(res, failed('UID', pre.uid, prev.metadata.uid));
  ctx.store.remove(plural, namespace, name, dryRun);
  send(res, 200, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name, group: ISTIO_GROUP, kind: plural, uid: prev.metadata.uid },
  });
}

function defaultManager(req: http.IncomingMessage): string {
  // the real server derives the manager from the user agent: "kubectl-client-side-apply"…
  return (req.headers['user-agent'] ?? 'unknown').split('/')[0];
}
function parseBody(body: string, req: http.IncomingMessage): Obj {
  const ct = req.headers['content-type'] ?? '';
  return ct.includes('yaml') ? YAML.parse(body) : JSON.parse(body);
}
export function isTrue(v: string | null): boolean {
  return v === 'true' || v === '1';
}
