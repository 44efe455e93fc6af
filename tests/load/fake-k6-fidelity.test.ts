// The fake k6 against k6's Go source, on what earlier fakes let through: redirects followed as
// k6's http.Client follows them (lib/netext/httpext/request.go MakeRequest CheckRedirect), metric
// names checked as metrics/registry.go NewMetric checks them, a scenario decoded strictly
// (internal/js/bundle.go populateExports → lib/executors.go StrictJSONUnmarshal: exit 104),
// an exception in the init context (exit 107), and the K6_* environment k6 reads as
// configuration (internal/cmd/runtime_options.go, internal/cmd/config.go).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runScript, type ScriptedResponse, summaryData } from '../fixtures/fake-k6/harness.mjs';
import { decodeError, ns } from '../fixtures/fake-k6/validate.mjs';
import { ensureBundle } from './helpers/bundle.js';
import { runFakeK6 } from './helpers/fake-k6-cli.js';

const bundle = ensureBundle();
const dir = mkdtempSync(join(tmpdir(), 'meshproof-fake-k6-fidelity-'));
const responses = join(dir, 'responses.json');
writeFileSync(responses, JSON.stringify([{ status: 200, body: 'ok', duration: 1 }]));
const summary = join(dir, 'summary.json');

/** A hand-written k6 script (ESM, k6 modules only) in the temporary directory. */
function scriptFile(name: string, code: string): string {
  const path = join(dir, name);
  writeFileSync(path, code);
  return path;
}

const redirecting = (options: string, params: string) =>
  scriptFile(
    `redirect-${Math.random().toString(36).slice(2)}.js`,
    `import http from 'k6/http';
export const options = ${options};
export default function () { http.request('POST', 'http://127.0.0.1:9/a', 'payload', ${params}); }
`,
  );
const hop = (status: number, location: string): ScriptedResponse => ({
  status,
  body: '',
  headers: { location },
  duration: 1,
});

test('redirects: followed up to 10 hops by default; 301/302/303 turn into GET without a body, 307/308 keep both', async () => {
  const run = await runScript(redirecting('{}', '{}'), {}, [
    hop(307, '/b'),
    hop(302, 'http://127.0.0.1:9/c'),
    { status: 200, body: 'ok', duration: 1 },
  ]);
  assert.equal(
    run.requests.map((r) => [r.method, r.url, r.body]),
    [
      ['POST', 'http://127.0.0.1:9/a', 'payload'],
      ['POST', 'http://127.0.0.1:9/b', 'payload'],
      ['GET', 'http://127.0.0.1:9/c', null],
    ],
  );
  assert.is(run.unused, 0);
  assert.is(run.data.metrics.http_reqs.values.count, 3, 'each hop is a request');
  const eleven = await runScript(
    redirecting('{}', '{}'),
    {},
    Array.from({ length: 11 }, (_, i) => hop(302, `/r${i}`)),
  );
  // CheckRedirect stops when len(via) > 10: the first request and 10 redirects, the 11th 302 returned
  assert.is(eleven.requests.length, 11);
  assert.is(eleven.unused, 0);
  assert.is(eleven.data.metrics.http_reqs.values.count, 11);
});

test('redirects: the request param wins over the maxRedirects option; 0 returns the 3xx itself', async () => {
  const byOption = await runScript(redirecting('{ maxRedirects: 1 }', '{}'), {}, [hop(301, '/b'), hop(301, '/c')]);
  assert.is(byOption.requests.length, 2);
  assert.is(byOption.unused, 0);
  const byParam = await runScript(redirecting('{ maxRedirects: 1 }', '{ redirects: 0 }'), {}, [hop(301, '/b')]);
  assert.is(byParam.requests.length, 1);
  assert.is(byParam.unused, 0);
});

test('durations as lib/types/types.go ParseExtendedDuration reads them: numbers and numeric strings are ms, "Nd" days plus a Go duration', () => {
  assert.is(ns('1d12h'), 36 * 3600e9);
  assert.is(ns('1500'), 1.5e9);
  assert.is(ns(250), 250e6);
  assert.is(ns('1h30m'), 5400e9);
  assert.throws(() => ns('10x'), /^time: unknown unit "x" in duration "10x"$/);
  assert.throws(() => ns('1d-1h'), /invalid time format '-1h'/);
});

test("metric names: outside ^[a-zA-Z_][a-zA-Z0-9_]{1,128}$ or redefined with another type, NewMetric's error in the init context", async () => {
  const metricScript = (init: string) =>
    scriptFile(
      `metric-${Math.random().toString(36).slice(2)}.js`,
      `import { Counter, Trend } from 'k6/metrics';\n${init}\nexport default function () {}\n`,
    );
  const fails = (init: string) =>
    runScript(metricScript(init), {}, []).then(
      () => '',
      (e: Error) => e.message,
    );
  assert.is(
    await fails("new Counter('status-503');"),
    "Invalid metric name: 'status-503'. Metric names should start with a letter or an underscore and only include up to 128 ASCII letters, numbers, or underscores.",
  );
  assert.match(await fails(`new Counter('a${'b'.repeat(129)}');`), /^Invalid metric name: 'ab{129}'/);
  assert.match(await fails("new Counter('x');"), /^Invalid metric name: 'x'/);
  assert.is(await fails(`new Counter('c${'d'.repeat(128)}');`), '', '129 characters are allowed');
  assert.is(
    await fails("new Counter('hits'); new Trend('hits');"),
    "metric 'hits' already exists but with type counter, instead of trend",
  );
  assert.is(
    await fails("new Trend('lat', true); new Trend('lat');"),
    "metric 'lat' already exists but with a value type time, instead of default",
  );
});

test("scenario decoding: a field the executor does not have is refused strictly, the first in Go's sorted key order, stage fields too", () => {
  const sc = (fields: Record<string, unknown>) => ({ scenarios: { meshproof: fields } });
  assert.is(decodeError(sc({ executor: 'constant-vus', vus: 1, duration: '1s', exec: 'default' })), undefined);
  assert.is(
    decodeError(sc({ executor: 'constant-vus', vus: 1, duration: '1s', timeUnit: '1s', maxVUs: 2 })),
    'json: unknown field "maxVUs"',
  );
  assert.is(
    decodeError(sc({ executor: 'ramping-vus', stages: [{ duration: '1s', target: 1, rate: 2 }], zeta: 1 })),
    'json: unknown field "rate"',
  );
  // encoding/json matches a key to a field case-insensitively
  assert.is(decodeError(sc({ executor: 'constant-vus', VUS: 1, Duration: '1s' })), undefined);
  // durations as lib/types ParseExtendedDuration reads them; what it cannot read is Go's error
  assert.is(decodeError(sc({ executor: 'constant-vus', duration: '1d12h', gracefulStop: '1500' })), undefined);
  assert.is(
    decodeError(sc({ executor: 'constant-vus', duration: '1x', zzz: 1 })),
    'time: unknown unit "x" in duration "1x"',
  );
  assert.is(
    decodeError(
      sc({
        executor: 'ramping-vus',
        stages: [
          { duration: '10', target: 1 },
          { duration: '5', target: 0 },
        ],
      }),
    ),
    undefined,
  );
  assert.is(
    decodeError(sc({ executor: 'ramping-vus', stages: [{ duration: '.s', target: 1 }] })),
    'time: invalid duration ".s"',
  );
  assert.is(decodeError(sc({ vus: 1 })), "scenario 'meshproof' doesn't have a specified executor type");
  assert.is(decodeError(sc({ executor: 'externally-controlled' })), "unknown executor type 'externally-controlled'");
});

function k6(profile: string, extraEnv: Record<string, string> = {}, flags: string[] = []) {
  rmSync(summary, { force: true });
  const r = runFakeK6({ profile, summary, flags, env: { FAKE_K6_RESPONSES: responses, ...extraEnv } });
  return { ...r, summary: existsSync(summary) };
}

test('a scenario field k6 does not decode: exit 104 from loading the script, before validation', () => {
  const r = k6('{"executor":"constant-vus","vus":1,"duration":"1s","gracefulRampDown":"1s"}');
  assert.is(r.status, 104);
  assert.ok(
    r.stderr.includes(
      `level=error msg="could not initialize '${bundle}': could not load JS test '${pathToFileURL(bundle).href}': json: unknown field \\"gracefulRampDown\\""`,
    ),
    r.stderr,
  );
  assert.not.ok(r.summary);
});

test('an exception in the init context: exit 107, wrapped as test_load.go wraps it', () => {
  const r = k6('not json');
  assert.is(r.status, 107);
  assert.match(
    r.stderr,
    /msg="could not initialize '[^']+': could not load JS test 'file:\/\/[^']+': MESHPROOF_PROFILE: expected JSON, got not json"/,
  );
});

test('K6_NO_SUMMARY / K6_SUMMARY_MODE=disabled / --no-summary: no handleSummary, so no summary file; other K6_* are refused as not imitated', () => {
  const profile = '{"executor":"constant-vus","vus":1,"duration":"1s"}';
  // --no-summary and K6_NO_SUMMARY are gone in v2 (tests/load/fake-k6-versions.test.ts): a v1 here
  const v1 = { FAKE_K6_VERSION: '1.8.1' };
  assert.equal(k6(profile), { status: 0, stderr: '', summary: true });
  assert.is(k6(profile, { ...v1, K6_NO_SUMMARY: 'true' }).summary, false);
  assert.is(k6(profile, { ...v1, K6_NO_SUMMARY: 'f' }).summary, true);
  assert.is(k6(profile, { K6_SUMMARY_MODE: 'disabled' }).summary, false);
  assert.is(k6(profile, v1, ['--no-summary']).summary, false);
  assert.is(k6(profile, { K6_SUMMARY_MODE: 'full' }).status, 0);
  const other = k6(profile, { K6_DURATION: '10m' });
  assert.is(other.status, 2);
  assert.match(other.stderr, /K6_DURATION=10m is k6 configuration this fake does not imitate/);
});

test('a handleSummary that throws: logged as runner.go runUserProvidedHandleSummaryCallback logs it, no summary file, and the exit code the run had (0), not a failed k6', () => {
  const script = scriptFile(
    'throwing-summary.js',
    `import http from 'k6/http';
export const options = { scenarios: { meshproof: { executor: 'constant-vus', vus: 1, duration: '1s', exec: 'default' } } };
export default function () { http.get('http://127.0.0.1:9/'); }
export function handleSummary() { throw new Error('boom'); }
`,
  );
  rmSync(summary, { force: true });
  const r = runFakeK6({
    profile: '{"executor":"constant-vus","vus":1,"duration":"1s"}',
    summary,
    script,
    env: { FAKE_K6_RESPONSES: responses },
  });
  assert.is(r.status, 0);
  assert.match(r.stderr, /level=error msg="Error: boom"/);
  assert.not.ok(existsSync(summary));
});

test("handleSummary's counter values as summary.go's metricValueGetter gives them: count, and a rate of 0 when the run lasted 0 ms", () => {
  const metrics = new Map([['hits', { type: 'counter', contains: 'default', samples: [1, 2] }]]);
  assert.equal(summaryData({ metrics }, {}, 0).metrics.hits.values, { count: 3, rate: 0 });
  assert.equal(summaryData({ metrics }, {}, 1500).metrics.hits.values, { count: 3, rate: 2 });
});

test('an exception in an iteration is logged, the run goes on (getIterationRunner) and the iteration counts in `iterations` (js/runner.go runFn: iterationSamples when the context is not done, whatever the error)', async () => {
  const script = scriptFile(
    'throwing-iteration.js',
    `import http from 'k6/http';
export default function () { const r = http.get('http://127.0.0.1:9/'); if (r.status === 500) throw new Error('bad ' + r.status); }
`,
  );
  const run = await runScript(script, {}, [
    { status: 500, body: '', duration: 1 },
    { status: 200, body: '', duration: 1 },
  ]);
  assert.is(run.requests.length, 2);
  assert.is(run.data.metrics.iterations.values.count, 2);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
