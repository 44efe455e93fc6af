/**
 * An HTTP route's parts Istio's webhook checks beyond timeout, retries and fault
 * (istio-envoy-semantics.md §7.3): destination weights (`validateHTTPRouteDestinations`,
 * `validateWeight`), conflicts (`validateHTTPRouteConflict`), matches
 * (`validateHTTPRouteMatchRequest`), redirect, directResponse, rewrite and mirrors. Each case
 * passed meshproof before and is refused by istiod (or the reverse, where said).
 * `vsRoute(route)`: the route's first line is 8, its keys at column 7.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertNone, assertOne, validateText, vs, vsRoute } from './helpers.js';

const R = 'spec.http[0]';
const found = (text: string) => validateText(text).map((f) => `${f.line}:${f.column} ${f.path}: ${f.message}`);

test('§7.3 weights: a negative weight is "weight N < 0"; two or more destinations may not all weigh 0', () => {
  const two = (a: number, b: number) =>
    vsRoute(
      `route:\n  - destination: {host: productpage, subset: v1}\n    weight: ${a}\n  - destination: {host: productpage, subset: v2}\n    weight: ${b}`,
    );
  assertOne(validateText(two(0, 0)), {
    path: `${R}.route`,
    line: 8,
    column: 7,
    message: 'total destination weight = 0',
  });
  assertOne(validateText(two(-1, 101)), {
    path: `${R}.route[0].weight`,
    line: 10,
    column: 11,
    message: 'weight -1 < 0',
  });
  assertNone(validateText(two(0, 100)));
  assertNone(validateText(two(30, 30))); // Istio does not require a sum of 100
  // one destination with weight 0 is fine: the total rule needs two or more
  assertNone(validateText(vsRoute('route:\n  - destination: {host: productpage}\n    weight: 0')));
});

test('§7.3 destination host: a wildcard domain; an IP address fails (all-numeric top-level label)', () => {
  const dest = (host: string) => vsRoute(`route:\n  - destination:\n      host: "${host}"`);
  assertOne(validateText(dest('10.0.0.1')), {
    path: `${R}.route[0].destination.host`,
    line: 10,
    column: 13,
    message: 'domain name "0.0.1" invalid (top level domain "1" cannot be all-numeric)',
  });
  assertNone(validateText(dest('reviews.default.svc.cluster.local.'))); // trailing dot allowed
  assertNone(validateText(dest('*-canary.example.com'))); // IsWildcardDNS1123Label: "*-" prefix
});

test('§7.3 route conflicts: redirect and directResponse exclude route, rewrite and each other; mirror excludes mirrors', () => {
  assert.equal(found(vsRoute('route:\n  - destination: {host: productpage}\nredirect: {uri: /x}')), [
    '10:7 spec.http[0].redirect: HTTP route cannot contain both route and redirect',
  ]);
  assert.equal(found(vsRoute('redirect: {uri: /x}\nrewrite: {uri: /y}')), [
    '9:7 spec.http[0].rewrite: HTTP route rule cannot contain both rewrite and redirect',
  ]);
  assert.equal(found(vsRoute('redirect: {uri: /x}\ndirectResponse: {status: 503}')), [
    '9:7 spec.http[0].directResponse: HTTP route rule cannot contain both direct_response and redirect',
  ]);
  assert.equal(found(vsRoute('route:\n  - destination: {host: productpage}\ndirectResponse: {status: 503}')), [
    '10:7 spec.http[0].directResponse: HTTP route cannot contain both route and direct_response',
  ]);
  assert.equal(found(vs('mirror: {host: shadow}\nmirrors:\n  - destination: {host: shadow2}')), [
    '8:7 spec.http[0]: HTTP route cannot contain both mirror and mirrors',
  ]);
});

test('§7.3 match: header names, empty prefixes, RE2 regexes; an empty uri prefix is allowed', () => {
  const match = (m: string) => vsRoute(`match:\n  - ${m}\nroute:\n  - destination: {host: productpage}`);
  assertOne(validateText(match('headers: {"x user": {exact: a}}')), {
    path: `${R}.match[0].headers["x user"]`,
    line: 9,
    column: 21,
    message: 'header name x user is not a valid header name',
  });
  assertOne(validateText(match('method: {prefix: ""}')), {
    path: `${R}.match[0].method.prefix`,
    line: 9,
    column: 20,
    message: '"method": prefix string match should not be empty',
  });
  // look-ahead: JavaScript (the local mesh) runs it, RE2 (Istio) refuses it
  assertOne(validateText(match('uri: {regex: "/a(?=b)"}')), {
    path: `${R}.match[0].uri.regex`,
    line: 9,
    column: 17,
    message:
      '"uri": error parsing regexp: invalid or unsupported Perl syntax: `(?=`; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)',
  });
  assertOne(validateText(match('uri: {regex: ""}')), {
    path: `${R}.match[0].uri.regex`,
    line: 9,
    column: 17,
    message: '"uri": regex string match should not be empty',
  });
  for (const ok of [
    'uri: {prefix: ""}',
    'uri: {regex: "(?i)/Shop/.*"}',
    'uri: {regex: "(?P<v>v[0-9])"}',
    'port: 8080',
  ]) {
    assertNone(validateText(match(ok)));
  }
  assertOne(validateText(match('port: 70000')), {
    path: `${R}.match[0].port`,
    line: 9,
    column: 11,
    message: 'port number 70000 must be in the range 1..65535',
  });
});

test('§7.3 match: JWT claim routing (@request.auth.claims.*) is for VirtualServices bound to a gateway only', () => {
  const jwt =
    'match:\n  - headers:\n      "@request.auth.claims.group": {exact: admin}\nroute:\n  - destination: {host: productpage}';
  assertOne(validateText(vsRoute(jwt)), {
    path: `${R}.match[0].headers.@request.auth.claims.group`,
    line: 10,
    column: 13,
    message:
      'JWT claim based routing (key: @request.auth.claims.group) is only supported for gateway, found no gateways: []',
  });
  assertNone(validateText(vsRoute(jwt).replace('  http:\n', '  gateways: [bookinfo-gateway]\n  http:\n')));
});

test('§7.3 redirect, directResponse, rewrite, mirror percentage: the webhook rules', () => {
  assertOne(validateText(vsRoute('redirect: {uri: /x, redirectCode: 200}')), {
    path: `${R}.redirect.redirectCode`,
    line: 8,
    column: 27,
    message: '200 is not a valid redirect code, must be 3xx',
  });
  assertOne(validateText(vsRoute('redirect: {redirectCode: 301}')), {
    path: `${R}.redirect`,
    line: 8,
    column: 7,
    message: 'redirect must specify URI, authority, scheme, or port',
  });
  assertOne(validateText(vsRoute('directResponse: {status: 700}')), {
    path: `${R}.directResponse.status`,
    line: 8,
    column: 24,
    message: 'HTTP status 700 is not in range 200-599',
  });
  assertOne(validateText(vs('rewrite: {}')), {
    path: `${R}.rewrite`,
    line: 11,
    column: 7,
    message:
      'rewrite must specify at least one of URI, UriRegexRewrite, or authority. Only one of URI or UriRegexRewrite may be specified',
  });
  assertOne(validateText(vs('mirror: {host: shadow}\nmirrorPercentage: {value: 150}')), {
    path: `${R}.mirrorPercentage.value`,
    line: 12,
    column: 26,
    message: 'mirror_percentage must have a max value of 100 (it has 150.000000)',
  });
  assertNone(validateText(vs('rewrite: {uri: /v2}\nmirror: {host: shadow}\nmirrorPercentage: {value: 10}')));
});

test('§7.3 corsPolicy: origins, methods, header names, maxAge in whole seconds (validateCORSPolicy)', () => {
  const cors = (p: string) => found(vs(`corsPolicy:\n  ${p}`));
  assert.equal(cors('allowOrigins: [{exact: ""}]'), [
    "12:24 spec.http[0].corsPolicy.allowOrigins[0]: '' is not a valid match type for CORS allow origins",
  ]);
  assert.equal(cors('allowMethods: [GET, FETCH]'), [
    '12:29 spec.http[0].corsPolicy.allowMethods[1]: "FETCH" is not a supported HTTP method',
  ]);
  assert.equal(cors('allowHeaders: ["x user"]'), [
    '12:24 spec.http[0].corsPolicy.allowHeaders[0]: header name x user is not a valid header name',
  ]);
  assert.equal(cors('maxAge: 1.5s'), [
    '12:9 spec.http[0].corsPolicy.maxAge: max_age duration is accurate only to seconds precision',
  ]);
  assert.equal(
    cors(
      'allowOrigins: [{prefix: "https://"}]\n  allowMethods: ["*", POST]\n  allowHeaders: ["*", x-user]\n  maxAge: 24h',
    ),
    [],
  );
});

test.run();
