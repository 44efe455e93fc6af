/**
 * Header operations (istio-envoy-semantics.md §6.3, §7.3) as Istio's webhook checks them:
 * `ValidateHTTPHeaderWithAuthorityOperationName`, `ValidateHTTPHeaderOperationName`,
 * `ValidateHTTPHeaderValue` / `validateHeaderValue` (validation.go, header_value_validator.go),
 * `validateAuthorityRewrite` (virtualservice.go). The local mesh silently drops `:`-keys and
 * `host` (translate/headers.ts): before these rules it ran policies istiod refuses.
 */
import { test } from 'uvu';
import { assertNone, assertOne, validateText, vs, vsRoute } from './helpers.js';
import { envoyHeaderValueProblem } from '../../src/policy/validate-headers.js';
import * as assert from 'uvu/assert';

const R = 'spec.http[0]';
/** `headers:` on line 11 (column 7); its inner lines follow. */
const headers = (body: string) => validateText(vs(`headers:\n${body}`));

test('§7.3 response headers: neither Host nor a ":" pseudo-header may be set, added or removed', () => {
  assertOne(headers('  response:\n    set: {host: example.com}'), {
    path: `${R}.headers.response.set.host`,
    line: 13,
    column: 17,
    message: 'invalid header "host": cannot set Host header',
  });
  assertOne(headers('  response:\n    remove: [":status"]'), {
    path: `${R}.headers.response.remove[0]`,
    line: 13,
    column: 20,
    message: 'invalid header ":status": header cannot have ":" prefix',
  });
  assertNone(headers('  response:\n    set: {x-served-by: meshproof}\n    remove: [server]'));
});

test('§7.3 request headers: set/add may name :authority or host (an authority rewrite), not other pseudo-headers', () => {
  assertOne(headers('  request:\n    add: {":path": /x}'), {
    path: `${R}.headers.request.add.:path`,
    line: 13,
    column: 17,
    message: 'invalid header ":path": header cannot have ":" prefix',
  });
  assertOne(headers('  request:\n    remove: [Host]'), {
    path: `${R}.headers.request.remove[0]`,
    line: 13,
    column: 20,
    message: 'invalid header "Host": cannot set Host header',
  });
  assertOne(headers('  request:\n    set: {"": x}'), {
    path: `${R}.headers.request.set[""]`,
    line: 13,
    column: 17,
    message: 'header name cannot be empty',
  });
  assertNone(headers('  request:\n    set: {host: reviews.example.com}'));
});

test('§7.3 one authority rewrite per route: rewrite.authority and a request set of :authority conflict', () => {
  assertOne(
    validateText(
      vs('rewrite: {authority: a.example.com}\nheaders:\n  request:\n    set: {":authority": b.example.com}'),
    ),
    {
      path: `${R}.headers.request.set.:authority`,
      line: 14,
      column: 17,
      message: 'authority header cannot be set multiple times: have "a.example.com", attempting to set "b.example.com"',
    },
  );
});

test('§7.3 header values: control characters and a lone "%" are refused; %VAR% and "%%" pass (Envoy header_parser.cc)', () => {
  assertOne(headers('  response:\n    set: {x-ratio: "50%"}'), {
    path: `${R}.headers.response.set.x-ratio`,
    line: 13,
    column: 17,
    message: 'header value configuration: invalid header configuration. Un-escaped %',
  });
  assertOne(headers('  response:\n    add: {x-a: "a\\u0001b"}'), {
    path: `${R}.headers.response.add.x-a`,
    line: 13,
    column: 17,
    message: 'header value configuration a\u0001b is invalid',
  });
  assertNone(headers('  response:\n    set: {x-host: "%HOSTNAME%", x-pct: "50%%", x-tab: "a\\tb"}'));
  // a destination's headers are checked the same way (validateHTTPRouteDestinations)
  const dest = validateText(
    vsRoute('route:\n  - destination: {host: productpage}\n    headers:\n      request:\n        remove: [":method"]'),
  );
  assertOne(dest, {
    path: `${R}.route[0].headers.request.remove[0]`,
    line: 12,
    column: 24,
    message: 'invalid header ":method": header cannot have ":" prefix',
  });
});

test('validateHeaderValue state machine: the Go port gives the same verdicts', () => {
  const cases: [string, string | undefined][] = [
    ['plain', undefined],
    ['%START_TIME%', undefined],
    ['%START_TIME(%s)%', undefined],
    ['%PER_REQUEST_STATE(["a", "b"])%', undefined],
    ['100%%', undefined],
    ['abc%', 'invalid header configuration. Un-escaped %'],
    ['%START_TIME', "invalid header configuration. Un-terminated variable expression '%START_TIME'"],
    ['%F([x])%', `invalid header configuration. Expecting '"'`],
    ['%F(["x" y])%', "invalid header configuration. Expecting ',', ']', or whitespace"],
  ];
  for (const [value, want] of cases) assert.is(envoyHeaderValueProblem(value), want, value);
});

test.run();
