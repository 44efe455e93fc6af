/**
 * `trafficPolicy.loadBalancer` validation, istio-envoy-semantics.md §3.4 / §7.2: the CRD enum and
 * one-ofs, and Istio's `validateLoadBalancer` rules, with exact message, path, line and column.
 * `dr(fragment)` puts fragment line k on line 7 + k, indented 4 (see helpers.ts).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertNone, assertOne, dr, validateText } from './helpers.js';

const LB = 'spec.trafficPolicy.loadBalancer';

test('§7.2 loadBalancer.simple: every CRD enum value passes (LEAST_CONN included), anything else is an error', () => {
  for (const v of ['UNSPECIFIED', 'LEAST_CONN', 'RANDOM', 'PASSTHROUGH', 'ROUND_ROBIN', 'LEAST_REQUEST'])
    assertNone(validateText(dr(`loadBalancer:\n  simple: ${v}`)));
  assertOne(validateText(dr('loadBalancer:\n  simple: least_request')), {
    path: `${LB}.simple`,
    line: 9,
    column: 7,
    message: '"least_request" is not one of UNSPECIFIED, LEAST_CONN, RANDOM, PASSTHROUGH, ROUND_ROBIN, LEAST_REQUEST',
  });
});

test('§7.2 loadBalancer at port level and in a subset is validated too', () => {
  const port = validateText(dr('portLevelSettings:\n  - port: {number: 9080}\n    loadBalancer: {simple: FASTEST}'));
  assert.equal(
    port.map((f) => f.path),
    ['spec.trafficPolicy.portLevelSettings[0].loadBalancer.simple'],
  );
  assertNone(validateText(dr('portLevelSettings:\n  - port: {number: 9080}\n    loadBalancer: {simple: RANDOM}')));
  const text = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: productpage
spec:
  host: productpage
  subsets:
    - name: v1
      labels: {version: v1}
      trafficPolicy:
        loadBalancer: {simple: LEASTREQUEST}
`;
  assert.equal(
    validateText(text).map((f) => `${f.path} ${f.line}`),
    ['spec.subsets[0].trafficPolicy.loadBalancer.simple 11'],
  );
});

test('§7.2 CRD one-of: simple and consistentHash together are an error; so are two hash keys', () => {
  assertOne(validateText(dr('loadBalancer:\n  simple: RANDOM\n  consistentHash: {useSourceIp: true}')), {
    path: LB,
    line: 8,
    column: 5,
    message: 'only one of simple, consistentHash may be set',
  });
  const two = validateText(dr('loadBalancer:\n  consistentHash: {useSourceIp: true, httpHeaderName: x-user}'));
  assert.equal(
    two.map((f) => f.message),
    [
      'only one of httpHeaderName, httpCookie, useSourceIp, httpQueryParameterName may be set, got httpHeaderName and useSourceIp',
    ],
  );
  assertNone(
    validateText(dr('loadBalancer:\n  consistentHash: {httpHeaderName: x-user, ringHash: {minimumRingSize: 1024}}')),
  );
});

test('§7.2 validateLoadBalancer: cookie name required; Maglev tableSize set, prime, < 5000011; minimumRingSize deprecated', () => {
  const msgs = (frag: string) => validateText(dr(frag)).map((f) => `${f.severity} ${f.message}`);
  assert.equal(msgs('loadBalancer:\n  consistentHash:\n    httpCookie: {name: "", ttl: 0s}'), [
    'error name required for HttpCookie',
  ]);
  assert.equal(msgs('loadBalancer:\n  consistentHash:\n    maglev: {tableSize: 65536}'), [
    'error tableSize must be a prime number for maglev',
  ]);
  assert.equal(msgs('loadBalancer:\n  consistentHash:\n    maglev: {}'), [
    'error tableSize must be set for maglev',
    'error tableSize must be a prime number for maglev',
  ]);
  assert.equal(msgs('loadBalancer:\n  consistentHash:\n    maglev: {tableSize: 5000011}'), [
    'error tableSize must be less than 5000011 for maglev',
  ]);
  assert.equal(msgs('loadBalancer:\n  consistentHash:\n    maglev: {tableSize: 65537}'), []);
  assert.equal(msgs('loadBalancer:\n  consistentHash:\n    minimumRingSize: 1024'), [
    "warning consistent hash MinimumRingSize is deprecated, use ConsistentHashLB's RingHash configuration instead",
  ]);
  assert.equal(msgs('loadBalancer:\n  consistentHash:\n    minimumRingSize: 1024\n    ringHash: {}'), [
    "warning consistent hash MinimumRingSize is deprecated, use ConsistentHashLB's RingHash configuration instead",
    'error only one of MinimumRingSize or Maglev/Ringhash can be specified',
  ]);
});

test('§7.2 warmup: duration required and ≥ 1ms; aggression ≥ 1; minimumPercent ≤ 100', () => {
  const msgs = (frag: string) => validateText(dr(frag)).map((f) => f.message);
  assert.equal(msgs('loadBalancer:\n  warmup: {aggression: 2}'), ['duration is required']);
  assert.equal(msgs('loadBalancer:\n  warmup: {duration: 30s, aggression: 0.5}'), [
    'aggression should be greater than or equal to 1',
  ]);
  assert.equal(msgs('loadBalancer:\n  warmup: {duration: 30s, minimumPercent: 101}'), [
    'minimumPercent value should be less than or equal to 100',
  ]);
  assert.equal(msgs('loadBalancer:\n  warmupDurationSecs: 0.5ms'), ['duration must be greater than 1ms, got "0.5ms"']);
  assert.equal(
    msgs('loadBalancer:\n  simple: LEAST_REQUEST\n  warmup: {duration: 30s, minimumPercent: 10, aggression: 1}'),
    [],
  );
});

test('CRD strict fields: a misspelt loadBalancer field is an error', () => {
  const f = validateText(dr('loadBalancer:\n  simpel: RANDOM'));
  assert.equal(
    f.map((x) => x.path),
    [`${LB}.simpel`],
  );
});

test('§7.2 localityLbSetting: Istio ValidateLocalityLbSetting (weights in [1, 100] summing to 100, no distribute with failover)', () => {
  const L = `${LB}.localityLbSetting`;
  const distribute = (to: string) =>
    validateText(
      dr(
        `outlierDetection: {consecutive5xxErrors: 1}\nloadBalancer:\n  localityLbSetting:\n    distribute:\n      - from: us-west/*\n        to: {${to}}`,
      ),
    );
  assertOne(distribute('"us-west/*": 60, "us-east/*": 30'), {
    path: `${L}.distribute[0].to`,
    line: 13,
    column: 13,
    message: 'total locality weight 90 != 100',
  });
  assertOne(distribute('"us-west/*": 0, "us-east/*": 100'), {
    path: `${L}.distribute[0].to["us-west/*"]`,
    line: 13,
    column: 18,
    message: 'locality weight must be in range [1, 100]',
  });
  assertOne(distribute('"us-west/*": 50, "us-west/zone1": 50'), {
    path: `${L}.distribute[0].to`,
    line: 13,
    column: 13,
    message: 'locality us-west/zone1 overlap with previous specified ones',
  });
  assertNone(distribute('"us-west/*": 80, "us-east/*": 20'));
  const both =
    'loadBalancer:\n  localityLbSetting:\n    distribute: [{from: a, to: {a: 100}}]\n    failover: [{from: a, to: b}]';
  assertOne(validateText(dr(`outlierDetection: {consecutive5xxErrors: 1}\n${both}`)), {
    path: L,
    line: 10,
    column: 7,
    message: "can not simultaneously specify 'distribute' and 'failover'",
  });
});

test('§7.2 localityLbSetting failover: different regions, no "/" or "*"; without outlierDetection a warning', () => {
  const L = `${LB}.localityLbSetting`;
  assertOne(
    validateText(
      dr(
        'outlierDetection: {consecutive5xxErrors: 1}\nloadBalancer:\n  localityLbSetting:\n    failover: [{from: us-east, to: us-east}]',
      ),
    ),
    {
      path: `${L}.failover[0]`,
      line: 11,
      column: 20,
      message: 'locality lb failover settings must specify different regions',
    },
  );
  assertOne(validateText(dr('loadBalancer:\n  localityLbSetting:\n    failover: [{from: us-east, to: us-west}]')), {
    path: L,
    line: 9,
    column: 7,
    severity: 'warning',
    message: 'outlier detection policy must be provided for failover',
  });
});

test.run();
