import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseScenario } from '../../src/scenario/scenario.js';
import { phaseOrder } from '../../src/experiment/order.js';
import { warmupProfile } from '../../src/experiment/warmup.js';
import { k6Rules } from '../../src/load/k6/rules.js';
import { FILE, GOOD, errorsOf } from './scenario-text.js';

test('a minimal scenario gets the documented defaults: local mesh, repeat 1, seed 42, warm-up 1s', () => {
  const s = parseScenario(FILE, GOOD, '/work/demo/scenarios');
  assert.is(s.name, 'demo');
  assert.equal(s.target, {
    url: undefined,
    host: 'bookinfo.example.com',
    path: '/productpage',
    method: 'GET',
    headers: {},
  });
  assert.equal(s.load, { executor: 'constant-vus', vus: 10, duration: '4s' });
  assert.equal(
    s.policy.files,
    ['/work/demo/policies/connection-pool.yaml'],
    'policy paths resolve against the scenario folder',
  );
  assert.equal(s.policy.filesAsWritten, ['../policies/connection-pool.yaml']);
  assert.is(s.policy.namespace, undefined, "unset: the target's namespace applies");
  assert.is(s.policy.propagationTimeoutMs, 30_000);
  assert.is(s.repeat, 1);
  assert.is(s.seed, 42);
  assert.is(s.warmupMs, 1000);
  assert.is(s.local.pods.length, 3);
  assert.equal(
    s.gates.map((g) => ({ scope: g.scope, metric: g.metric, expression: g.gate.expression })),
    [{ scope: 'policy', metric: 'cause_overflow', expression: 'rate>=0.3' }],
  );
});

test('the compact local form builds the app model: pod count, shared latency, one bad pod', () => {
  const s = parseScenario(
    FILE,
    `${GOOD}local:
  pods: 4
  latency: { p50: 20ms, p99: 80ms }
  overrides:
    - { pod: 2, errors: { status: 500, rate: 1 } }
    - { pod: productpage-v1-3, latency: { fixed: 1s }, mode: hang }
`,
  );
  assert.equal(
    s.local.pods.map((p) => p.name),
    ['productpage-v1-0', 'productpage-v1-1', 'productpage-v1-2', 'productpage-v1-3'],
  );
  assert.equal(s.local.pods[0].behaviour, { mode: 'serve', latency: { kind: 'lognormal', p50Ms: 20, p99Ms: 80 } });
  assert.equal(s.local.pods[2].behaviour, {
    mode: 'serve',
    latency: { kind: 'lognormal', p50Ms: 20, p99Ms: 80 },
    errors: { status: 500, rate: 1 },
  });
  assert.equal(s.local.pods[3].behaviour, { mode: 'hang', latency: { kind: 'fixed', ms: 1000 } });
  assert.is(s.local.objects.length, 1, 'the pre-existing VirtualService comes with the app');
});

test('a scenario name over 100 characters is refused up front, naming file:line:col (it would end in ENAMETOOLONG at the journal; issue 13 item 8)', () => {
  const long = 'n'.repeat(300);
  assert.equal(errorsOf(GOOD.replace('name: demo', `name: ${long}`)), [
    `${FILE}:1:7: name: expected at most 100 characters (it names the report folder and the run's journal file), got 300`,
  ]);
  assert.is(
    parseScenario(FILE, GOOD.replace('name: demo', `name: ${'n'.repeat(100)}`), '/work/demo/scenarios').name.length,
    100,
  );
});

test('a policy handed to run (meshproof run policies/x.yaml) is one line naming its kind, not an unknown-field error per key', () => {
  const policy =
    'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: { name: p }\nspec: { host: p }\n';
  assert.equal(errorsOf(policy), [
    `${FILE}:2:7: kind: this is a Kubernetes manifest (DestinationRule), not a scenario: a scenario names it under policy.files (see scenarios/*.yaml); meshproof validate and lint check it on its own`,
  ]);
});

test('§2.3 / §6.2 local.workers and local.network: default 2 workers and loopback; set, they reach the gateway spec', () => {
  const plain = parseScenario(FILE, GOOD, '/work/demo/scenarios');
  assert.equal(plain.localGateway, { workers: 2, network: { rttMs: 0, jitterMs: 0 } });
  const s = parseScenario(
    FILE,
    `${GOOD}local:\n  workers: 3\n  network: { rtt: 60ms, jitter: 10ms }\n`,
    '/work/demo/scenarios',
  );
  assert.equal(s.localGateway, { workers: 3, network: { rttMs: 60, jitterMs: 10 } });
  assert.is(s.local.pods.length, 3, 'the gateway keys do not disturb the app model');
  const noJitter = parseScenario(FILE, `${GOOD}local: { network: { rtt: 1.5s } }\n`, '/work/demo/scenarios');
  assert.equal(noJitter.localGateway.network, { rttMs: 1500, jitterMs: 0 });
});

test('local.workers and local.network errors name file:line:col and the field', () => {
  assert.equal(errorsOf(`${GOOD}local:\n  workers: 0\n  network: { jitter: 60, loss: 1 }\n`), [
    'scenarios/x.yaml:7:12: local.workers: expected an integer ≥ 1, got 0',
    'scenarios/x.yaml:8:12: local.network.rtt: required',
    'scenarios/x.yaml:8:22: local.network.jitter: expected a duration like "10ms", got 60',
    'scenarios/x.yaml:8:26: local.network.loss: unknown field; expected one of rtt, jitter',
  ]);
  assert.equal(errorsOf(`${GOOD}local: { workers: 2.5, network: { rtt: 11s } }\n`), [
    'scenarios/x.yaml:6:19: local.workers: expected an integer, got 2.5',
    'scenarios/x.yaml:6:40: local.network.rtt: expected at most 10s, got 11000 ms',
  ]);
});

test('load errors name file:line:col and the k6 field', () => {
  assert.equal(errorsOf(GOOD.replace('duration: 4s', 'duration: 30')), [
    'scenarios/x.yaml:2:52: load.duration: expected a positive duration like "30s", got 30',
  ]);
  assert.equal(errorsOf(GOOD.replace('executor: constant-vus', 'executor: constant-users')), [
    'scenarios/x.yaml:2:19: load.executor: expected one of constant-vus, ramping-vus, constant-arrival-rate, ramping-arrival-rate, got "constant-users"',
  ]);
  assert.equal(errorsOf(GOOD.replace('vus: 10,', 'vus: 10, rate: 5,')), [
    'scenarios/x.yaml:2:42: load.rate: unknown field; expected one of executor, vus, duration, gracefulStop, instances',
  ]);
});

test('a stage with a field k6 does not know is refused, as k6 refuses it (lib/executors.go StrictJSONUnmarshal: DisallowUnknownFields reaches the Stage structs)', () => {
  const ramping = 'load: { executor: ramping-vus, stages: [{ duration: 4s, target: 10, vus: 3 }] }';
  assert.equal(errorsOf(GOOD.replace(/^load: .*$/m, ramping)), [
    'scenarios/x.yaml:2:69: load.stages[0].vus: unknown field; expected one of duration, target',
  ]);
});

test('every mistake is listed at once, in file order', () => {
  const text = `name: "bad name!"
load: { executor: constant-vus, vus: 0, duration: 4s }
policy: { files: [], settle: 2 }
repeat: 0
warmup: soon
expect:
  policy: { cause_overflow: ["rate>=0.3"] }
colour: red
`;
  assert.equal(errorsOf(text), [
    'scenarios/x.yaml:1:7: name: expected letters, digits, ".", "_" or "-" (it names the report folder), got "bad name!"',
    'scenarios/x.yaml:2:38: load.vus: expected a positive integer, got 0',
    'scenarios/x.yaml:3:18: policy.files: expected at least one policy file',
    'scenarios/x.yaml:3:30: policy.settle: expected a duration like "2s", got 2',
    'scenarios/x.yaml:4:9: repeat: expected an integer ≥ 1, got 0',
    'scenarios/x.yaml:5:9: warmup: expected a duration like "1s", got "soon"',
    'scenarios/x.yaml:8:1: colour: unknown field; expected one of name, description, target, local, load, policy, expect, repeat, seed, warmup',
  ]);
});

test('gate errors point at the gate: malformed expression, unknown metric, aggregation that does not apply', () => {
  const text = `name: g
load: { executor: constant-vus, vus: 1, duration: 1s }
policy: { files: [p.yaml] }
expect:
  policy:
    cause_overflow: ["rate>=0.3", "rate=>0.3"]
    cause_overload: ["rate>0"]
  delta:
    http_req_duration: ["rate<1"]
  after: {}
`;
  assert.equal(errorsOf(text), [
    'scenarios/x.yaml:6:35: expect.policy.cause_overflow[1]: gate "rate=>0.3": expected an operator (< <= > >= == !=) after "rate", got "=>0.3"',
    'scenarios/x.yaml:7:5: expect.policy.cause_overload: unknown cause "overload" in metric "cause_overload"; expected one of ok, overflow, no_healthy_upstream, route_timeout, fault_abort, upstream_reset, app_error, client_error, network_error',
    'scenarios/x.yaml:9:25: expect.delta.http_req_duration[0]: gate "rate<1": rate does not apply to http_req_duration; expected p(N), avg, min, max, med',
    'scenarios/x.yaml:10:3: expect.after: unknown field; expected one of baseline, policy, delta',
  ]);
});

test('local and target errors, and missing required sections', () => {
  const text = `name: t
target: { url: "gateway:80", path: productpage }
local:
  pods: 2
  latency: { p50: 60ms, p99: 20ms }
  overrides: [{ pod: 7, mode: crash }]
`;
  assert.equal(errorsOf(text), [
    'scenarios/x.yaml:1:1: load: required (a k6 executor, e.g. { executor: constant-vus, vus: 10, duration: 5s })',
    'scenarios/x.yaml:1:1: policy: required (policy.files: the manifests to prove)',
    'scenarios/x.yaml:1:1: expect: required: at least one gate (e.g. policy: { cause_overflow: ["rate>=0.3"] })',
    'scenarios/x.yaml:2:16: target.url: expected "auto" or a URL like "http://1.2.3.4:80", got "gateway:80"',
    'scenarios/x.yaml:2:36: target.path: expected a path starting with "/", got "productpage"',
    'scenarios/x.yaml:5:30: local.latency.p99: expected p99 ≥ p50 (60 ms), got 20 ms',
    'scenarios/x.yaml:6:22: local.overrides[0].pod: expected a pod index 0..1 or a name like "productpage-v1-0", got 7',
    'scenarios/x.yaml:6:31: local.overrides[0].mode: expected one of serve, refuse, hang, close, got "crash"',
  ]);
});

test('local.proxy (§3.2): unset = current Envoy; envoy-1.26 is the named old ejection cap; anything else is an error naming file:line:col', () => {
  assert.is(parseScenario(FILE, GOOD, '/work/demo/scenarios').local.proxy, undefined);
  assert.is(
    parseScenario(FILE, `${GOOD}local: { proxy: envoy-1.26 }\n`, '/work/demo/scenarios').local.proxy,
    'envoy-1.26',
  );
  assert.is(parseScenario(FILE, `${GOOD}local: { proxy: current }\n`, '/work/demo/scenarios').local.proxy, 'current');
  assert.equal(errorsOf(`${GOOD}local:\n  proxy: envoy-1.25\n`), [
    'scenarios/x.yaml:7:10: local.proxy: expected one of current, envoy-1.26, got "envoy-1.25"',
  ]);
});

test('a target URL with user:password@ is refused without echoing it (design.md Safety rules: never print credentials)', () => {
  const errors = errorsOf(GOOD + 'target: { url: "http://admin:hunter2@gw.example:80" }\n');
  assert.equal(errors, [
    'scenarios/x.yaml:6:16: target.url: expected a URL without "user:password@" (reports echo the URL); put credentials in target.headers, whose values reports withhold',
  ]);
  assert.not.ok(errors.join('\n').includes('hunter2'));
});

test('YAML syntax errors keep their position', () => {
  assert.equal(errorsOf('name: a\nname: b\n'), [
    'scenarios/x.yaml:2:1: invalid YAML: duplicate key "name": each key may appear only once in a mapping',
  ]);
});

test('repeat N alternates A B, B A, A B …', () => {
  assert.equal(phaseOrder(1), ['baseline', 'policy']);
  assert.equal(phaseOrder(2), ['baseline', 'policy', 'policy', 'baseline']);
  assert.equal(phaseOrder(3), ['baseline', 'policy', 'policy', 'baseline', 'baseline', 'policy']);
});

test('warm-up holds the starting intensity of each executor, as a ramping stage k6 accepts under 1 s', () => {
  assert.equal(warmupProfile({ executor: 'constant-vus', vus: 10, duration: '5s' }, 500), {
    executor: 'ramping-vus',
    startVUs: 10,
    stages: [{ duration: '0.5s', target: 10 }],
    gracefulRampDown: '0s',
    gracefulStop: '0s',
  });
  assert.equal(warmupProfile({ executor: 'ramping-vus', startVUs: 2, stages: [{ duration: '5s', target: 8 }] }, 1000), {
    executor: 'ramping-vus',
    startVUs: 8,
    stages: [{ duration: '1s', target: 8 }],
    gracefulRampDown: '0s',
    gracefulStop: '0s',
  });
  assert.equal(
    warmupProfile(
      {
        executor: 'ramping-arrival-rate',
        startRate: 5,
        timeUnit: '1s',
        stages: [{ duration: '5s', target: 50 }],
        preAllocatedVUs: 10,
      },
      1000,
    ),
    {
      executor: 'ramping-arrival-rate',
      startRate: 50,
      timeUnit: '1s',
      stages: [{ duration: '1s', target: 50 }],
      preAllocatedVUs: 10,
      maxVUs: 10,
      gracefulStop: '0s',
    },
  );
  assert.equal(
    warmupProfile({ executor: 'constant-arrival-rate', rate: 20, duration: '5s', preAllocatedVUs: 4, maxVUs: 9 }, 200),
    {
      executor: 'ramping-arrival-rate',
      startRate: 20,
      timeUnit: undefined,
      stages: [{ duration: '0.2s', target: 20 }],
      preAllocatedVUs: 4,
      maxVUs: 9,
      gracefulStop: '0s',
    },
  );
  // every warm-up of every demo length is one k6 accepts (src/load/k6/rules.ts)
  for (const ms of [1, 200, 500, 999]) {
    for (const p of [
      { executor: 'constant-vus', vus: 10, duration: '3s' },
      { executor: 'constant-arrival-rate', rate: 20, duration: '3s', preAllocatedVUs: 4 },
    ] as const)
      assert.equal(k6Rules(warmupProfile(p, ms)), [], `${p.executor} warm-up of ${ms} ms`);
  }
});

test.run();
