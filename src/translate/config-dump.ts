/**
 * Does an Envoy `/config_dump` carry a policy? A pure function, so the same comparison runs
 * against a real gateway (through the API server's pod proxy, propagation.ts) and against the
 * local mesh's admin port. "Expected" is computed by src/translate/ — the one
 * DR/VS → Envoy translation — never by a second copy here.
 *
 * What is compared (istio-envoy-semantics.md §2.1, §3.1, §4.1, §5.1 and their meshproof notes):
 * for every cluster `outbound|PORT|SUBSET|FQDN` of a service a DestinationRule names, the four
 * circuit-breaker thresholds, retry_budget, the outlier detection block with the panic
 * threshold, lb_policy, and the connect / idle / keepalive settings the DR sets
 * (compareCluster); for every host a VirtualService names, each route's timeout, retry policy,
 * fault filter config, weights and header lists, matched by the route's `match` in a form
 * Istio 1.22 and 1.29 both render (matchKey). Envoy prints protobuf JSON: durations as
 * "0.500s", int64 as strings, plain proto3 zeros left out — compared by value (sameValue,
 * OMITTED_ZERO).
 */
import { isDeepStrictEqual } from 'node:util';
import type { IstioPolicies } from '../policy/by-kind.js';
import type { DestinationRule, VirtualService } from '../policy/types.js';
import {
  consistentHash,
  boundToGateway,
  clusterTrafficPolicy,
  serviceFqdn,
  subsetsFor,
  translateCluster,
  translateVirtualHosts,
  type EnvoyCluster,
  type EnvoyRoute,
  type EnvoyHeaderMutations,
  type TrafficPolicyComponents,
} from './index.js';

export interface ExpectedConfig {
  /** services named by DestinationRules; the cluster expected for each (port, subset) found */
  services: {
    fqdn: string;
    subsets: string[];
    cluster(port: number, subset: string): EnvoyCluster;
    /** what the DRs set for that cluster: fields left to defaults (mesh config's) are not compared */
    policy?(port: number, subset: string): TrafficPolicyComponents & { portEntry?: boolean };
  }[];
  /** hosts named by gateway-bound VirtualServices, with their routes in order */
  virtualHosts: { domain: string; routes: EnvoyRoute[] }[];
}

export interface CheckResult {
  ok: boolean;
  /** one sentence per difference, e.g. `cluster outbound|9080||p.default.svc.cluster.local: max_connections is 4294967295, policy says 1` */
  reasons: string[];
}

/** The expectation for a set of DestinationRules / VirtualServices (split by policy/by-kind.ts). */
export function expectedConfig(policies: IstioPolicies, defaultNamespace: string): ExpectedConfig {
  const drs = policies.drs.map((o) => withNamespace(o, defaultNamespace));
  const fqdns = [...new Set(drs.map((d) => serviceFqdn(d.spec.host, d.metadata.namespace ?? defaultNamespace)))];
  const services = fqdns.map((fqdn) => {
    // looked up by name once per cluster: a DR with 1,000 subsets has 1,000 clusters (issue 13 item 21)
    const subsets = new Map(subsetsFor(drs, fqdn).map((s) => [s.name, s]));
    return {
      fqdn,
      subsets: [...subsets.keys()],
      cluster: (port: number, subset: string) =>
        translateCluster(drs, { fqdn, port }, subset ? (subsets.get(subset) ?? { name: subset }) : undefined),
      policy: (port: number, subset: string) => clusterTrafficPolicy(drs, { fqdn, port }, subset || undefined),
    };
  });
  const vss = policies.vss.map((o) => withNamespace(o, defaultNamespace)).filter(boundToGateway);
  // a route's one destination with a consistent-hash DR gets no previous_hosts predicate (§4.1)
  const byFqdn = new Map(services.map((s) => [s.fqdn, s]));
  const hashed = (name: string) => {
    const [, port, subset, fqdn] = name.split('|');
    const svc = byFqdn.get(fqdn);
    return svc !== undefined && consistentHash(svc.cluster(Number(port), subset));
  };
  const virtualHosts = translateVirtualHosts(vss, defaultNamespace, undefined, undefined, hashed).map((vh) => ({
    domain: vh.domains[0],
    routes: vh.routes,
  }));
  return { services, virtualHosts };
}

export function checkConfigDump(dump: unknown, expected: ExpectedConfig): CheckResult {
  const reasons: string[] = [];
  const clusters = collect(dump, isCluster) as unknown as EnvoyCluster[];
  for (const svc of expected.services) {
    const mine = clusters.filter((c) => c.name.endsWith(`|${svc.fqdn}`) && c.name.startsWith('outbound|'));
    if (mine.length === 0) reasons.push(`no Envoy cluster for ${svc.fqdn} in the config_dump`);
    for (const c of mine) {
      const [, port, subset] = c.name.split('|');
      reasons.push(...compareCluster(c, svc.cluster(Number(port), subset), svc.policy?.(Number(port), subset)));
    }
    const present = new Set(mine.map((c) => c.name.split('|')[2]));
    for (const subset of svc.subsets)
      if (!present.has(subset)) reasons.push(`no Envoy cluster for subset ${subset} of ${svc.fqdn} in the config_dump`);
  }
  const vhosts = collect(dump, isVirtualHost) as unknown as { name: string; domains: string[]; routes: EnvoyRoute[] }[];
  for (const want of expected.virtualHosts) {
    const vh = vhosts.find((v) => v.domains.includes(want.domain));
    if (!vh) {
      reasons.push(`no route for host ${want.domain} in the config_dump`);
      continue;
    }
    const byMatch = routesByMatch(vh.routes);
    for (const route of want.routes) reasons.push(...compareRoute(want.domain, byMatch, route));
  }
  return { ok: reasons.length === 0, reasons };
}

const HTTP_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

/**
 * The cluster fields a DestinationRule determines. Fields Istio fills from mesh config when the
 * DR is silent (connect_timeout, tcp keepalive, protocol options) are compared only where the
 * policy sets them, and then only the leaves it sets: a mesh-level value must not hold the wait
 * forever. The h2 options are not compared (`max_concurrent_streams` depends on the Istio
 * version, cluster.ts). lb_policy is not compared for an ORIGINAL_DST cluster (a headless
 * service: Istio forces CLUSTER_PROVIDED whatever the DR says).
 */
function compareCluster(
  got: EnvoyCluster,
  want: EnvoyCluster,
  policy?: TrafficPolicyComponents & { portEntry?: boolean },
): string[] {
  const out: string[] = [];
  const where = `cluster ${got.name}`;
  const g = got.circuit_breakers?.thresholds?.find((t) => (t.priority ?? 'DEFAULT') === 'DEFAULT');
  const w = want.circuit_breakers.thresholds[0];
  for (const f of ['max_connections', 'max_pending_requests', 'max_requests', 'max_retries'] as const) {
    // Envoy's own default when the threshold is absent is 1024, not Istio's 2^32−1 (§2.1)
    const have = g?.[f];
    if (!sameValue(have, w[f])) out.push(`${where}: ${f} is ${have ?? 'unset'}, policy says ${w[f]}`);
  }
  // applyRetryBudget writes it only for a policy with retryBudget (Istio ≥ 1.28). Under a matching
  // port entry, `GetPortLevelTrafficPolicy` rebuilds the policy from the entry (which has no
  // retryBudget field); whether 1.29 carries the budget over was not verified, so a dump without
  // it is accepted there — a dump with one must still have the policy's values
  const portDropped = policy?.portEntry && w.retry_budget && g?.retry_budget === undefined;
  if (!portDropped) out.push(...compareBlock(`${where}: retry_budget`, g?.retry_budget, w.retry_budget));
  out.push(...compareBlock(`${where}: outlier_detection`, got.outlier_detection, want.outlier_detection));
  if (want.outlier_detection) {
    // applyOutlierDetection: healthy_panic_threshold = minHealthPercent, written even at 0 (`{}`);
    // absent, Envoy's panic threshold is 50 %
    const panic = got.common_lb_config?.healthy_panic_threshold;
    const wantPanic = want.common_lb_config?.healthy_panic_threshold?.value ?? 0;
    if (panic === undefined || !sameValue(panic.value ?? 0, wantPanic))
      out.push(
        `${where}: common_lb_config.healthy_panic_threshold is ${panic === undefined ? 'unset' : (panic.value ?? 0)}, policy says ${wantPanic}`,
      );
  }
  if ((got as { type?: string }).type !== 'ORIGINAL_DST') {
    // ROUND_ROBIN is the enum's zero, which proto3 JSON omits
    const have = got.lb_policy ?? 'ROUND_ROBIN';
    const lb = want.lb_policy ?? 'ROUND_ROBIN';
    if (have !== lb) out.push(`${where}: lb_policy is ${have}, policy says ${lb}`);
  }
  if (
    policy?.connectionPool?.tcp?.connectTimeout !== undefined &&
    !sameValue(got.connect_timeout, want.connect_timeout)
  )
    out.push(`${where}: connect_timeout is ${got.connect_timeout ?? 'unset'}, policy says ${want.connect_timeout}`);
  const common = want.typed_extension_protocol_options?.[HTTP_OPTIONS]?.common_http_protocol_options;
  if (common)
    out.push(
      ...compareBlock(
        `${where}: common_http_protocol_options`,
        got.typed_extension_protocol_options?.[HTTP_OPTIONS]?.common_http_protocol_options,
        common,
      ),
    );
  if (want.upstream_connection_options)
    out.push(
      ...compareBlock(
        `${where}: upstream_connection_options`,
        got.upstream_connection_options,
        want.upstream_connection_options,
      ),
    );
  return out;
}

/**
 * The dump's routes by their `match`, so finding each expected route is one lookup: 10,000
 * routes were 10^8 deep comparisons. Routes sharing a match (two `http[]` entries alike, or two
 * VirtualServices' catch-alls on one host — Istio emits them all) stay in their order: the n-th
 * expected route with a match is compared with the n-th in the dump (take()).
 */
function routesByMatch(routes: EnvoyRoute[]): { take(match: EnvoyRoute['match']): EnvoyRoute | undefined } {
  const byKey = new Map<string, EnvoyRoute[]>();
  for (const r of routes) {
    const key = matchKey(r.match);
    const same = byKey.get(key);
    if (same) same.push(r);
    else byKey.set(key, [r]);
  }
  const taken = new Map<string, number>();
  return {
    take(match) {
      const key = matchKey(match);
      const n = taken.get(key) ?? 0;
      taken.set(key, n + 1);
      return byKey.get(key)?.[n];
    },
  };
}

/**
 * A route match in one form whatever the Istio version wrote: `case_sensitive: true` is Envoy's
 * default (1.29's `TranslateRouteMatch` writes it on every matched route, older ones may not);
 * header names compare lower-case (Envoy matches them so); an inverted header's
 * `treat_missing_header_as_empty` is left out (TranslateRouteMatch sets it for withoutHeaders
 * since istio/istio#49537's fix — which release first shipped it was not verified, and issue
 * #50988 shows releases of 2024 without it: the flag follows the control plane, not the policy); query_parameters are a set (Istio
 * ranges over a Go map for them and does not sort); a `google_re2: {}` engine (older
 * RegexMatcher) is the only engine there is.
 */
function matchKey(m: EnvoyRoute['match'] | undefined): string {
  if (!m || typeof m !== 'object') return canonicalJson(m);
  const { case_sensitive, headers, query_parameters, safe_regex, ...rest } = m;
  const norm: Record<string, unknown> = { ...rest };
  if (case_sensitive === false) norm.case_sensitive = false;
  if (safe_regex) norm.safe_regex = withoutRe2Engine(safe_regex);
  if (headers?.length)
    norm.headers = headers.map(({ treat_missing_header_as_empty: _, ...h }) => ({
      ...h,
      name: h.name.toLowerCase(),
      ...(h.string_match ? { string_match: withoutRe2Engine(h.string_match) } : {}),
    }));
  if (query_parameters?.length) norm.query_parameters = query_parameters.map(canonicalJson).sort();
  return canonicalJson(norm);
}

function withoutRe2Engine<T extends object>(m: T): T {
  const { google_re2: _, ...rest } = m as T & { google_re2?: unknown };
  const inner = (rest as { safe_regex?: object }).safe_regex;
  return (inner ? { ...rest, safe_regex: withoutRe2Engine(inner) } : rest) as T;
}

/** JSON with object keys sorted: equal for exactly the values isDeepStrictEqual calls equal (plain JSON data). */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'undefined';
}

const HEADER_LISTS = [
  'request_headers_to_add',
  'request_headers_to_remove',
  'response_headers_to_add',
  'response_headers_to_remove',
] as const;

function compareRoute(domain: string, routes: ReturnType<typeof routesByMatch>, want: EnvoyRoute): string[] {
  const where = `route ${JSON.stringify(want.match)} of ${domain}`;
  const got = routes.take(want.match);
  if (!got) return [`${where}: not in the config_dump`];
  const out: string[] = [];
  if (!sameValue(got.route?.timeout ?? '0s', want.route.timeout))
    out.push(`${where}: timeout is ${got.route?.timeout ?? 'unset'}, policy says ${want.route.timeout}`);
  out.push(...compareBlock(`${where}: retry_policy`, got.route?.retry_policy, want.route.retry_policy));
  out.push(
    ...compareBlock(
      `${where}: fault`,
      got.typed_per_filter_config?.['envoy.filters.http.fault'],
      want.typed_per_filter_config?.['envoy.filters.http.fault'],
    ),
  );
  // a traffic shift changes only weights (and, attributed, the per-destination headers): without
  // these the check would pass before the gateway had the new split (issue 16)
  // Cluster names are not compared: a destination without a port translates here without the
  // service's port, which only the cluster knows; weights and header lists carry the change.
  const wantWc = want.route.weighted_clusters?.clusters;
  if (wantWc) {
    const gotWc = got.route?.weighted_clusters?.clusters ?? [];
    if (
      !sameValue(
        gotWc.map((c) => c.weight),
        wantWc.map((c) => c.weight),
      )
    )
      out.push(
        `${where}: weights are ${JSON.stringify(gotWc.map((c) => c.weight))}, policy says ${JSON.stringify(wantWc.map((c) => c.weight))}`,
      );
    else wantWc.forEach((c, i) => out.push(...headerLists(`${where}: weighted cluster ${i}`, gotWc[i], c)));
  }
  out.push(...headerLists(where, got, want));
  return out;
}

/** Header lists the policy sets must be there; Istio may add its own (alt-svc), so a list the policy lacks is not checked. */
function headerLists(where: string, got: EnvoyHeaderMutations | undefined, want: EnvoyHeaderMutations): string[] {
  return HEADER_LISTS.flatMap((k) =>
    want[k] === undefined ? [] : compareBlock(`${where}: ${k}`, appendActions(got?.[k]), want[k]),
  );
}

/**
 * A `HeaderValueOption` written with the deprecated BoolValue `append` (a control plane older
 * than `append_action`) read as `append_action`: `false` is OVERWRITE_IF_EXISTS_OR_ADD, `true` or
 * unset Envoy's default, append (APPEND_IF_EXISTS_OR_ADD, the enum's zero, which prints as
 * nothing). Unverified which Istio release switched; both are accepted.
 */
function appendActions<T>(list: T): T {
  if (!Array.isArray(list)) return list;
  return list.map((o) => {
    if (!o || typeof o !== 'object' || !('append' in o) || 'append_action' in o) return o;
    const { append, ...rest } = o as { append: unknown };
    const value = typeof append === 'object' && append !== null ? (append as { value?: unknown }).value : append;
    return value === false ? { ...rest, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' } : rest;
  }) as T;
}

/**
 * Plain (unwrapped) proto3 scalars of the compared blocks whose zero value a config_dump leaves
 * out: FractionalPercent `numerator` 0 and `denominator` HUNDRED (enum 0), `type.v3.Percent`
 * `value` 0 (e.g. `budget_percent: {}`), Thresholds `priority` DEFAULT. Wrapper-typed fields
 * (UInt32Value: consecutive_5xx, enforcing_*, num_retries …) are printed even at 0, so a missing
 * one still counts as missing.
 */
const OMITTED_ZERO: Record<string, unknown> = { numerator: 0, denominator: 'HUNDRED', value: 0, priority: 'DEFAULT' };

/** Every field the policy sets must be there with its value; a block the policy omits must be absent. */
function compareBlock(where: string, got: unknown, want: unknown): string[] {
  if (want === undefined) return got === undefined ? [] : [`${where} is present, policy has none`];
  if (got === undefined) return [`${where} is missing`];
  const out: string[] = [];
  walkLeaves(want, '', (path, value) => {
    const keys = path.split('.').filter(Boolean);
    const have = keys.reduce<any>((o, k) => (o == null ? undefined : o[k]), got);
    const leaf = keys[keys.length - 1];
    if (have === undefined && leaf !== undefined && leaf in OMITTED_ZERO && OMITTED_ZERO[leaf] === value) return;
    if (!sameValue(have, value))
      out.push(
        `${where}${path}: is ${have === undefined ? 'unset' : JSON.stringify(have)}, policy says ${JSON.stringify(value)}`,
      );
  });
  return out;
}

function walkLeaves(v: unknown, path: string, visit: (path: string, value: unknown) => void): void {
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0) {
    for (const [k, x] of Object.entries(v)) walkLeaves(x, `${path}.${k}`, visit);
  } else visit(path, v);
}

/** Protobuf JSON equality: "0.5s" = "0.500s", "5" (int64) = 5, arrays element-wise. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => sameValue((a as any)[k], (b as any)[k]));
  }
  const seconds = (v: unknown) =>
    typeof v === 'string' && /^-?\d+(\.\d+)?s$/.test(v) ? Number(v.slice(0, -1)) : undefined;
  if (seconds(a) !== undefined && seconds(b) !== undefined) return seconds(a) === seconds(b);
  if (
    (typeof a === 'number' || typeof a === 'string') &&
    (typeof b === 'number' || typeof b === 'string') &&
    a !== '' &&
    b !== ''
  )
    return Number(a) === Number(b) || a === b;
  return isDeepStrictEqual(a, b);
}

/** Every object in the dump satisfying `pred`, wherever Envoy nested it (dynamic_active_clusters, route_config …). */
function collect(
  v: unknown,
  pred: (o: Record<string, unknown>) => boolean,
  out: Record<string, unknown>[] = [],
): Record<string, unknown>[] {
  if (Array.isArray(v)) for (const x of v) collect(x, pred, out);
  else if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (pred(o)) out.push(o);
    else for (const x of Object.values(o)) collect(x, pred, out);
  }
  return out;
}
function isCluster(o: Record<string, unknown>): boolean {
  return (
    typeof o.name === 'string' &&
    o.name.startsWith('outbound|') &&
    ('circuit_breakers' in o || 'connect_timeout' in o || 'type' in o)
  );
}
function isVirtualHost(o: Record<string, unknown>): boolean {
  return Array.isArray(o.domains) && Array.isArray(o.routes);
}

function withNamespace<T extends DestinationRule | VirtualService>(o: T, ns: string): T {
  const m = o.metadata ?? {};
  return { ...o, metadata: { ...m, namespace: m.namespace ?? ns } };
}
