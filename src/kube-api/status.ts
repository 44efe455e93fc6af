/**
 * The `Status` bodies kube-apiserver answers errors with (k8s.io/apimachinery
 * pkg/api/errors/errors.go: NewNotFound, NewAlreadyExists, NewInvalid, NewConflict,
 * NewBadRequest, NewGenericServerResponse), and the conflict message of server-side apply
 * (managedfields/internal/conflict.go NewConflictError). Code, reason, message and details
 * follow those constructors.
 */
import type http from 'node:http';
import { dotted, type Conflict, type Entry } from './managed-fields.js';
import type { Obj } from './fields.js';

export const ISTIO_GROUP = 'networking.istio.io';

export class Status {
  constructor(
    readonly code: number,
    readonly json: Obj,
  ) {}
}

export function status(code: number, reason: string, message: string, details?: Obj): Status {
  return new Status(code, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    // metav1.Status.Reason is `omitempty`: a plain error's 500 (ErrorToAPIStatus) has none
    ...(reason ? { reason } : {}),
    ...(details ? { details } : {}),
    code,
  });
}

/**
 * A path go-restful knows the prefix of but has no route for (`/api/v1/<unknown>`): its 404
 * through the apiserver's service error handler, NewGenericServerResponse(404) — the generic
 * sentence, empty details.
 */
export function noRoute(): Status {
  return status(404, 'NotFound', 'the server could not find the requested resource', {});
}

/**
 * A path nothing serves (an unknown group, a version or resource the CRDs do not serve): the
 * end of kube-apiserver's delegation chain, k8s.io/apiserver pkg/util/notfoundhandler, answers
 * as Go's http.NotFound — plain text "404 page not found" (its test asserts this body).
 * client-go reports it as "the server could not find the requested resource".
 */
export function pageNotFound(res: http.ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
  res.end('404 page not found\n');
}

/** errors.NewNotFound: `<resource.group> "<name>" not found`, details.kind = the resource. */
export function notFound(gvr: string, name: string): Status {
  const [kind, ...group] = gvr.split('.');
  return status(404, 'NotFound', `${gvr} "${name}" not found`, { name, group: group.join('.'), kind });
}

export function alreadyExists(gvr: string, name: string): Status {
  const [kind, ...group] = gvr.split('.');
  return status(409, 'AlreadyExists', `${gvr} "${name}" already exists`, { name, group: group.join('.'), kind });
}

/**
 * go-restful knows the path but not the method: the apiserver's service error handler
 * (serviceErrorHandler) turns it into NewGenericServerResponse(405, …, isUnexpectedResponse
 * false) — reason MethodNotAllowed, the generic sentence, empty details. Used for every verb
 * the local API does not serve on a path it knows; the CRD handler's own answers to odd
 * verb/path combinations were not compared.
 */
export function methodNotAllowed(): Status {
  return status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
}

/** errors.NewInvalid: 422, "<Kind.group> "<name>" is invalid: <field>: <message>" (several as "[a, b]", ToAggregate), one cause per error. */
export function invalid(
  qualifiedKind: string,
  name: string,
  causes: { reason: string; field: string; message: string }[],
  details?: Obj,
): Status {
  const [kind, ...group] = qualifiedKind.split('.');
  // ErrorList.ToAggregate drops an error whose text is already in the list (the causes keep it)
  const texts = [...new Set(causes.map((c) => `${c.field}: ${c.message}`))];
  const all = texts.length > 1 ? `[${texts.join(', ')}]` : texts[0];
  return status(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${all}`, {
    ...(details ?? { name, group: group.join('.'), kind }),
    causes,
  });
}

/**
 * 409 of a server-side apply conflict, as managedfields/internal/conflict.go NewConflictError
 * and getConflictMessage build it: one cause per conflict (reason FieldManagerConflict), the
 * message "Apply failed with 1 conflict: conflict with "alice": .spec.x", or for several
 * "Apply failed with N conflicts: conflicts with "alice":\n- .spec.x\n- .spec.y" grouped by
 * manager; an Update manager is printed with "using <apiVersion>".
 */
export function applyConflict(conflicts: Conflict[]): Status {
  const who = (e: Entry) => (e.operation === 'Update' ? `"${e.manager}" using ${e.apiVersion}` : `"${e.manager}"`);
  // metav1.StatusCause serialises its Type as "reason" (`json:"reason,omitempty"`)
  const causes = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
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

/** errors.NewConflict with registry's OptimisticLockErrorMsg: a stale resourceVersion. */
export function staleConflict(gvr: string, name: string): Status {
  const [kind, ...group] = gvr.split('.');
  return status(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${gvr} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group: group.join('.'), kind },
  );
}

/**
 * A `Warning` response header's value as the apiserver writes one (k8s.io/apimachinery
 * util/net/http.go NewWarningHeader: `%03d %s %s`, code 299, agent "-", the text quoted with
 * `"` and `\\` escaped). kubectl prints each as `Warning: <text>` on stderr.
 */
export function warningHeader(text: string): string {
  const quoted = `299 - "${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  // Go writes the text's UTF-8 bytes; node's headers carry latin1 strings (one char per byte)
  return Buffer.from(quoted, 'utf8').toString('latin1');
}

/** Warnings collected while a request is judged, written as `Warning` headers on `res` as they come (the apiserver's warning recorder adds them to the response as they are recorded, whatever the response's status). */
export function warnOn(res: http.ServerResponse): (text: string) => void {
  return (text) => {
    const prev = res.getHeader('warning');
    const all = prev === undefined ? [] : Array.isArray(prev) ? prev : [String(prev)];
    res.setHeader('warning', [...all, warningHeader(text)]);
  };
}

export function send(res: http.ServerResponse, codeOrStatus: number | Status, body?: Obj): void {
  const [code, json] = codeOrStatus instanceof Status ? [codeOrStatus.code, codeOrStatus.json] : [codeOrStatus, body];
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(json));
}
