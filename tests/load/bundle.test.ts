import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { importsOf, runScript, type ScriptedResponse } from '../fixtures/fake-k6/harness.mjs';
import { bucketOf } from '../../src/load/k6/metrics/buckets.js';
import { toSummaryFile } from '../../src/load/k6/metrics/summary-file.js';
import { classify } from '../../src/load/classify.js';
import { ensureBundle } from './helpers/bundle.js';
import { newerThanEs2017 } from './helpers/es2017.js';
import { LOCAL_REPLIES } from './helpers/local-replies.js';

const bundle = ensureBundle();
const code = readFileSync(bundle, 'utf8');
const plan = {
  method: 'POST',
  baseUrl: 'http://127.0.0.1:9080/',
  path: '/productpage',
  host: 'bookinfo.example.com',
  headers: { 'x-run': 'r1' },
  body: 'b',
  timeout: '5s',
};
const profile = {
  executor: 'constant-arrival-rate',
  rate: 100,
  timeUnit: '1s',
  duration: '30s',
  preAllocatedVUs: 20,
  maxVUs: 50,
};
const env = {
  MESHPROOF_PLAN: JSON.stringify(plan),
  MESHPROOF_PROFILE: JSON.stringify(profile),
  MESHPROOF_SUMMARY: '/tmp/meshproof-test-summary.json',
};

test('dist/k6/resilience.js imports only k6 modules (everything else is bundled in)', () => {
  const imports = importsOf(code);
  assert.ok(imports.length > 0);
  for (const spec of imports) assert.ok(spec === 'k6' || spec.startsWith('k6/'), spec);
});

test('dist/k6/resilience.js uses no syntax newer than ES2017 (k6 0.4x)', () => {
  assert.equal(newerThanEs2017(code), []);
});

test('the ES2017 check is not vacuous: it flags ?., ??, object spread and class fields', () => {
  for (const snippet of [
    'export const a = (x) => x?.y;',
    'export const b = (x) => x ?? 1;',
    'export const c = (x) => ({ ...x });',
    'export class D { e = 1; }',
  ]) {
    assert.is(newerThanEs2017(snippet).length, 1, snippet);
  }
  assert.equal(newerThanEs2017('export const ok = async (x) => { for (const k of Object.keys(x)) await k; };'), []);
});

test('options: the profile becomes the one scenario; trend stats include p(99) and p(99.9)', async () => {
  const run = await runScript(bundle, env, []);
  assert.equal(run.options.scenarios, { meshproof: { ...profile, exec: 'default' } });
  assert.ok(run.options.summaryTrendStats.includes('p(99)'));
  assert.ok(run.options.summaryTrendStats.includes('p(99.9)'));
  assert.is(run.options.discardResponseBodies, false);
});

test('with stand-ins for k6/http and k6/metrics, each §1 local reply records exactly its status, cause, outcome trend, outcome bucket, second and second × cause', async () => {
  const responses: ScriptedResponse[] = [
    ...LOCAL_REPLIES.map((r, i) => ({ status: r.status, body: r.body, headers: r.headers, duration: 1 + i * 7.5 })),
    { status: 0, duration: 60000 },
  ];
  const run = await runScript(bundle, env, responses);
  assert.is(run.unused, 0, 'every scripted response was consumed');
  const expected = responses.flatMap((r) => {
    const cause = classify({ status: r.status, body: r.body ?? '', overloaded: r.headers?.['x-envoy-overloaded'] });
    return [
      { metric: `status_${r.status}`, value: 1 },
      { metric: `cause_${cause}`, value: 1 },
      { metric: `latency_${cause}`, value: r.duration },
      { metric: `latency_bucket_${cause}_${bucketOf(r.duration)}`, value: 1 },
      { metric: 'second_0', value: r.duration },
      { metric: `second_0_${cause}`, value: 1 },
    ];
  });
  assert.equal(
    run.calls.map((c) => ({ metric: c.metric, value: c.value })),
    expected,
  );
  // the request sent: method, URL, Host header, extra header, body and timeout from the plan
  assert.equal(run.requests[0], {
    method: 'POST',
    url: 'http://127.0.0.1:9080/productpage',
    body: 'b',
    params: {
      headers: { 'x-run': 'r1', Host: 'bookinfo.example.com' },
      timeout: '5s',
      responseType: 'text',
      redirects: 0,
    },
  });
  // expected statuses: no response is the only http_req_failed, 503s are not tool errors
  assert.equal(run.data.metrics.http_req_failed.values, {
    rate: 1 / responses.length,
    passes: 1,
    fails: responses.length - 1,
  });
  // what setup() returned reaches handleSummary as data.setup_data (js/summary.go)
  assert.type((run.data.setup_data as { startMs: number }).startMs, 'number');
  // handleSummary writes our file to MESHPROOF_SUMMARY
  const file = JSON.parse(run.outputs[env.MESHPROOF_SUMMARY]);
  assert.is(file.format, 'meshproof-k6-summary');
  assert.is(file.counters.http_reqs, responses.length);
  assert.is(file.counters.cause_upstream_reset, 6);
  assert.is(file.counters.status_503, 9);
  assert.is(file.trends.latency_network_error['p(99.9)'], 60000);
});

test('an unregistered status code counts under its class (status_5xx), a registered one under itself', async () => {
  const run = await runScript(bundle, env, [
    { status: 599, body: '', duration: 2 },
    { status: 429, body: '', duration: 2 },
  ]);
  const file = JSON.parse(run.outputs[env.MESHPROOF_SUMMARY]);
  assert.is(file.counters.status_5xx, 1);
  assert.is(file.counters.status_429, 1);
  assert.is(file.counters.cause_app_error, 1);
  assert.is(file.counters.cause_client_error, 1);
});

test("a gateway's redirect is counted as the 3xx it is, as the built-in engine counts it: k6 would follow it (10 hops by default) without redirects: 0", async () => {
  // followed, the redirect would ask for a second response, and the fake has none
  const run = await runScript(bundle, env, [
    { status: 301, body: '', headers: { location: 'https://elsewhere.example.com/' }, duration: 3 },
  ]);
  assert.is(run.requests.length, 1);
  assert.is(run.unused, 0);
  const file = JSON.parse(run.outputs[env.MESHPROOF_SUMMARY]);
  assert.is(file.counters.status_301, 1);
  assert.is(file.counters.status_200, undefined);
  assert.is(file.counters.http_reqs, 1);
});

test("handleSummary refuses a summary not in k6's legacy shape (the machine-readable one) instead of reading zeros from it", () => {
  const legacy = {
    root_group: { name: '', path: '', id: 'x', groups: [], checks: [] },
    state: { testRunDurationMs: 1200 },
    metrics: { http_reqs: { type: 'counter' as const, contains: 'default', values: { count: 3, rate: 2.5 } } },
  };
  assert.equal(toSummaryFile(legacy).counters, { http_reqs: 3 });
  assert.is(toSummaryFile(legacy).testRunDurationMs, 1200);
  // a shape k6's legacy summarizeMetricsToObject never produces: no root_group / state, metrics without values
  const other = { version: '1.0.0', metrics: { http_reqs: { type: 'counter', count: 3 } } };
  assert.throws(
    () => toSummaryFile(other as unknown as Parameters<typeof toSummaryFile>[0]),
    /handleSummary got a summary not in k6's legacy shape/,
  );
  assert.throws(() => toSummaryFile({ ...legacy, state: undefined }), /not in k6's legacy shape/);
});

test.run();
