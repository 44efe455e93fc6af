/**
 * The read-only core resources the local Kubernetes API serves (`/api/v1`): namespaces,
 * services and pods, as a caller describes them (the composition layer: the mesh's gateway
 * and app). get and list, with label selectors as labels.Parse reads them (label-selector.ts;
 * 400 when one does not parse); `watch` and writes are not served (405), unknown paths 404.
 */
import type http from 'node:http';
import type { Obj } from './fields.js';
import { selectorOrBadRequest } from './label-selector.js';
import { methodNotAllowed, notFound, send } from './status.js';

export interface CoreObjects {
  namespaces: Obj[];
  services: Obj[];
  pods: Obj[];
}

const LIST_KIND: Record<string, string> = { namespaces: 'NamespaceList', services: 'ServiceList', pods: 'PodList' };

/** `/api/v1/namespaces[/NAME]` and `/api/v1[/namespaces/NS]/(services|pods)[/NAME]`. */
const CORE_PATH =
  /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?(services|pods)(?:\/([^/]+))?$|^\/api\/v1\/namespaces(?:\/([^/]+))?$/;

/** true when the path is one of the core resources served here (answered); false = not ours. */
export function handleCore(
  objects: () => CoreObjects,
  resourceVersion: () => string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
): boolean {
  const m = CORE_PATH.exec(url.pathname);
  if (!m) return false;
  const [plural, namespace, name] = m[2] ? [m[2], m[1], m[3]] : ['namespaces', undefined, m[4]];
  if (req.method !== 'GET') return (send(res, methodNotAllowed()), true);
  if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1')
    return (send(res, methodNotAllowed()), true);
  const all = (objects() as unknown as Record<string, Obj[]>)[plural].filter(
    (o) => namespace === undefined || o.metadata?.namespace === namespace,
  );
  if (name !== undefined) {
    const found = all.find((o) => o.metadata?.name === name);
    send(res, found ? 200 : notFound(plural, name), found);
    return true;
  }
  const matches = selectorOrBadRequest(res, url);
  if (!matches) return true;
  send(res, 200, {
    kind: LIST_KIND[plural],
    apiVersion: 'v1',
    metadata: { resourceVersion: resourceVersion() },
    items: all.filter((o) => matches(o.metadata?.labels ?? {})),
  });
  return true;
}
