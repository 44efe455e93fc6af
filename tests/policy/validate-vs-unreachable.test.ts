/**
 * The warnings istiod's webhook returns for HTTP rules that never match (Istio
 * `analyzeUnreachableHTTPRules`, `coveredValidation`; istio-envoy-semantics.md §7.4): the object
 * is admitted, `kubectl apply` prints them. meshproof printed none of them before.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validateText, vsSpec } from './helpers.js';

const DEST = '\n    route:\n      - destination: {host: productpage}';
const warnings = (routes: string[]) =>
  validateText(vsSpec(`hosts: [bookinfo.example.com]\nhttp:\n${routes.map((r) => `  - ${r}${DEST}`).join('\n')}`)).map(
    (f) => `${f.severity} ${f.line}:${f.column} ${f.path}: ${f.message}`,
  );

test('a rule after a catch-all, a second catch-all, and a match repeated from an earlier rule are reported', () => {
  assert.equal(warnings(['name: all', 'name: also-all']), [
    'warning 11:7 spec.http[1]: virtualService rule "also-all" not used (only the last rule can have no matches)',
  ]);
  assert.equal(warnings(['name: all', 'match: [{uri: {exact: /a}}]']), [
    'warning 11:7 spec.http[1]: virtualService rule #1 not used (route without matches defined before)',
  ]);
  // a match equal but for its name is a duplicate (asJSON drops the name); all matches used → the rule too
  assert.equal(warnings(['match: [{uri: {exact: /a}}]', 'match: [{name: again, uri: {exact: /a}}]']), [
    'warning 11:7 spec.http[1]: virtualService rule #1 not used (all matches used by prior rules)',
    'warning 11:15 spec.http[1].match[0]: virtualService rule #1 match "again" is not used (duplicate/overlapping match in rule #0)',
  ]);
});

test('a longer uri prefix behind a shorter one with the same conditions is an ineffective match', () => {
  assert.equal(warnings(['match: [{uri: {prefix: /api}}]', 'match: [{uri: {prefix: /api/v2}}]']), [
    'warning 11:15 spec.http[1].match[0]: virtualService rule #1 match #0 of prefix /api/v2 is not used (duplicate/overlapping match in rule #0 of prefix /api on #0)',
  ]);
  // a header condition on the later rule only: not covered (header counts differ)
  assert.equal(
    warnings(['match: [{uri: {prefix: /api}}]', 'match: [{uri: {prefix: /api/v2}, headers: {x-v: {exact: "2"}}}]']),
    [],
  );
  // the reverse order is how it should be written: no warning
  assert.equal(warnings(['match: [{uri: {prefix: /api/v2}}]', 'match: [{uri: {prefix: /api}}]']), []);
});

test('presence matches on different headers are different matches (asJSON keeps an empty StringMatch)', () => {
  // Go's json.Marshal omits only empty fields of HTTPMatchRequest itself (omitempty); a map entry
  // `x-canary: {}` (a presence match) is printed as {"MatchType":null}, so it is no duplicate of
  // `x-beta: {}`. meshproof dropped the empty StringMatch and warned "not used" on both rules.
  assert.equal(
    warnings([
      'match: [{headers: {x-canary: {}}}]',
      'match: [{headers: {x-beta: {}}}]',
      'match: [{withoutHeaders: {x-user: {}}}]',
      'match: [{uri: {}}]',
    ]),
    [],
  );
  // a null match (Go: nil, "null") is no duplicate of an empty one ("{}"); empty fields are omitted
  assert.equal(warnings(['match: [null]', 'match: [{}]', 'match: [{uri: null, port: 0, gateways: [], headers: {}}]']), [
    'warning 14:7 spec.http[2]: virtualService rule #2 not used (all matches used by prior rules)',
    'warning 14:15 spec.http[2].match[0]: virtualService rule #2 match #0 is not used (duplicate/overlapping match in rule #1)',
  ]);
  // the same presence match twice is still a duplicate
  assert.equal(warnings(['match: [{headers: {x-canary: {}}}]', 'match: [{headers: {x-canary: {}}}]']), [
    'warning 11:7 spec.http[1]: virtualService rule #1 not used (all matches used by prior rules)',
    'warning 11:15 spec.http[1].match[0]: virtualService rule #1 match #0 is not used (duplicate/overlapping match in rule #0)',
  ]);
});

test.run();
