/**
 * Lint: for every trap one object that triggers it and one that does not. Each warning names
 * its rule, cites its istio-envoy-semantics.md section and says what will be observed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile } from 'node:fs/promises';
import { loadPolicies, loadPolicyText } from '../../src/policy/load.js';
import { lint } from '../../src/policy/lint.js';
import { maxEjectable } from '../../src/policy/lint-dr.js';
import { ejectionAllowed } from '../../src/mesh/proxy.js';
import type { Finding } from '../../src/policy/findings.js';
import { dr, drSpec, lintText, vs } from './helpers.js';

const only = (rule: string, findings: Finding[]) => findings.filter((f) => f.rule === rule);
const where = (f: Finding) => `${f.line}:${f.column} ${f.path}`;
const TP = 'spec.trafficPolicy';
const R = 'spec.http[0]';

test('every lint finding is a warning with a rule id and a section', () => {
  const all = lintText(
    dr('connectionPool:\n  tcp: {maxConnections: 1}\noutlierDetection:\n  consecutiveErrors: 3'),
  ).concat(lintText(vs('fault:\n  abort: {httpStatus: 503}')));
  assert.ok(all.length >= 6);
  for (const f of all) {
    assert.is(f.severity, 'warning');
    assert.match(f.rule ?? '', /^[a-z-]+$/);
    assert.match(f.section ?? '', /^§\d/);
  }
});

test('§2.1/§2.2 no-pending-limit: a connection pool without http1MaxPendingRequests queues instead of shedding 503s', () => {
  const [f, ...rest] = only('no-pending-limit', lintText(dr('connectionPool:\n  tcp:\n    maxConnections: 1')));
  assert.is(rest.length, 0);
  assert.is(where(f), `8:5 ${TP}.connectionPool`);
  assert.is(f.section, '§2.1, §2.2');
  assert.is(
    f.message,
    'tcp.maxConnections is 1 but http.http1MaxPendingRequests is unset (0 means unset = 4294967295): under overload requests ' +
      'queue without bound, so expect latency to grow instead of fast 503 overflow responses',
  );
  assert.is(
    only(
      'no-pending-limit',
      lintText(dr('connectionPool:\n  tcp: {maxConnections: 2}\n  http: {http1MaxPendingRequests: 0}')),
    ).length,
    1,
    '0 is unset (§2.1)',
  );
  assert.equal(
    only(
      'no-pending-limit',
      lintText(dr('connectionPool:\n  tcp: {connectTimeout: 1s}\n  http: {http2MaxRequests: 10}')),
    ),
    [],
    'no connection cap, no queue',
  );
  assert.equal(
    only(
      'no-pending-limit',
      lintText(dr('connectionPool:\n  tcp: {maxConnections: 1}\n  http: {http1MaxPendingRequests: 1}')),
    ),
    [],
  );
});

test('§0 per-replica-limits: each limit prints "effective limit = limit × N" with --replicas', () => {
  const text = dr(
    'connectionPool:\n  tcp:\n    maxConnections: 2\n  http:\n    http1MaxPendingRequests: 5\n    http2MaxRequests: 10\n    maxRetries: 3',
  );
  const withReplicas = only('per-replica-limits', lintText(text, { replicas: 3 }));
  assert.equal(
    withReplicas.map((f) => `${where(f)} ${f.message.split(': ').pop()}`),
    [
      `10:9 ${TP}.connectionPool.tcp.maxConnections effective limit = 2 × 3 = 6`,
      `12:9 ${TP}.connectionPool.http.http1MaxPendingRequests effective limit = 5 × 3 = 15`,
      `13:9 ${TP}.connectionPool.http.http2MaxRequests effective limit = 10 × 3 = 30`,
      `14:9 ${TP}.connectionPool.http.maxRetries effective limit = 3 × 3 = 9`,
    ],
  );
  const [plain] = only('per-replica-limits', lintText(dr('connectionPool:\n  tcp:\n    maxConnections: 1')));
  assert.is(
    plain.message,
    'the limit counts per proxy instance (each gateway replica, each client sidecar), not per service: N replicas admit N × 1; pass --replicas N to see the effective limit',
  );
  assert.equal(
    only('per-replica-limits', lintText(dr('connectionPool:\n  tcp:\n    connectTimeout: 1s\n    maxConnections: 0'))),
    [],
  );
});

test('§3.1/§3.2 max-ejection-percent-default: unset or 0 means 10 %, so ⌊n·10/100⌋ endpoints can be ejected — none below 10', () => {
  const [unset] = only('max-ejection-percent-default', lintText(dr('outlierDetection:\n  consecutive5xxErrors: 1')));
  assert.is(where(unset), `8:5 ${TP}.outlierDetection`);
  assert.is(
    unset.message,
    'maxEjectionPercent is unset (0 counts as unset) so Istio uses 10 %: Envoy ejects an endpoint only while 100·(ejected+1)/endpoints ≤ 10, ' +
      'i.e. at most ⌊n·10/100⌋ of n endpoints (1 of 10, 2 of 20, 3 of 30) — none at all with fewer than 10 endpoints, so a failing ' +
      'endpoint stays in rotation and outlier detection does nothing; set maxEjectionPercent to at least ⌈100/n⌉ to eject one of n (34 for 3 endpoints — 33 ejects none — 50 for 2, 100 for one)',
  );
  const [zero] = only('max-ejection-percent-default', lintText(dr('outlierDetection:\n  maxEjectionPercent: 0')));
  assert.is(where(zero), `9:7 ${TP}.outlierDetection.maxEjectionPercent`);
  assert.equal(only('max-ejection-percent-default', lintText(dr('outlierDetection:\n  maxEjectionPercent: 50'))), []);
});

test('§3.1 consecutive-errors-ignored: the deprecated field is ignored and Envoy ejects after 5', () => {
  const [f] = only('consecutive-errors-ignored', lintText(dr('outlierDetection:\n  consecutiveErrors: 2')));
  assert.is(where(f), `9:7 ${TP}.outlierDetection.consecutiveErrors`);
  assert.is(
    f.message,
    "consecutiveErrors is deprecated and ignored: ejection uses Envoy's default of 5 consecutive 5xx, not 2; use consecutive5xxErrors (or consecutiveGatewayErrors)",
  );
  assert.equal(only('consecutive-errors-ignored', lintText(dr('outlierDetection:\n  consecutive5xxErrors: 2'))), []);
});

test('§3.2 maxEjectable: ⌊n·p/100⌋ — the current Envoy cap, checked against ejectionAllowed one ejection at a time', () => {
  assert.equal(
    [1, 3, 9, 10, 19, 20].map((n) => maxEjectable(n, 10)),
    [0, 0, 0, 1, 1, 2],
  );
  assert.equal(
    [1, 2, 3].map((n) => maxEjectable(n, 50)),
    [0, 1, 1],
  );
  assert.is(maxEjectable(3, 67), 2);
  assert.is(maxEjectable(1, 100), 1);
  for (const p of [1, 10, 33, 34, 50, 67, 99, 100]) {
    for (let n = 1; n <= 30; n++) {
      let k = 0;
      while (k < n && ejectionAllowed('current', k, n, p)) k++;
      assert.is(k, maxEjectable(n, p), `n=${n} p=${p}`);
    }
  }
});

test('§3.4 least-conn-alias: LEAST_CONN is LEAST_REQUEST (top level, port level and subsets)', () => {
  const [f] = only('least-conn-alias', lintText(dr('loadBalancer:\n  simple: LEAST_CONN')));
  assert.is(where(f), `9:7 ${TP}.loadBalancer.simple`);
  assert.match(f.message, /^LEAST_CONN is a deprecated alias: istiod configures Envoy's LEAST_REQUEST/);
  const port = only(
    'least-conn-alias',
    lintText(dr('portLevelSettings:\n  - port: {number: 9080}\n    loadBalancer: {simple: LEAST_CONN}')),
  );
  assert.equal(
    port.map((x) => x.path),
    [`${TP}.portLevelSettings[0].loadBalancer.simple`],
  );
  assert.equal(only('least-conn-alias', lintText(dr('loadBalancer:\n  simple: LEAST_REQUEST'))), []);
});

test('§3.1/§3.3 panic-mode-off: outlierDetection without minHealthPercent serves "no healthy upstream"', () => {
  const [f] = only('panic-mode-off', lintText(dr('outlierDetection:\n  baseEjectionTime: 3m')));
  assert.is(where(f), `8:5 ${TP}.outlierDetection`);
  assert.match(
    f.message,
    /503 "no healthy upstream" for the whole ejection time \(baseEjectionTime 3m, longer on each re-ejection\)/,
  );
  assert.equal(only('panic-mode-off', lintText(dr('outlierDetection:\n  minHealthPercent: 50'))), []);
});

test('§5.2 fault-with-retries: injected aborts are never retried', () => {
  const [f] = only(
    'fault-with-retries',
    lintText(vs('fault:\n  abort: {httpStatus: 503, percentage: {value: 10}}\nretries:\n  attempts: 2')),
  );
  assert.is(where(f), `11:7 ${R}.fault`);
  assert.match(f.message, /never retried — every injected abort reaches the client/);
  assert.equal(
    only(
      'fault-with-retries',
      lintText(vs('fault:\n  abort: {httpStatus: 503, percentage: {value: 10}}\nretries:\n  attempts: 0')),
    ),
    [],
  );
});

test("§4.1 default-retries: a route without a retries block gets Istio's default policy", () => {
  const [f] = only('default-retries', lintText(vs('timeout: 1s')));
  assert.is(where(f), `8:7 ${R}`);
  assert.match(
    f.message,
    /2 retries on connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes\): connect failures are retried invisibly, 5xx responses and timeouts are not/,
  );
  assert.equal(only('default-retries', lintText(vs('retries:\n  attempts: 0'))), []);
});

test('§5.1 fault-never-fires: abort or delay without percentage (or 0), delay without fixedDelay', () => {
  const abort = only('fault-never-fires', lintText(vs('fault:\n  abort:\n    httpStatus: 503')));
  assert.equal(
    abort.map((f) => `${where(f)}: ${f.message}`),
    [`12:9 ${R}.fault.abort: abort has no percentage (or 0): it never fires; set percentage.value, e.g. 100`],
  );
  const delayZero = only(
    'fault-never-fires',
    lintText(vs('fault:\n  delay:\n    fixedDelay: 1s\n    percentage: {value: 0}')),
  );
  assert.equal(delayZero.map(where), [`14:11 ${R}.fault.delay.percentage`]);
  const noFixed = only('fault-never-fires', lintText(vs('fault:\n  delay:\n    percentage: {value: 100}')));
  assert.equal(
    noFixed.map((f) => f.message),
    ['delay has no fixedDelay: Istio drops it silently and no request is delayed'],
  );
  assert.equal(
    only(
      'fault-never-fires',
      lintText(
        vs(
          'fault:\n  abort: {httpStatus: 503, percentage: {value: 100}}\n  delay: {fixedDelay: 1s, percentage: {value: 0.5}}',
        ),
      ),
    ),
    [],
  );
  assert.equal(
    only('fault-never-fires', lintText(vs('fault:\n  delay: {fixedDelay: 1s, percent: 50}'))),
    [],
    'deprecated delay.percent still fires',
  );
});

test('§4.1 per-try-ge-timeout: perTryTimeout ≥ timeout is ignored', () => {
  const [f] = only(
    'per-try-ge-timeout',
    lintText(vs('timeout: 1s\nretries:\n  attempts: 2\n  retryOn: 5xx\n  perTryTimeout: 1000ms')),
  );
  assert.is(where(f), `15:9 ${R}.retries.perTryTimeout`);
  assert.is(
    f.message,
    'perTryTimeout 1000ms ≥ timeout 1s: the per-try timeout is ignored; a slow upstream ends with 504 "upstream request timeout" after 1s and no retry',
  );
  assert.equal(
    only(
      'per-try-ge-timeout',
      lintText(vs('timeout: 1s\nretries:\n  attempts: 2\n  retryOn: 5xx\n  perTryTimeout: 999ms')),
    ),
    [],
  );
});

test('§4.1/§4.2 per-try-not-retried: perTryTimeout with a retryOn lacking 5xx, gateway-error and reset', () => {
  const [dflt] = only('per-try-not-retried', lintText(vs('retries:\n  attempts: 3\n  perTryTimeout: 1s')));
  assert.is(where(dflt), `13:9 ${R}.retries.perTryTimeout`);
  assert.is(
    dflt.message,
    'retryOn "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes" has none of 5xx, gateway-error, reset: ' +
      'an attempt that hits perTryTimeout is not retried — the client gets 504 "upstream request timeout" after 1s',
  );
  assert.is(
    only(
      'per-try-not-retried',
      lintText(vs('retries:\n  attempts: 3\n  perTryTimeout: 1s\n  retryOn: connect-failure,503')),
    ).length,
    1,
  );
  for (const ok of ['5xx', 'gateway-error', 'connect-failure,reset']) {
    assert.equal(
      only('per-try-not-retried', lintText(vs(`retries:\n  attempts: 3\n  perTryTimeout: 1s\n  retryOn: ${ok}`))),
      [],
      ok,
    );
  }
});

test('§1 subset-without-dr: a VS subset that no loaded DestinationRule defines is a 503 NC', () => {
  const route = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
    - route:
        - destination: {host: reviews, subset: v2}
      retries: {attempts: 0}
`;
  const rule = (host: string, subsets: string[]) =>
    `---\n${drSpec(`host: ${host}\nsubsets:\n${subsets.map((s) => `  - name: ${s}`).join('\n')}`)}`;
  const [f] = only('subset-without-dr', lint(loadPolicyText(route + rule('reviews', ['v1']), 'x.yaml')));
  assert.is(where(f), `8:40 ${R}.route[0].destination.subset`);
  assert.is(
    f.message,
    'no DestinationRule among these files defines subset "v2" for host reviews: unless one exists in the cluster, every request on this route gets 503 with an empty body (flag NC)',
  );
  assert.equal(only('subset-without-dr', lint(loadPolicyText(route + rule('reviews', ['v1', 'v2']), 'x.yaml'))), []);
  assert.equal(
    only(
      'subset-without-dr',
      lint(loadPolicyText(route + rule('reviews.default.svc.cluster.local', ['v2']), 'x.yaml')),
    ),
    [],
    'short name = FQDN in the same namespace',
  );
});

test('the demo policies lint to the traps they knowingly keep (default retries, panic mode, per-replica limits, the default ejection cap)', async () => {
  const lineOf = async (file: string, text: string) =>
    (await readFile(`policies/${file}`, 'utf8')).split('\n').findIndex((l) => l.includes(text)) + 1;
  const findings = lint(await loadPolicies(['policies']), { replicas: 2 });
  assert.equal(
    findings.map((f) => `${f.file.replace('policies/', '')}:${f.line} ${f.rule}`),
    [
      `connection-pool.yaml:${await lineOf('connection-pool.yaml', 'maxConnections:')} per-replica-limits`,
      `connection-pool.yaml:${await lineOf('connection-pool.yaml', 'http1MaxPendingRequests:')} per-replica-limits`,
      `fault-injection.yaml:${await lineOf('fault-injection.yaml', '- route:')} default-retries`,
      `outlier-detection-default-cap.yaml:${await lineOf('outlier-detection-default-cap.yaml', 'outlierDetection:')} max-ejection-percent-default`,
      `outlier-detection-default-cap.yaml:${await lineOf('outlier-detection-default-cap.yaml', 'outlierDetection:')} panic-mode-off`,
      `outlier-detection.yaml:${await lineOf('outlier-detection.yaml', 'outlierDetection:')} panic-mode-off`,
      `route-timeout.yaml:${await lineOf('route-timeout.yaml', '- route:')} default-retries`,
    ],
  );
});

test('lint skips values of the wrong type (validate reports them) instead of crashing', () => {
  const broken = vs('timeout: 5\nretries: [1]\nfault: "x"') + '---\n' + dr('connectionPool: 3\noutlierDetection: [1]');
  assert.not.throws(() => lint(loadPolicyText(broken, 'x.yaml')));
});

test.run();
