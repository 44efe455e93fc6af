/**
 * Issue 13 items 1, 3 and 17 in scenario files: each bad value is one error naming
 * file:line:col and the field — never a run that spins, ends at once, or lies.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseScenario } from '../../src/scenario/scenario.js';

import { FILE, GOOD, errorsOf } from './scenario-text.js';

test('item 1: a header name with a space, CR/LF in a header value and in target.host are field errors (values never echoed)', () => {
  const text = `${GOOD}target:\n  host: "a.example.com\\r\\nX-Evil: 1"\n  headers:\n    bad header: v\n    authorization: "Bearer S\\r\\nX: y"\n`;
  assert.equal(errorsOf(text), [
    'scenarios/x.yaml:7:9: target.host: expected a host name like "bookinfo.example.com" (optionally ":port"), got "a.example.com\\r\\nX-Evil: 1"',
    'scenarios/x.yaml:9:5: target.headers["bad header"]: expected a header name (letters, digits and !#$%&\'*+-.^_`|~, no spaces), got "bad header"',
    'scenarios/x.yaml:10:20: target.headers.authorization: expected a header value without control characters or characters above U+00FF, got CR at character 9 (value withheld)',
  ]);
});

test('item 1: a Host header in target.headers is refused in favour of target.host (the client sets it)', () => {
  const [e] = errorsOf(`${GOOD}target:\n  headers: { Host: x.example.com }\n`);
  assert.match(
    e,
    /^scenarios\/x\.yaml:7:14: target\.headers\.Host: expected a header the HTTP client does not set itself .*got "Host"$/,
  );
});

test("item 3: 876000h for duration, warmup, settle, gracefulStop and latency.fixed: exit-2 errors stating Node's timer maximum", () => {
  const text = `name: demo
load: { executor: constant-vus, vus: 10, duration: 876000h, gracefulStop: 876000h }
policy: { files: [p.yaml], settle: 876000h }
expect:
  policy: { cause_overflow: ["rate>=0.3"] }
warmup: 876000h
local:
  latency: { fixed: 876000h }
`;
  const errors = errorsOf(text);
  const max = 'up to 596h31m23.647s (Node\'s timer limit), got "876000h"';
  assert.equal(errors, [
    `scenarios/x.yaml:2:52: load.duration: expected a positive duration like "30s" ${max}`,
    `scenarios/x.yaml:2:75: load.gracefulStop: expected a duration like "30s" ${max}`,
    `scenarios/x.yaml:3:36: policy.settle: expected a duration like "2s" ${max}`,
    `scenarios/x.yaml:6:9: warmup: expected a duration like "1s" ${max}`,
    `scenarios/x.yaml:8:21: local.latency.fixed: expected a duration like "10ms" ${max}`,
  ]);
});

test('item 3: stages each under the limit but 25 days in sum are refused as a whole; 596h31m23.647s exactly is accepted', () => {
  const stages = `load: { executor: ramping-vus, stages: [{ duration: 300h, target: 1 }, { duration: 300h, target: 0 }], gracefulStop: 0s }`;
  const [e] = errorsOf(GOOD.replace(/^load: .*$/m, stages));
  assert.is(
    e,
    "scenarios/x.yaml:2:40: load.stages: expected the whole run (the stages plus gracefulStop) to last at most 596h31m23.647s (Node's timer limit), got 600h",
  );
  const s = parseScenario(
    FILE,
    GOOD.replace('duration: 4s', 'duration: 596h31m23.647s, gracefulStop: 0s'),
    '/work/demo/scenarios',
  );
  assert.is(s.load.executor, 'constant-vus');
});

test('item 17: seed 1e300, URL port 0, gates rate<5 and status_999 are each a field error', () => {
  const text = `name: demo
load: { executor: constant-vus, vus: 10, duration: 4s }
policy: { files: [p.yaml] }
expect:
  policy: { cause_overflow: ["rate<5"], status_999: ["rate>0.1"] }
  delta: { status_503: ["rate>=-2"] }
seed: 1e300
target: { url: "http://127.0.0.1:0" }
`;
  assert.equal(errorsOf(text), [
    'scenarios/x.yaml:5:30: expect.policy.cause_overflow[0]: gate "rate<5": rate is a share of requests, so the threshold must be from 0 to 1 (0.3 = 30 %), got 5',
    'scenarios/x.yaml:5:41: expect.policy.status_999: unknown status in metric "status_999"; expected status_0 (no response) or an HTTP status from status_100 to status_599',
    'scenarios/x.yaml:6:25: expect.delta.status_503[0]: gate "rate>=-2": rate is a share of requests (here the change of one), so the threshold must be from -1 to 1 (0.3 = 30 %), got -2',
    'scenarios/x.yaml:7:7: seed: expected an integer ≤ 4294967295, got 1e+300',
    'scenarios/x.yaml:8:16: target.url: expected a port from 1 to 65535, got 0 in "http://127.0.0.1:0/"',
  ]);
});

test('item 17: http_reqs rate is a throughput, not a share: "rate>=50" stays valid', () => {
  const s = parseScenario(
    FILE,
    GOOD.replace('cause_overflow: ["rate>=0.3"]', 'http_reqs: ["rate>=50"]'),
    '/work/demo/scenarios',
  );
  assert.equal(
    s.gates.map((g) => ({ scope: g.scope, metric: g.metric, expression: g.gate.expression })),
    [{ scope: 'policy', metric: 'http_reqs', expression: 'rate>=50' }],
  );
});

test.run();
