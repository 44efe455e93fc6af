/**
 * `http[].match[]` as Istio's webhook checks it: `validateHTTPRouteMatchRequest`
 * (virtualservice.go), `validateStringMatch` / `validateStringMatchRegexp` /
 * `validateStringRegexp`, `ValidateHTTPHeaderNameOrJwtClaimRoute` (validation.go),
 * `jwt.ToRoutingClaim` (pkg/jwt/routing.go) and ValidateVirtualService's "JWT claim based routing
 * … is only supported for gateway". Follows current Istio: the empty-prefix rule for
 * headers/scheme/method/authority/queryParams came with Envoy 1.29-era code (older Istio only
 * checked regexes there).
 *
 * Regexes: Istio compiles them with Go's RE2 (`regexp.Compile`). JavaScript cannot parse RE2,
 * so this check is an approximation, not a port [INF]: it refuses what RE2 refuses and the local
 * mesh's JavaScript engine would accept (look-around, back-references), maps the RE2-only syntax
 * JavaScript lacks (`(?P<n>`, flag groups) before compiling, and reports other syntax errors in
 * JavaScript's words where Go would give its own.
 */
import type { FieldPath } from './model.js';
import type { Checker } from './fields.js';
import { isDns1123Label, labelProblems } from './names.js';
import { validateGatewayNames } from './validate-vs-hosts.js';

const STRING_MATCH_FIELDS = ['exact', 'prefix', 'regex'] as const;
const MATCH_FIELDS = [
  'name',
  'uri',
  'scheme',
  'method',
  'authority',
  'headers',
  'port',
  'sourceLabels',
  'gateways',
  'queryParams',
  'ignoreUriCase',
  'withoutHeaders',
  'sourceNamespace',
  'statPrefix',
] as const;
/**
 * validation.go `validHeaderNameRegex`: RFC 7230 token characters. Go's class `+-.` is a range,
 * so `,` is in it too. (Istio before the change allowed only `[-_A-Za-z0-9]`; meshproof
 * follows current Istio so no name current istiod admits is refused.)
 */
export const HEADER_NAME = /^[!#$%&'*+,\-.^_`|~A-Za-z0-9]+$/;
/** validation.go `pseudoHeaders`: matchable although they are no token. */
const PSEUDO_HEADERS = [':method', ':scheme', ':authority', ':path', ':status'];
const JWT_CLAIM = '@request.auth.claims';
const RE2_HINT = 'Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)';

/** jwt.ToRoutingClaim(name).Match: `@request.auth.claims.a.b` or `@request.auth.claims[a][b]`. */
export function isJwtClaimRoute(name: string): boolean {
  if (!name.toLowerCase().startsWith(JWT_CLAIM)) return false;
  const rest = name.slice(JWT_CLAIM.length);
  return (rest.startsWith('.') && rest.length > 1) || (rest.startsWith('[') && rest.endsWith(']') && rest.length > 2);
}

/** ValidateHTTPHeaderNameOrJwtClaimRoute. */
function headerNameProblem(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (isJwtClaimRoute(name)) return undefined;
  if (PSEUDO_HEADERS.includes(name)) return undefined;
  if (!HEADER_NAME.test(name)) return `header name ${name} is not a valid header name`;
  return undefined;
}

/** validateStringRegexp: at most 1024 characters, and RE2 must compile it. */
export function regexProblem(re: string, where: string): string | undefined {
  const w = JSON.stringify(where);
  if (Buffer.byteLength(re) > 1024) return `${w}: regex is too large, max length allowed is 1024`;
  const unsupported = /\(\?<?[=!]|\\[1-9]|\\k<|\(\?>/.exec(re);
  if (unsupported) {
    return `${w}: error parsing regexp: invalid or unsupported Perl syntax: \`${unsupported[0]}\`; ${RE2_HINT}`;
  }
  const js = re
    .replace(/\(\?P</g, '(?<')
    .replace(/\(\?[imsU-]+\)/g, '(?:)')
    .replace(/\(\?[imsU-]+:/g, '(?:');
  try {
    new RegExp(js);
  } catch (e) {
    return `${w}: error parsing regexp: ${(e as Error).message}; ${RE2_HINT}`;
  }
  return undefined;
}

/**
 * validateStringMatch (`allowEmptyPrefix` false) / validateStringMatchRegexp (true: `uri`,
 * where Envoy allows an empty prefix): the one-of itself is the CRD's.
 */
function stringMatch(c: Checker, path: FieldPath, v: unknown, where: string, allowEmptyPrefix: boolean): void {
  const sm = c.object(path, v, STRING_MATCH_FIELDS);
  if (!sm) return;
  const kinds = STRING_MATCH_FIELDS.filter((k) => sm[k] !== undefined && sm[k] !== null);
  if (kinds.length > 1) {
    c.error(path, `only one of ${STRING_MATCH_FIELDS.join(', ')} may be set, got ${kinds.join(' and ')}`);
    return;
  }
  const value = kinds.length === 1 ? c.string([...path, kinds[0]], sm[kinds[0]]) : undefined;
  if (value === undefined) return;
  if (kinds[0] === 'prefix' && value === '' && !allowEmptyPrefix) {
    c.error([...path, 'prefix'], `${JSON.stringify(where)}: prefix string match should not be empty`);
  } else if (kinds[0] === 'regex') {
    const problem =
      value === '' ? `${JSON.stringify(where)}: regex string match should not be empty` : regexProblem(value, where);
    if (problem) c.error([...path, 'regex'], problem);
  }
}

/** One route's `match` list; `jwtAllowed`: the VirtualService applies to a gateway (not the mesh). */
export function validateMatches(c: Checker, path: FieldPath, v: unknown, jwtAllowed: boolean, gateways: unknown): void {
  const list = c.list(path, v) ?? [];
  list.forEach((item, i) => {
    const at: FieldPath = [...path, i];
    const m = c.object(at, item, MATCH_FIELDS);
    if (!m) return;
    for (const field of ['headers', 'withoutHeaders'] as const) {
      const map = c.object([...at, field], m[field]);
      for (const [name, sm] of Object.entries(map ?? {})) {
        const where: FieldPath = [...at, field, name];
        if (field === 'headers' && (sm === null || sm === undefined))
          c.error(where, `header match ${name} cannot be null`);
        const problem = headerNameProblem(name);
        if (problem) c.error(where, problem);
        if (isJwtClaimRoute(name) && !jwtAllowed) {
          // ValidateVirtualService; Go prints the gateways slice with %v
          const gws = Array.isArray(gateways) ? gateways.join(' ') : '';
          c.error(
            where,
            `JWT claim based routing (key: ${name}) is only supported for gateway, found no gateways: [${gws}]`,
          );
        }
        // withoutHeaders: `regex: "*"` is not RE2 but "present" (translated as present_match)
        if (field === 'withoutHeaders' && (sm as { regex?: unknown } | null)?.regex === '*') continue;
        stringMatch(c, where, sm, field, false);
      }
    }
    stringMatch(c, [...at, 'uri'], m.uri, 'uri', true);
    for (const field of ['scheme', 'method', 'authority'] as const)
      stringMatch(c, [...at, field], m[field], field, false);
    const qp = c.object([...at, 'queryParams'], m.queryParams);
    for (const [name, sm] of Object.entries(qp ?? {}))
      stringMatch(c, [...at, 'queryParams', name], sm, 'queryParams', false);
    const port = c.integer([...at, 'port'], m.port, 0, 4_294_967_295);
    if (port !== undefined && port !== 0 && port > 65535) {
      c.error([...at, 'port'], `port number ${port} must be in the range 1..65535`);
    }
    const labels = c.object([...at, 'sourceLabels'], m.sourceLabels);
    if (labels) for (const problem of labelProblems(labels)) c.error([...at, 'sourceLabels'], problem);
    const gws = (c.list([...at, 'gateways'], m.gateways) ?? []).map((g, j) => c.string([...at, 'gateways', j], g));
    validateGatewayNames(c, [...at, 'gateways'], gws);
    const ns = c.string([...at, 'sourceNamespace'], m.sourceNamespace);
    if (ns && !isDns1123Label(ns)) c.error([...at, 'sourceNamespace'], `sourceNamespace match ${ns} is invalid`);
    c.bool([...at, 'ignoreUriCase'], m.ignoreUriCase);
    c.string([...at, 'name'], m.name);
    c.string([...at, 'statPrefix'], m.statPrefix);
  });
}
