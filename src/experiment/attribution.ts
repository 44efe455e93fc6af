/**
 * Attribution that needs no app change (issue 16 item 3). When a scenario names no
 * `target.subsetFrom` and its VirtualService routes to subsets, meshproof adds
 * `headers.response.set: { x-meshproof-subset: <subset> }` to each `http[].route[]` entry of the
 * VirtualService it applies: Envoy then stamps every response — proxied or a local reply on
 * that route (istio-envoy-semantics.md §6.3) — with the destination that served it. The header
 * is part of the applied object, so it shows in the plan and `--dry-run`, is journaled, and
 * restore removes it with the rest of the policy.
 *
 * The declared split (the weights the applied routes give each subset) comes from the same
 * translation the gateway gets (src/translate/): the split gate and the HTML compare
 * the observed shares with it.
 */
import { byKind } from '../policy/by-kind.js';
import type { PolicyDoc } from '../policy/model.js';
import { isPlainObject } from '../policy/yaml-reader.js';
import { translateRoutes } from '../translate/index.js';
import { ATTRIBUTION_HEADER, type Attribution, type DeclaredSplit, type SubsetFrom } from '../load/subset-from.js';

export type { Attribution, DeclaredSplit };

type Obj = Record<string, unknown>;

const isObj: (v: unknown) => v is Obj = isPlainObject;

/** A destination's name in results: its subset, else its host (a split between two services). */
function destinationName(d: Obj): string | undefined {
  const dest = isObj(d.destination) ? d.destination : {};
  return typeof dest.subset === 'string' ? dest.subset : typeof dest.host === 'string' ? dest.host : undefined;
}

function routeEntries(vs: Obj): Obj[][] {
  const spec = isObj(vs.spec) ? vs.spec : {};
  const http = Array.isArray(spec.http) ? spec.http : [];
  return http.filter(isObj).map((r) => (Array.isArray(r.route) ? r.route.filter(isObj) : []));
}

/** The VirtualService with the attribution header set on each destination (a copy). */
export function withAttributionHeader(vs: Obj): Obj {
  const out = structuredClone(vs);
  for (const entries of routeEntries(out)) {
    for (const d of entries) {
      const name = destinationName(d);
      if (name === undefined) continue;
      const headers = isObj(d.headers) ? d.headers : (d.headers = {});
      const response = isObj(headers.response) ? headers.response : (headers.response = {});
      const set = isObj(response.set) ? response.set : (response.set = {});
      set[ATTRIBUTION_HEADER] = name;
    }
  }
  return out;
}

/** The policy's weighted routes as Envoy gets them (weights of the translated weighted clusters). */
export function declaredSplits(docs: PolicyDoc[], namespace: string): DeclaredSplit[] {
  const out: DeclaredSplit[] = [];
  for (const doc of docs.filter((d) => d.kind === 'VirtualService')) {
    const ns = doc.namespace ?? namespace;
    const spec = isObj(doc.object.spec) ? doc.object.spec : {};
    const http = Array.isArray(spec.http) ? spec.http : [];
    routeEntries(doc.object).forEach((entries, i) => {
      if (entries.length < 2 || entries.some((d) => destinationName(d) === undefined)) return;
      // this http[] entry alone, translated as the gateway gets it: its weighted clusters line up
      // with the destinations the translation keeps (a zero weight is dropped, as route.go does)
      const one = { ...doc.object, spec: { ...spec, http: [{ ...(http[i] as Obj), match: undefined }] } };
      const [typed] = byKind([one]).vss;
      const clusters = translateRoutes(typed, ns)[0]?.route.weighted_clusters?.clusters ?? [];
      const kept = entries.filter((d) => typeof d.weight !== 'number' || d.weight > 0);
      const weights = entries.map((d) => ({
        subset: destinationName(d) as string,
        weight: clusters[kept.indexOf(d)]?.weight ?? 0,
      }));
      out.push({ route: `VirtualService ${ns}/${doc.name} http[${i}]`, weights });
    });
  }
  return out;
}

/**
 * Decides attribution for a run: the scenario's own `subsetFrom`, else meshproof's header when a
 * VirtualService routes to subsets, else none (undefined, docs unchanged).
 */
export function attribute(
  docs: PolicyDoc[],
  subsetFrom: SubsetFrom | undefined,
  namespace: string,
): { docs: PolicyDoc[]; attribution?: Attribution } {
  const named = docs
    .filter((d) => d.kind === 'VirtualService')
    .flatMap((d) =>
      routeEntries(d.object)
        .flat()
        .map((e) => (isObj(e.destination) ? e.destination.subset : undefined)),
    );
  const subsets = [...new Set(named.filter((s): s is string => typeof s === 'string'))];
  const declared = declaredSplits(docs, namespace);
  if (subsetFrom) return { docs, attribution: { subsetFrom, subsets, declared, injected: false } };
  if (subsets.length === 0) return { docs };
  const out = docs.map((d) => (d.kind === 'VirtualService' ? { ...d, object: withAttributionHeader(d.object) } : d));
  return { docs: out, attribution: { subsetFrom: { header: ATTRIBUTION_HEADER }, subsets, declared, injected: true } };
}

/** What meshproof adds to the applied VirtualServices, said before anything is applied. */
export function attributionNote(a: Attribution): string {
  const header = 'header' in a.subsetFrom ? a.subsetFrom.header : '';
  return `attribution: meshproof adds response header ${header} (the destination's subset) to each route[] entry of the VirtualService it applies (${a.subsets.join(', ')}); restore removes it`;
}
