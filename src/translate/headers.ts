/**
 * Istio `headers.request` / `headers.response` (`set`, `add`, `remove`) → Envoy header
 * mutations, as istiod writes them (pilot/pkg/networking/core/route/route.go,
 * `TranslateHeadersOperations` / `translateAppendHeaders` / `dropInternal`):
 *
 * * `set` → `HeaderValueOption{append_action: OVERWRITE_IF_EXISTS_OR_ADD}`, `add` →
 *   `APPEND_IF_EXISTS_OR_ADD`; each map sorted by key (`sort.Stable(SortHeaderValueOption)`),
 *   the `set` list before the `add` list.
 * * `:`-prefixed keys and `host` are internal (`isInternalHeader`): dropped from every list
 *   (a `set`/`add` of `:authority`/`host` becomes a host rewrite, which the local mesh does not
 *   emulate: its pods do not look at Host).
 * * Route level (`http[].headers`) → the Envoy route's `*_headers_to_add/remove`. Destination
 *   level (`route[].headers`): with one destination its lists are *appended* to the route's
 *   (`processDestination`); with several, each goes on its `WeightedCluster.ClusterWeight`
 *   (`processWeightedDestination`). Evaluation order: istio-envoy-semantics.md §6.3.
 */
import type { Headers } from '../policy/types.js';

/**
 * Envoy `HeaderValueOption` as istiod writes it. `append_action` APPEND_IF_EXISTS_OR_ADD is the
 * enum's zero value (config/core/v3/base.proto HeaderAppendAction), which proto3 JSON — and so
 * `/config_dump` — omits: absent means append.
 */
export interface EnvoyHeaderValueOption {
  header: { key: string; value: string };
  append_action?: 'OVERWRITE_IF_EXISTS_OR_ADD';
}
/** The header lists an Envoy Route and a WeightedCluster.ClusterWeight carry alike. */
export interface EnvoyHeaderMutations {
  request_headers_to_add?: EnvoyHeaderValueOption[];
  request_headers_to_remove?: string[];
  response_headers_to_add?: EnvoyHeaderValueOption[];
  response_headers_to_remove?: string[];
}

/** `isInternalHeader`: pseudo-headers and Host cannot be changed through header lists. */
function isInternal(key: string): boolean {
  return key.startsWith(':') || key.toLowerCase() === 'host';
}

function appendList(map: Record<string, unknown> | undefined, append: boolean): EnvoyHeaderValueOption[] {
  if (!map || typeof map !== 'object') return [];
  return Object.keys(map)
    .filter((k) => !isInternal(k) && typeof map[k] === 'string')
    .sort()
    .map(
      (key): EnvoyHeaderValueOption =>
        append
          ? { header: { key, value: map[key] as string } }
          : { header: { key, value: map[key] as string }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
    );
}

function removeList(keys: unknown[] | undefined): string[] {
  return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string' && !isInternal(k)) : [];
}

/** `TranslateHeadersOperations`; fields with nothing in them are left out, as proto3 JSON does. */
export function translateHeaders(h: Headers | undefined): EnvoyHeaderMutations {
  // unvalidated YAML may still put a scalar here (translation never throws on it)
  if (!h || typeof h !== 'object') return {};
  const { request, response } = h;
  const out: EnvoyHeaderMutations = {};
  const reqAdd = [...appendList(request?.set, false), ...appendList(request?.add, true)];
  const resAdd = [...appendList(response?.set, false), ...appendList(response?.add, true)];
  const reqRemove = removeList(request?.remove);
  const resRemove = removeList(response?.remove);
  if (reqAdd.length) out.request_headers_to_add = reqAdd;
  if (reqRemove.length) out.request_headers_to_remove = reqRemove;
  if (resAdd.length) out.response_headers_to_add = resAdd;
  if (resRemove.length) out.response_headers_to_remove = resRemove;
  return out;
}

/** `processDestination`: a single destination's lists appended to the route's. */
export function appendMutations(a: EnvoyHeaderMutations, b: EnvoyHeaderMutations): EnvoyHeaderMutations {
  const out: EnvoyHeaderMutations = {};
  for (const k of [
    'request_headers_to_add',
    'request_headers_to_remove',
    'response_headers_to_add',
    'response_headers_to_remove',
  ] as const) {
    const list = [...(a[k] ?? []), ...(b[k] ?? [])];
    if (list.length) (out as Record<string, unknown>)[k] = list;
  }
  return out;
}
