/**
 * The read-only core resources the local Kubernetes API serves (`/api/v1`): namespaces,
 * services and pods, as a caller describes them (the composition layer: the mesh's gateway
 * and app). get and list, with equality label selectors (`a=b,c!=d`, `a==b`, `a`, `!a`) as
 * labels.Parse reads them; `watch` and writes are not served (405), unknown paths 404.
 */
import type http from 'node:http';
import type { Obj } from './fields.js';
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
  const matches = labelSelector(url.searchParams.get('labelSelector'));
  send(res, 200, {
    kind: LIST_KIND[plural],
    apiVersion: 'v1',
    metadata: { resourceVersion: resourceVersion() },
    items: all.filter((o) => matches(o.metadata?.labels ?? {})),
  });
  return true;
}

/** An equality-based label selector (labels.Parse's `=`, `==`, `!=`, exists, `!` not exists); set-based terms are not read. */
export function labelSelector(sel: string | null): (labels: Record<string, string>) => boolean {
  if (!sel) return () => true;
  const terms = sel.split(',').map((t) => t.trim());
  const tests = terms.map((t): ((l: Record<string, string>) => boolean) => {
    let m = /^([^!=\s]+)\s*!=\s*(.*)$/.exec(t);
    if (m) {
      const [, k, v] = m;
      return (l) => l[k] !== v;
    }
    m = /^([^!=\s]+)\s*==?\s*(.*)$/.exec(t);
    if (m) {
      const [, k, v] = m;
      return (l) => l[k] === v;
    }
    if (t.startsWith('!')) return (l) => !(t.slice(1) in l);
    return (l) => t in l;
  });
  return (labels) => tests.every((f) => f(labels));
}
