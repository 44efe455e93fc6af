/**
 * The REST verbs of `destinationrules` and `virtualservices` (networking.istio.io), as
 * kube-apiserver's handlers and registry answer them (staging/src/k8s.io/apiserver
 * pkg/endpoints/handlers create.go, update.go, patch.go, delete.go, get.go; registry/generic
 * store.go):
 *
 *  - get, list (with `fieldSelector=metadata.name=…`), watch (watch.ts)
 *  - every write's query options first (request-options.ts: a dryRun other than "All", a bad
 *    fieldValidation or fieldManager is 422 `<Kind>Options.meta.k8s.io`)
 *  - create (POST; an existing name is 409 AlreadyExists; a resourceVersion set is 500),
 *    replace (PUT; a missing object is 404, no resourceVersion is 422 — custom resources allow
 *    no unconditional update; stale is 409), a body whose apiVersion is not the URL's is 400,
 *    whose namespace is not the URL's 400, whose name is not the URL's 400 (object-meta.ts); a
 *    bad name, kind or label is 422 with the schema's causes
 *  - patch: media types other than JSON/merge/apply 415 before anything else; server-side
 *    apply (fieldManager required, 422 with causes; `force` only on apply; managedFields in
 *    the patch 400; conflicts 409; then the merged object's namespace and name 400), merge and
 *    JSON patch (stale resourceVersion 409, failed JSON-patch op 422)
 *  - delete with the body's DeleteOptions (else the query's), preconditions as BeforeDelete
 *    words them (409: the UID first, then the resourceVersion)
 *  - `dryRun=All` computes the answer without storing it
 *  - a version or resource the CRDs do not serve has no route (plain-text 404); other methods are 405
 */
import type { Rng } from '../util/random.js';
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
  warnOn,
} from './status.js';
import { applyTypeError, invalidObject, strictDecodingRefusal, webhookDenial, type Admission } from './validation.js';
import { metaCauses, nameRefusal, namespaceRefusal } from './object-meta.js';
import { deleteOptionsOf, deleteOptionsRefusal, optionsRefusal } from './request-options.js';
import { serveWatch, type WatchHub } from './watch.js';
import { asTable, includeObject, tableVersion } from './table.js';

export interface IstioContext {
  store: ObjectStore;
  served: string[];
  admission: Admission;
  watches: WatchHub;
  /** the namespace exists (NamespaceLifecycle admission refuses creates in any other) */
  namespaceExists: (namespace: string) => boolean;
  /** generateName's suffixes (seeded: a run can be replayed) */
  rng: Rng;
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
  // every dryRun value is "All" once the options are checked (request-options.ts)
  const dryRun = url.searchParams.getAll('dryRun').length > 0;
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
  /** a create/update body as the handler decodes it: its version, unknown fields, its namespace */
  const decoded = (o: Obj) =>
    versionMismatch(o) ??
    strictDecodingRefusal(admission, plural, version, o, url.searchParams.get('fieldValidation'), warnOn(res)) ??
    namespaceRefusal(o, namespace);
  /** the object the registry is about to store: the strategy's validation, then the webhook */
  const stored = (o: Obj, old?: Obj) =>
    invalidObject(admission, plural, version, o, metaCauses(o, plural), old, warnOn(res)) ??
    webhookDenial(admission, plural, o, warnOn(res));
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
      // handlers/create.go: the options, the body, then the registry store's Create
      // (rest.BeforeCreate's validation, the webhook, storage)
      const options = optionsRefusal('CreateOptions', url);
      if (options) return send(res, options);
      const obj = parseBody(body, req);
      generateName(obj, ctx.rng);
      const bad = decoded(obj) ?? missingNamespace(ctx, namespace) ?? stored(obj);
      if (bad) return send(res, bad);
      if (!dryRun && resourceVersionSet(obj)) return send(res, rvOnCreate());
      if (store.get(plural, namespace, obj.metadata?.name)) return send(res, alreadyExists(gvr, obj.metadata?.name));
      return send(res, 201, withVersion(store.create(obj, plural, namespace, manager, dryRun), version));
    }
    case 'update': {
      // handlers/update.go: the options, the body, its namespace and name (checkName) …
      const options = optionsRefusal('UpdateOptions', url);
      if (options) return send(res, options);
      const obj = parseBody(body, req);
      const bad = decoded(obj) ?? nameRefusal(obj, name!);
      if (bad) return send(res, bad);
      // … then registry/generic/registry/store.go Update: a missing object is NotFound first (custom
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
      // rest.BeforeUpdate's validation and the webhook run inside the update, after those checks
      const refused = stored(obj, prev);
      if (refused) return send(res, refused);
      return send(res, 200, withVersion(store.update(prev, obj, plural, manager, version, dryRun), version));
    }
    case 'patch':
      return patch(ctx, req, res, url, body, { version, plural, namespace, name: name!, prev, manager, dryRun });
    case 'delete':
      return remove(ctx, res, url, body, { plural, namespace, name: name!, prev });
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
  // handlers/patch.go PatchResource: the content type first (415), then the options (422)
  const ct = (req.headers['content-type'] ?? '').split(';')[0].trim();
  if (!PATCH_TYPES.includes(ct))
    return send(
      res,
      status(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(', ')}`,
      ),
    );
  const options = optionsRefusal('PatchOptions', url, ct);
  if (options) return send(res, options);
  if (ct === 'application/apply-patch+yaml') {
    const applied = YAML.parse(body) as Obj;
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
    // the patcher creates a missing object: with a resourceVersion set that is the storage's
    // 500 (etcd3 store.go Create, ErrResourceVersionSetOnCreate; a real one answered a
    // forced apply so — java-operator-sdk#2033 quotes it, Kubernetes 1.22 — the 1.32 path to
    // it was not read)
    if (!prev && !dryRun && resourceVersionSet(applied)) return send(res, rvOnCreate());
    const merged = store.apply(prev, applied, plural, namespace, version, manager, force, true);
    if (merged instanceof Status) return send(res, merged);
    // patch.go applyPatch, after the field manager: the merged object's namespace and name
    // (the applied namespace is part of the merged object, though no manager owns it)
    const misnamed = namespaceRefusal({ metadata: { ...applied.metadata } }, namespace) ?? nameRefusal(merged, name);
    if (misnamed) return send(res, misnamed);
    const gone = prev ? undefined : missingNamespace(ctx, namespace);
    if (gone) return send(res, gone);
    const denied =
      invalidObject(admission, plural, version, merged, metaCauses(merged, plural), prev, warnOn(res)) ??
      webhookDenial(admission, plural, merged, warnOn(res));
    if (denied) return send(res, denied);
    const out = dryRun ? merged : store.apply(prev, applied, plural, namespace, version, manager, force, false);
    return out instanceof Status ? send(res, out) : send(res, prev ? 200 : 201, withVersion(out, version));
  }
  if (!prev) return send(res, notFound(gvr, name));
  let next: Obj;
  if (ct === 'application/merge-patch+json') {
    const p = JSON.parse(body) as Obj;
    const sent = p.metadata?.resourceVersion;
    if (sent && sent !== prev.metadata.resourceVersion) return send(res, staleConflict(gvr, name));
    next = mergePatch(clone(prev), p);
  } else {
    const applied = jsonPatch(clone(prev), JSON.parse(body) as Obj[]);
    if (applied instanceof Error) return send(res, status(422, 'Invalid', applied.message));
    next = applied;
    const sent = next.metadata?.resourceVersion;
    if (sent && sent !== prev.metadata.resourceVersion) return send(res, staleConflict(gvr, name));
  }
  const bad =
    strictDecodingRefusal(admission, plural, version, next, url.searchParams.get('fieldValidation'), warnOn(res)) ??
    namespaceRefusal(next, namespace) ??
    nameRefusal(next, name) ??
    invalidObject(admission, plural, version, next, metaCauses(next, plural), prev, warnOn(res)) ??
    webhookDenial(admission, plural, next, warnOn(res));
  if (bad) return send(res, bad);
  return send(res, 200, withVersion(store.update(prev, next, plural, manager, version, dryRun), version));
}

function remove(
  ctx: IstioContext,
  res: http.ServerResponse,
  url: URL,
  body: string,
  t: Pick<Target, 'plural' | 'namespace' | 'name' | 'prev'>,
): void {
  const { plural, namespace, name, prev } = t;
  // handlers/delete.go DeleteResource: the body's DeleteOptions (else the query's), validated
  // before the registry looks the object up
  const options = deleteOptionsOf(body, url);
  const refused = deleteOptionsRefusal(options);
  if (refused) return send(res, refused);
  if (!prev) return send(res, notFound(`${plural}.${ISTIO_GROUP}`, name));
  // registry/rest/delete.go BeforeDelete: the UID precondition first, then the
  // resourceVersion; a Conflict whose GroupResource is the *kind* ("DestinationRule.networking.istio.io")
  const { uid, resourceVersion } = options.preconditions;
  const kind = RESOURCES[plural].kind;
  const failed = (why: string) =>
    status(409, 'Conflict', `Operation cannot be fulfilled on ${kind}.${ISTIO_GROUP} "${name}": ${why}`, {
      name,
      group: ISTIO_GROUP,
      kind,
    });
  if (uid !== undefined && uid !== prev.metadata.uid)
    return send(
      res,
      failed(
        `the UID in the precondition (${uid}) does not match the UID in record (${prev.metadata.uid}). The object might have been deleted and then recreated`,
      ),
    );
  if (resourceVersion !== undefined && resourceVersion !== prev.metadata.resourceVersion)
    return send(
      res,
      failed(
        `the ResourceVersion in the precondition (${resourceVersion}) does not match the ResourceVersion in record (${prev.metadata.resourceVersion}). The object might have been modified`,
      ),
    );
  ctx.store.remove(plural, namespace, name, options.dryRun.length > 0);
  send(res, 200, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name, group: ISTIO_GROUP, kind: plural, uid: prev.metadata.uid },
  });
}

/**
 * The media types the CRD handler accepts for PATCH (apiextensions-apiserver
 * customresource_handler.go: JSON patch, merge patch, apply; strategic merge is built-in types
 * only; apply as CBOR only behind the CBORServingAndStorage gate, off in 1.32).
 */
const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'];

/**
 * The NamespaceLifecycle admission plugin (plugin/pkg/admission/namespace/lifecycle
 * admission.go Admit): mutating admission, so before the strategy's validation, for a create
 * in a namespace that does not exist returns the namespace GET's own NotFound — 404
 * `namespaces "X" not found`, details {name, kind: namespaces}. Updates, patches and deletes
 * meet the object's own 404 first (it cannot exist there). Terminating namespaces (403) are
 * not modelled: nothing here deletes a namespace.
 */
function missingNamespace(ctx: IstioContext, namespace: string): Status | undefined {
  if (ctx.namespaceExists(namespace)) return undefined;
  return status(404, 'NotFound', `namespaces "${namespace}" not found`, { name: namespace, kind: 'namespaces' });
}

/**
 * rest.BeforeCreate: a create with `generateName` and no name is named by
 * names.SimpleNameGenerator — the prefix cut to 58 characters, then 5 random characters of
 * utilrand's alphabet (no vowels, no 0/1/3). The generated name is validated like any other;
 * generateName's own prefix validation is not imitated.
 */
function generateName(o: Obj, rng: Rng): void {
  const prefix = o?.metadata?.generateName;
  if (!prefix || o.metadata.name) return;
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += alphabet[rng.int(alphabet.length)];
  o.metadata.name = `${String(prefix).slice(0, 58)}${suffix}`;
}

/** storage.Versioner ObjectResourceVersion: a resourceVersion that parses as a non-zero uint64 (#113847: "-1" passes) */
function resourceVersionSet(o: Obj): boolean {
  const rv = o?.metadata?.resourceVersion;
  return typeof rv === 'string' && /^\d+$/.test(rv) && BigInt(rv) !== 0n;
}
/** storage.ErrResourceVersionSetOnCreate through ErrorToAPIStatus: a plain error, 500 without reason or details */
function rvOnCreate(): Status {
  return status(500, '', 'resourceVersion should not be set on objects to be created');
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
