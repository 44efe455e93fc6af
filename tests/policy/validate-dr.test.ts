/**
 * DestinationRule validation, istio-envoy-semantics.md §7.2 (fields of §2 and §3): for every
 * rule one object that passes and one that fails, with the exact message, path, line, column.
 * `dr(fragment)` puts fragment line k on line 7 + k, indented 4 (see helpers.ts).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertNone, assertOne, dr, drSpec, validateText } from './helpers.js';

const TP = 'spec.trafficPolicy';

test('§7.2 trafficPolicy present but empty: "traffic policy must have at least one field"', () => {
  assertOne(validateText(drSpec('host: productpage\ntrafficPolicy: {}')), {
    path: TP,
    line: 7,
    column: 3,
    message: 'traffic policy must have at least one field',
  });
  assertNone(validateText(dr('loadBalancer:\n  simple: ROUND_ROBIN')));
});

test('§7.2 connectionPool with neither http nor tcp: "connection pool must have at least one field"', () => {
  assertOne(validateText(dr('connectionPool: {}')), {
    path: `${TP}.connectionPool`,
    line: 8,
    column: 5,
    message: 'connection pool must have at least one field',
  });
  assertNone(validateText(dr('connectionPool:\n  tcp:\n    maxConnections: 1')));
});

const NON_NEGATIVE = [
  ['http', 'http1MaxPendingRequests', 'http1 max pending requests'],
  ['http', 'http2MaxRequests', 'http2 max requests'],
  ['http', 'maxRequestsPerConnection', 'max requests per connection'],
  ['http', 'maxRetries', 'max retries'],
  ['http', 'maxConcurrentStreams', 'max concurrent streams'],
  ['tcp', 'maxConnections', 'max connections'],
] as const;

for (const [group, field, words] of NON_NEGATIVE) {
  test(`§7.2 ${group}.${field} < 0: "${words} must be non-negative"; 0 and 1 pass (0 = unset, §2.1)`, () => {
    assertOne(validateText(dr(`connectionPool:\n  ${group}:\n    ${field}: -1`)), {
      path: `${TP}.connectionPool.${group}.${field}`,
      line: 10,
      column: 9,
      message: `${words} must be non-negative`,
    });
    assertNone(validateText(dr(`connectionPool:\n  ${group}:\n    ${field}: 0`)));
    assertNone(validateText(dr(`connectionPool:\n  ${group}:\n    ${field}: 1`)));
  });
}

test('§7.1 int32 fields: a string or a value beyond int32 is rejected with the value shown', () => {
  assertOne(validateText(dr('connectionPool:\n  tcp:\n    maxConnections: "one"')), {
    path: `${TP}.connectionPool.tcp.maxConnections`,
    line: 10,
    column: 9,
    message: 'expected an integer, got "one"',
  });
  assertOne(validateText(dr('connectionPool:\n  tcp:\n    maxConnections: 2147483648')), {
    path: `${TP}.connectionPool.tcp.maxConnections`,
    line: 10,
    column: 9,
    message: '2147483648 is out of range -2147483648..2147483647',
  });
  assertNone(validateText(dr('connectionPool:\n  tcp:\n    maxConnections: 2147483647')));
});

const DURATIONS = [
  ['connectionPool:\n  http:\n    idleTimeout: %', 'connectionPool.http.idleTimeout', 10, 9],
  ['connectionPool:\n  tcp:\n    connectTimeout: %', 'connectionPool.tcp.connectTimeout', 10, 9],
  ['connectionPool:\n  tcp:\n    maxConnectionDuration: %', 'connectionPool.tcp.maxConnectionDuration', 10, 9],
  ['connectionPool:\n  tcp:\n    tcpKeepalive:\n      time: %', 'connectionPool.tcp.tcpKeepalive.time', 11, 11],
  ['connectionPool:\n  tcp:\n    tcpKeepalive:\n      interval: %', 'connectionPool.tcp.tcpKeepalive.interval', 11, 11],
  ['outlierDetection:\n  interval: %', 'outlierDetection.interval', 9, 7],
  ['outlierDetection:\n  baseEjectionTime: %', 'outlierDetection.baseEjectionTime', 9, 7],
] as const;

for (const [template, field, line, column] of DURATIONS) {
  test(`§7.1 ValidateDuration on ${field}: < 1ms and sub-ms precision fail, 1ms and 1.5s pass`, () => {
    const at = { path: `${TP}.${field}`, line, column };
    assertOne(validateText(dr(template.replace('%', '0.5ms'))), {
      ...at,
      message: 'duration must be greater than 1ms, got "0.5ms"',
    });
    assertOne(validateText(dr(template.replace('%', '1500us'))), {
      ...at,
      message: 'only durations to ms precision are supported, got "1500us"',
    });
    assertOne(validateText(dr(template.replace('%', '0s'))), {
      ...at,
      message: 'duration must be greater than 1ms, got "0s"',
    });
    assertNone(validateText(dr(template.replace('%', '1ms'))));
    assertNone(validateText(dr(template.replace('%', '1.5s'))));
  });
}

test('§7.1 Go duration grammar: bare numbers, days and negative values are rejected', () => {
  const at = { path: `${TP}.connectionPool.tcp.connectTimeout`, line: 10, column: 9 };
  const t = (v: string) => validateText(dr(`connectionPool:\n  tcp:\n    connectTimeout: ${v}`));
  assertOne(t('10'), { ...at, message: 'expected a duration like "10s" or "500ms", got 10' });
  assertOne(t('1d'), { ...at, message: 'expected a duration like "10s" or "500ms", got "1d"' });
  assertOne(t('-1s'), { ...at, message: 'duration must be greater than 1ms, got "-1s"' });
  assertNone(t('1h30m'));
});

test('§7.2 tcp.idleTimeout: 0s is allowed (disables the timeout), other values need ValidateDuration', () => {
  // validateConnectionPool skips ValidateDuration when IdleTimeout.AsDuration().Milliseconds() == 0,
  // and Milliseconds() truncates: 0.5ms and -0.5ms pass Istio as 0s does; 1.5ms does not
  const t = (v: string) => validateText(dr(`connectionPool:\n  tcp:\n    idleTimeout: ${v}`));
  for (const ok of ['0s', '0.5ms', '999us', '-0.5ms', '2ms']) assertNone(t(ok));
  const at = { path: `${TP}.connectionPool.tcp.idleTimeout`, line: 10, column: 9 };
  assertOne(t('1.5ms'), { ...at, message: 'only durations to ms precision are supported, got "1.5ms"' });
  assertOne(t('-1ms'), { ...at, message: 'duration must be greater than 1ms, got "-1ms"' });
});

test('§7.2 h2UpgradePolicy UPGRADE with useClientProtocol true is an error; DO_NOT_UPGRADE with it passes', () => {
  assertOne(validateText(dr('connectionPool:\n  http:\n    h2UpgradePolicy: UPGRADE\n    useClientProtocol: true')), {
    path: `${TP}.connectionPool.http.useClientProtocol`,
    line: 11,
    column: 9,
    message: 'use client protocol must not be true when H2UpgradePolicy is UPGRADE',
  });
  assertNone(
    validateText(dr('connectionPool:\n  http:\n    h2UpgradePolicy: DO_NOT_UPGRADE\n    useClientProtocol: true')),
  );
});

test('§7.2 h2UpgradePolicy must be one of the CRD enum values (case matters)', () => {
  assertOne(validateText(dr('connectionPool:\n  http:\n    h2UpgradePolicy: upgrade')), {
    path: `${TP}.connectionPool.http.h2UpgradePolicy`,
    line: 10,
    column: 9,
    message: '"upgrade" is not one of DEFAULT, DO_NOT_UPGRADE, UPGRADE',
  });
  assertNone(validateText(dr('connectionPool:\n  http:\n    h2UpgradePolicy: DEFAULT')));
});

for (const field of ['maxEjectionPercent', 'minHealthPercent']) {
  test(`§7.2 outlierDetection.${field} outside 0..100: "percentage N is not in range 0..100"`, () => {
    const at = { path: `${TP}.outlierDetection.${field}`, line: 9, column: 7 };
    assertOne(validateText(dr(`outlierDetection:\n  ${field}: 101`)), {
      ...at,
      message: 'percentage 101 is not in range 0..100',
    });
    assertOne(validateText(dr(`outlierDetection:\n  ${field}: -1`)), {
      ...at,
      message: 'percentage -1 is not in range 0..100',
    });
    assertNone(validateText(dr(`outlierDetection:\n  ${field}: 100`)));
    assertNone(validateText(dr(`outlierDetection:\n  ${field}: 0`)));
  });
}

test('§7.2 consecutiveLocalOriginFailures needs splitExternalLocalOriginErrors: true', () => {
  assertOne(validateText(dr('outlierDetection:\n  consecutiveLocalOriginFailures: 5')), {
    path: `${TP}.outlierDetection.consecutiveLocalOriginFailures`,
    line: 9,
    column: 7,
    message:
      'outlier detection consecutive local origin failures is specified, but split external local origin errors is set to false',
  });
  assertNone(
    validateText(dr('outlierDetection:\n  consecutiveLocalOriginFailures: 5\n  splitExternalLocalOriginErrors: true')),
  );
  assertNone(validateText(dr('outlierDetection:\n  consecutiveLocalOriginFailures: 0')));
});

test('§7.2 consecutiveErrors ≠ 0 is a deprecation warning (the value is ignored, §3.1)', () => {
  assertOne(validateText(dr('outlierDetection:\n  consecutiveErrors: 5')), {
    severity: 'warning',
    path: `${TP}.outlierDetection.consecutiveErrors`,
    line: 9,
    column: 7,
    message:
      'outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead',
  });
  assertNone(validateText(dr('outlierDetection:\n  consecutive5xxErrors: 5')));
});

for (const field of ['consecutive5xxErrors', 'consecutiveGatewayErrors']) {
  test(`§7.2 ${field} is a UInt32 wrapper: 0..4294967295 or null`, () => {
    const at = { path: `${TP}.outlierDetection.${field}`, line: 9, column: 7 };
    assertOne(validateText(dr(`outlierDetection:\n  ${field}: -1`)), {
      ...at,
      message: '-1 is out of range 0..4294967295',
    });
    assertOne(validateText(dr(`outlierDetection:\n  ${field}: 4294967296`)), {
      ...at,
      message: '4294967296 is out of range 0..4294967295',
    });
    assertNone(validateText(dr(`outlierDetection:\n  ${field}: 4294967295`)));
    assertNone(validateText(dr(`outlierDetection:\n  ${field}: null`)));
  });
}

test('§7.2 subset names: empty, not a DNS-1123 label, or duplicated are errors', () => {
  const spec = (names: string[]) =>
    drSpec(`host: productpage\nsubsets:\n${names.map((n) => `  - name: ${n}\n    labels: {version: x}`).join('\n')}`);
  // subsets start at line 8 (spec body line 3), each subset takes two lines
  assertOne(validateText(spec(['""'])), {
    path: 'spec.subsets[0].name',
    line: 8,
    column: 7,
    message: 'subset name cannot be empty',
  });
  assertOne(validateText(spec(['v_1'])), {
    path: 'spec.subsets[0].name',
    line: 8,
    column: 7,
    message: 'subset name is invalid: v_1',
  });
  assertOne(validateText(spec(['v1', 'v1'])), {
    path: 'spec.subsets[1].name',
    line: 10,
    column: 7,
    message: 'duplicate subset name "v1" (also spec.subsets[0])',
  });
  // Istio's labels.IsDNS1123Label allows upper case ([a-zA-Z0-9], pkg/config/labels/instance.go)
  assertNone(validateText(spec(['v1', 'v2-canary', 'V3'])));
});

test('§7.2 subset trafficPolicy is validated like the top-level one', () => {
  const text = drSpec('host: productpage\nsubsets:\n  - name: v1\n    trafficPolicy:\n      connectionPool: {}');
  assertOne(validateText(text), {
    path: 'spec.subsets[0].trafficPolicy.connectionPool',
    line: 10,
    column: 9,
    message: 'connection pool must have at least one field',
  });
});

test('§7.2 host must be a valid (wildcard) domain and is required', () => {
  assertOne(validateText(drSpec('host: product_page')), {
    path: 'spec.host',
    line: 6,
    column: 3,
    message: 'domain name "product_page" invalid (label "product_page" invalid)',
  });
  assertOne(validateText(drSpec('exportTo: ["."]')), {
    path: 'spec.host',
    line: 5,
    column: 1,
    message: 'host is required',
  });
  assertNone(validateText(drSpec('host: "*.example.com"')));
  assertNone(validateText(drSpec('host: productpage.default.svc.cluster.local')));
});

test('§7.2 portLevelSettings: an entry needs a port and at least one policy field', () => {
  // the list item starts after "- ": column 4 + 2 + 2 + 1
  const at = { path: `${TP}.portLevelSettings[0]`, line: 9, column: 9 };
  assertOne(validateText(dr('portLevelSettings:\n  - connectionPool:\n      tcp: {maxConnections: 1}')), {
    ...at,
    message: 'portTrafficPolicy must have valid port',
  });
  assertOne(validateText(dr('portLevelSettings:\n  - port: {number: 9080}')), {
    ...at,
    message: 'port traffic policy must have at least one field',
  });
  assertNone(
    validateText(
      dr('portLevelSettings:\n  - port: {number: 9080}\n    connectionPool:\n      tcp: {maxConnections: 1}'),
    ),
  );
});

test('CRD strict field validation: a misspelt field is an error that suggests the right name', () => {
  const f = validateText(dr('connectionPool:\n  tcp:\n    maxConnection: 1'));
  assert.is(f.length, 1);
  assert.is(f[0].path, `${TP}.connectionPool.tcp.maxConnection`);
  assert.is([f[0].line, f[0].column].join(':'), '10:9');
  assert.ok(
    f[0].message.startsWith(
      'unknown field (did you mean "maxConnections"?); expected one of maxConnections, connectTimeout',
    ),
    f[0].message,
  );
});

test('metadata.name and spec are required; a mapping where a list belongs is a type error', () => {
  const noName =
    'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {}\nspec:\n  host: productpage\n';
  assertOne(validateText(noName), { path: 'metadata', line: 3, column: 1, message: 'metadata.name is required' });
  const noSpec = 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: a\n';
  assertOne(validateText(noSpec), { path: '', line: 1, column: 1, message: 'spec is required' });
  assertOne(validateText(drSpec('host: productpage\nsubsets:\n  name: v1')), {
    path: 'spec.subsets',
    line: 7,
    column: 3,
    message: 'expected a list, got a mapping',
  });
});

test('§7.2 subset labels: Kubernetes label keys and values (labels.Instance.Validate)', () => {
  const text = drSpec('host: productpage\nsubsets:\n  - name: v1\n    labels: {version: "v 1", -app: reviews}');
  const f = validateText(text);
  assert.equal(
    f.map((x) => `${x.line}:${x.column} ${x.path}: ${x.message}`),
    ['9:7 spec.subsets[0].labels: invalid tag value: "v 1"', '9:7 spec.subsets[0].labels: invalid tag key: "-app"'],
  );
  assertNone(
    validateText(drSpec('host: productpage\nsubsets:\n  - name: v1\n    labels: {app.kubernetes.io/version: v1.2_rc}')),
  );
});

test('§7.2 tunnel and proxyProtocol are exclusive; tunnel protocol is CONNECT or POST (validateTunnelSettings)', () => {
  assertOne(
    validateText(dr('tunnel: {targetHost: egress.example.com, targetPort: 443}\nproxyProtocol: {version: V1}')),
    {
      path: TP,
      line: 7,
      column: 3,
      message: 'tunnel and proxyProtocol must not be set together',
    },
  );
  assertOne(validateText(dr('tunnel: {protocol: GET, targetHost: egress.example.com, targetPort: 443}')), {
    path: `${TP}.tunnel.protocol`,
    line: 8,
    column: 14,
    message: 'tunnel protocol must be "CONNECT" or "POST"',
  });
  assertOne(validateText(dr('tunnel: {targetHost: 10.0.0.1, targetPort: 70000}')), {
    path: `${TP}.tunnel.targetPort`,
    line: 8,
    column: 36,
    message: 'tunnel target port is invalid: port number 70000 must be in the range 1..65535',
  });
  assertNone(validateText(dr('tunnel: {protocol: POST, targetHost: 10.0.0.1, targetPort: 8443}')));
});

test('§7.2 port-level port.number: the CRD allows any uint32 and Istio checks no range, so 70000 passes', () => {
  assertNone(
    validateText(dr('portLevelSettings:\n  - port: {number: 70000}\n    connectionPool: {tcp: {maxConnections: 1}}')),
  );
});

test('§7.2 host: a trailing dot and a leading "*-" label pass Istio; an all-numeric top-level label does not', () => {
  assertNone(validateText(drSpec('host: reviews.default.svc.cluster.local.')));
  assertNone(validateText(drSpec('host: "*-canary.example.com"')));
  assertOne(validateText(drSpec('host: 10.0.0.1')), {
    path: 'spec.host',
    line: 6,
    column: 3,
    message: 'domain name "0.0.1" invalid (top level domain "1" cannot be all-numeric)',
  });
});

test('exportTo and workloadSelector as validateExportTo / validateWorkloadSelector check them', () => {
  const f = (spec: string) =>
    validateText(drSpec(`host: productpage\n${spec}`)).map((x) => `${x.line}:${x.column} ${x.path}: ${x.message}`);
  // Istio counts the raw list for the public rule, so a doubled "*" gets both errors
  assert.equal(f('exportTo: ["*", "*"]'), [
    '7:3 spec.exportTo: cannot have both public (*) and non-public exportTo values for a resource',
    '7:19 spec.exportTo[1]: duplicate entries in exportTo for entry *',
  ]);
  assert.equal(f('exportTo: ["~"]'), [
    '7:14 spec.exportTo[0]: exportTo ~ (none) is not allowed for Istio configuration objects',
  ]);
  assert.equal(f('exportTo: ["*", bookinfo]'), [
    '7:3 spec.exportTo: cannot have both public (*) and non-public exportTo values for a resource',
  ]);
  assert.equal(f('exportTo: [bookinfo]\nworkloadSelector: {matchLabels: {app: gw}}'), [
    '7:3 spec.exportTo: destination rule with workload selector cannot have exportTo beyond current namespace',
  ]);
  assert.equal(f('workloadSelector: {matchLabels: {app: "gw*"}}'), [
    '7:36 spec.workloadSelector.matchLabels.app: wildcard is not supported in selector: "app=gw*"',
  ]);
  assert.equal(f('workloadSelector: {}'), ['7:3 spec.workloadSelector: workload selector specified without labels']);
  assert.equal(f('exportTo: [".", istio-system]'), []);
});

test('§7.2 tls: MUTUAL needs a client certificate and key unless credentialName names them (agent.ValidateTLS)', () => {
  const f = (tls: string) =>
    validateText(dr(`tls: ${tls}`)).map((x) => `${x.line}:${x.column} ${x.path}: ${x.message}`);
  assert.equal(f('{mode: MUTUAL}'), [
    '8:5 spec.trafficPolicy.tls: client certificate required for mutual tls',
    '8:5 spec.trafficPolicy.tls: private key required for mutual tls',
  ]);
  assert.equal(f('{mode: SIMPLE, credentialName: cacert, caCertificates: /etc/ca.pem}'), [
    '8:5 spec.trafficPolicy.tls: cannot specify client certificates or CA certificate or CA CRL If credentialName is set',
  ]);
  assert.equal(f('{mode: SIMPLE, insecureSkipVerify: true, subjectAltNames: [a.example.com]}'), [
    '8:5 spec.trafficPolicy.tls: cannot specify CaCertificates or CredentialName or SubjectAltNames when InsecureSkipVerify is set true',
  ]);
  for (const ok of [
    '{mode: ISTIO_MUTUAL}',
    '{mode: MUTUAL, credentialName: client-cert}',
    '{mode: SIMPLE, sni: a.example.com}',
  ]) {
    assert.equal(f(ok), []);
  }
});

test('CRD schema (1.29): retryBudget.percent in 0..100 and minRetryConcurrency a uint32; workloadSelector label values at most 63 characters — the apiserver refuses these before the webhook', () => {
  const over = validateText(dr('retryBudget: {percent: 100.5, minRetryConcurrency: -1}'));
  assert.equal(
    over.map((f) => `${f.line}:${f.column} ${f.path}: ${f.message}`),
    [
      `8:19 ${TP}.retryBudget.percent: 100.5 is out of range 0..100`,
      `8:35 ${TP}.retryBudget.minRetryConcurrency: -1 is out of range 0..4294967295`,
    ],
  );
  assertNone(validateText(dr('retryBudget: {percent: 12.5, minRetryConcurrency: 3}')));
  const selector = (value: string) =>
    validateText(drSpec(`host: productpage\nworkloadSelector:\n  matchLabels:\n    app: "${value}"`));
  assertOne(selector('x'.repeat(64)), {
    path: 'spec.workloadSelector.matchLabels.app',
    line: 9,
    column: 7,
    message: 'label value is 64 characters; at most 63 are allowed',
  });
  // characters, not UTF-16 units: 63 astral characters are 126 units
  assertNone(selector('😀'.repeat(63)));
});

test.run();
