/**
 * Envoy's header mutations for a route entry (istio-envoy-semantics.md §6.3): the
 * `*_headers_to_add` / `*_headers_to_remove` lists istiod writes from a VirtualService's
 * `headers` (src/translate/headers.ts), compiled once per push.
 *
 * Per list (Envoy `HeaderParser::evaluateHeaders`, source/common/router/header_parser.cc):
 * every remove first ("remove-before-add"), then each add in order — OVERWRITE_IF_EXISTS_OR_ADD
 * replaces every value of the header (`setReferenceKey`), APPEND_IF_EXISTS_OR_ADD adds one more
 * value (`addReferenceKey`); an empty value is not added.
 *
 * Between levels (config_impl.h `WeightedClusterEntry::finalize{Request,Response}Headers`, then
 * `RouteEntryImplBase::finalize…` with `most_specific_header_mutations_wins` false — its
 * default, which Istio's route.go does not set): the weighted cluster's lists are evaluated
 * first, the route's after them, so a route-level `set` overrides a destination-level `set`
 * of the same header and a route-level `remove` removes what a destination added.
 *
 * Values are literal here: Envoy would expand `%VAR%` formatters in them (not emulated).
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { EnvoyHeaderMutations } from '../translate/index.js';

interface Add {
  key: string;
  value: string;
  append: boolean;
}
/** One HeaderParser: what one level (route or weighted cluster) does to one direction. */
export interface HeaderParser {
  remove: string[];
  add: Add[];
}
/** The parsers a request runs, weighted cluster's first (a level with no lists adds none). */
export interface EntryMutations {
  request: HeaderParser[];
  response: HeaderParser[];
}
export const NO_MUTATIONS: EntryMutations = { request: [], response: [] };

function parser(
  add: EnvoyHeaderMutations['request_headers_to_add'],
  remove: string[] | undefined,
): HeaderParser | null {
  if (!add?.length && !remove?.length) return null;
  return {
    // Envoy keeps header names as LowerCaseString; node's header objects are keyed lower-case
    remove: (remove ?? []).map((k) => k.toLowerCase()),
    add: (add ?? []).map((o) => ({
      key: o.header.key.toLowerCase(),
      value: o.header.value,
      append: o.append_action !== 'OVERWRITE_IF_EXISTS_OR_ADD',
    })),
  };
}

/** The route entry a request uses: the chosen weighted cluster's lists (if any), then the route's. */
export function entryMutations(route: EnvoyHeaderMutations, cluster: EnvoyHeaderMutations | undefined): EntryMutations {
  const levels = cluster ? [cluster, route] : [route];
  const request: HeaderParser[] = [];
  const response: HeaderParser[] = [];
  for (const l of levels) {
    const rq = parser(l.request_headers_to_add, l.request_headers_to_remove);
    const rs = parser(l.response_headers_to_add, l.response_headers_to_remove);
    if (rq) request.push(rq);
    if (rs) response.push(rs);
  }
  return request.length || response.length ? { request, response } : NO_MUTATIONS;
}

/** Runs `parsers` over a node header object (lower-case keys) in place. */
export function evaluate(parsers: HeaderParser[], h: OutgoingHttpHeaders): void {
  for (const p of parsers) {
    for (const k of p.remove) delete h[k];
    for (const a of p.add) {
      if (a.value === '') continue;
      const had = h[a.key];
      if (!a.append || had === undefined) h[a.key] = a.value;
      else h[a.key] = [...(Array.isArray(had) ? had : [String(had)]), a.value];
    }
  }
}
