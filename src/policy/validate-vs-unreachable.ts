/**
 * The warnings Istio's webhook returns for HTTP rules that can never match:
 * `analyzeUnreachableHTTPRules`, `genMatchHTTPRoutes`, `coveredValidation`, `asJSON`,
 * `routeName`, `requestName` (pkg/config/validation/validation.go, current revision — it added
 * "route without matches defined before"), with their messages (VirtualServiceUnreachableRule,
 * VirtualServiceIneffectiveMatch). Warnings, not errors: istiod admits the object.
 * Quirks kept: a match without a method counts as `exact:GET`; the overlap test compares
 * method, authority and header values with `HasPrefix` in the direction Istio does.
 */
import type { FieldPath } from './model.js';
import type { Checker } from './fields.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

interface PrefixMatch {
  route: string;
  match: string;
  at: FieldPath;
  prefix: string;
  port: number;
  method: string;
  authority: string;
  headers: Map<string, string>;
  queryParams: Map<string, string>;
  withoutHeaders: Map<string, string>;
}

export function warnUnreachableRules(c: Checker, path: FieldPath, routes: unknown[]): void {
  const unused = (at: FieldPath, rule: string, reason: string) =>
    c.warn(at, `virtualService rule ${rule} not used (${reason})`);
  const ineffective = (at: FieldPath, rule: string, match: string, dup: string) =>
    c.warn(at, `virtualService rule ${rule} match ${match} is not used (duplicate/overlapping match in rule ${dup})`);
  const seen = new Map<string, number>();
  let emptyAt = -1;
  const prefixes: PrefixMatch[] = [];
  routes.forEach((r, i) => {
    if (!isObj(r)) return;
    const at: FieldPath = [...path, i];
    const matches = Array.isArray(r.match) ? r.match : [];
    if (matches.length === 0) {
      if (emptyAt >= 0) unused(at, routeName(r, i), 'only the last rule can have no matches');
      emptyAt = i;
      return;
    }
    let duplicates = 0;
    matches.forEach((m, j) => {
      if (emptyAt >= 0) {
        unused(at, routeName(r, i), 'route without matches defined before');
        return;
      }
      const key = asJson(m);
      const dup = seen.get(key);
      if (dup !== undefined) {
        ineffective([...at, 'match', j], routeName(r, i), requestName(m, j), routeName(routes[dup], dup));
        duplicates++;
        return;
      }
      seen.set(key, i);
      const p = prefixMatch(r, i, m, j, [...at, 'match', j]);
      if (p) prefixes.push(p);
    });
    if (duplicates === matches.length) unused(at, routeName(r, i), 'all matches used by prior rules');
  });
  for (let a = 0; a < prefixes.length; a++) {
    for (let b = a + 1; b < prefixes.length; b++) {
      const A = prefixes[a];
      const B = prefixes[b];
      if (A.prefix === B.prefix) continue;
      if (covered(A, B)) {
        ineffective(
          B.at,
          B.route,
          `${B.match} of prefix ${B.prefix}`,
          `${A.match} of prefix ${A.prefix} on ${A.route}`,
        );
      }
    }
  }
}

/** routeName: the route's name quoted (%q), else `#index`. */
function routeName(r: unknown, i: number): string {
  const name = isObj(r) && typeof r.name === 'string' ? r.name : '';
  return name ? JSON.stringify(name) : `#${i}`;
}
const requestName = routeName;

/** HTTPMatchRequest's map fields (Go maps: sorted keys; every entry printed, a nil value as null). */
const MATCH_MAPS = new Set(['headers', 'queryParams', 'withoutHeaders', 'sourceLabels']);

/**
 * asJSON: the match without its name, as encoding/json writes the Go struct. Only the match's own
 * fields are `omitempty` (nil, false, 0, "", empty list or map left out); a StringMatch that is
 * set is printed even when empty (`{"MatchType":null}`: a presence match `x: {}`), and a nil match
 * is `null`, not `{}`. Inside a StringMatch a YAML null is an unset field (protojson).
 */
function asJson(m: unknown): string {
  if (!isObj(m)) return 'null';
  const message = (v: unknown): unknown =>
    isObj(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .filter((k) => v[k] !== null && v[k] !== undefined)
            .map((k) => [k, message(v[k])]),
        )
      : v;
  const out: Obj = {};
  for (const k of Object.keys(m).sort()) {
    const v = m[k];
    const empty =
      v === null ||
      v === undefined ||
      v === false ||
      v === 0 ||
      v === '' ||
      (Array.isArray(v) && v.length === 0) ||
      (MATCH_MAPS.has(k) && isObj(v) && Object.keys(v).length === 0);
    if (k === 'name' || empty) continue;
    out[k] =
      MATCH_MAPS.has(k) && isObj(v)
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((h) => [h, message(v[h]) ?? null]),
          )
        : message(v);
  }
  return JSON.stringify(out);
}

/** assignExactOrPrefix */
function exactOrPrefix(sm: unknown): string {
  if (!isObj(sm)) return '';
  if (typeof sm.exact === 'string' && sm.exact) return `exact:${sm.exact}`;
  if (typeof sm.prefix === 'string' && sm.prefix) return `prefix:${sm.prefix}`;
  return '';
}

function stringMap(v: unknown): Map<string, string> {
  return new Map(isObj(v) ? Object.entries(v).map(([k, sm]) => [k, exactOrPrefix(sm)]) : []);
}

/** genMatchHTTPRoutes: only matches with a non-empty uri prefix take part. */
function prefixMatch(r: Obj, i: number, m: unknown, j: number, at: FieldPath): PrefixMatch | undefined {
  if (!isObj(m) || !isObj(m.uri) || typeof m.uri.prefix !== 'string' || m.uri.prefix === '') return undefined;
  return {
    route: routeName(r, i),
    match: requestName(m, j),
    at,
    prefix: m.uri.prefix,
    port: typeof m.port === 'number' ? m.port : 0,
    method: exactOrPrefix(m.method) || 'exact:GET',
    authority: exactOrPrefix(m.authority),
    headers: stringMap(m.headers),
    queryParams: stringMap(m.queryParams),
    withoutHeaders: stringMap(m.withoutHeaders),
  };
}

/** coveredValidation(vA, vB): does the earlier match A cover the later B? */
function covered(a: PrefixMatch, b: PrefixMatch): boolean {
  if (!b.prefix.startsWith(a.prefix)) return false;
  if (b.port !== a.port) return false;
  if (a.method !== b.method && !a.method.startsWith(b.method)) return false;
  if (a.authority !== b.authority && !a.authority.startsWith(b.authority)) return false;
  const mapCovered = (x: Map<string, string>, y: Map<string, string>) => {
    if (x.size !== y.size) return false;
    for (const [k, v] of x) {
      const w = y.get(k);
      if (w === undefined || (v !== w && !v.startsWith(w))) return false;
    }
    return true;
  };
  return (
    mapCovered(a.headers, b.headers) &&
    mapCovered(a.queryParams, b.queryParams) &&
    mapCovered(a.withoutHeaders, b.withoutHeaders)
  );
}
