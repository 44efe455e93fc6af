/**
 * The cluster path survives what a busy real kube-apiserver answers, retrying as client-go
 * does (src/cluster/api-retry.ts; client-go rest/with_retry.go, rest/request.go): 429 and 5xx
 * with Retry-After are sent again after the seconds it names, any verb, at most 10 times; a
 * 5xx without it is not; a connection reset is retried for GET only. Against the fake API
 * server's busy answers (fake-apiserver-busy.ts), with a recording sleep so the waits cost
 * nothing — the one real 1 s wait is below and in run-cluster.test.ts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { ClusterApplier } from '../../src/cluster/applier.js';
import { IstioApi } from '../../src/cluster/istio-api.js';
import { Journal } from '../../src/cluster/journal.js';
import { checkReachable, loadConnection } from '../../src/cluster/kubeconfig.js';
import { ownership } from '../../src/cluster/objects.js';
import { restoreFromJournals } from '../../src/cluster/restore.js';
import { API_MAX_RETRIES, realSleep, retryWait, sendWithRetry } from '../../src/cluster/api-retry.js';
import { keyOf } from '../../src/ports.js';
import { ExitCode, InfraError } from '../../src/errors.js';
import { restoreIn } from './restore-cli.js';
import { startFakeEnvoyAdmin } from './fake-envoy-admin.js';
import { installK6Operator } from './fake-apiserver-k6.js';
import { AdminReader, listGatewayPods } from '../../src/cluster/gateway-pods.js';
import { K8sOperatorApi } from '../../src/cluster/k6-operator-api.js';
import { setup, kubectl, getYamlMasked, policies, PRE_EXISTING_VS, type Env } from './helpers.js';

let env: Env;
/** every wait the retry policy asked for, in ms, and every line it logged */
let waits: number[];
let lines: string[];
test.before.each(async () => {
  env = await setup();
  fs.writeFileSync(path.join(env.dir, 'vs.yaml'), PRE_EXISTING_VS);
  assert.is((await kubectl(env, 'apply', '-f', path.join(env.dir, 'vs.yaml'))).code, 0);
  waits = [];
  lines = [];
});
test.after.each(async () => {
  await env.cleanup();
});

const retry = () => ({
  sleep: async (ms: number) => void waits.push(ms),
  log: (line: string) => void lines.push(line),
});

async function applier(runId: string): Promise<ClusterApplier> {
  return new ClusterApplier({
    conn: await loadConnection({ kubeconfig: env.kubeconfig, retry: retry() }),
    runId,
    journal: new Journal(env.journalDir),
    log: () => {},
  });
}

const vsNow = () => env.fake.get('virtualservices', 'default', 'productpage');
const VS_PATH = /\/virtualservices\/productpage$/;
const DR_PATH = /\/destinationrules\/productpage$/;
const count = (method: string, p: RegExp) =>
  env.fake.requests.filter((r) => r.method === method && p.test(r.path)).length;

// --- the policy, as a table from client-go's checkWait / isErrRetryableFunc ------------------

test('which answers are sent again, and after how long (client-go checkWait, retryAfterSeconds, isErrRetryableFunc)', () => {
  const h = (ra?: string): Record<string, string> => (ra === undefined ? {} : { 'retry-after': ra });
  const rows: [string, Parameters<typeof retryWait>[1], number | undefined][] = [
    ['PATCH', { status: 429, headers: h('1') }, 1],
    ['PATCH', { status: 429, headers: h() }, undefined], // 429 without Retry-After: not retried
    ['DELETE', { status: 503, headers: h('3') }, 3],
    ['POST', { status: 500, headers: h('2') }, 2], // ServerTimeout
    ['PUT', { status: 500, headers: h() }, undefined], // etcdserver: request timed out
    ['GET', { status: 504, headers: h() }, undefined], // the timeout filter's 504 has none
    ['GET', { status: 409, headers: h('1') }, undefined], // only 429 and ≥ 500
    ['GET', { status: 429, headers: h('Wed, 21 Oct 2026 07:28:00 GMT') }, undefined], // Atoi fails
    ['GET', { status: 429, headers: h('0') }, 0],
    ['GET', { status: 429, headers: h('-3') }, 0],
    ['GET', { error: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) }, 1],
    ['PUT', { error: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) }, undefined],
    ['GET', { error: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }, undefined],
  ];
  for (const [method, outcome, seconds] of rows)
    assert.is(retryWait(method, outcome)?.seconds, seconds, `${method} ${JSON.stringify(outcome)}`);
});

test('a server that never stops answering 429: 1 send + 10 retries, then the last answer; a long Retry-After stops at the 120 s budget', async () => {
  const answer = (ra: string) => ({ httpStatusCode: 429, headers: { 'retry-after': ra } });
  let sends = 0;
  const opts = { maxRetries: API_MAX_RETRIES, budgetMs: 120_000, ...retry() };
  const last = await sendWithRetry(
    { method: 'GET', path: '/apis' },
    async () => (sends++, answer('1')),
    async () => {},
    opts,
  );
  assert.is(last.httpStatusCode, 429);
  assert.is(sends, 11);
  assert.equal(waits, Array(10).fill(1000));
  assert.is(lines[0], 'API server busy (429) on GET /apis: retrying in 1 s (retry 1 of 10)');
  assert.is(lines[9], 'API server busy (429) on GET /apis: retrying in 1 s (retry 10 of 10)');
  // APF's longest Retry-After, 32 s: three waits (96 s) fit the budget, a fourth (128 s) does not
  sends = 0;
  waits = [];
  await sendWithRetry(
    { method: 'GET', path: '/apis' },
    async () => (sends++, answer('32')),
    async () => {},
    opts,
  );
  assert.equal([sends, waits], [4, [32_000, 32_000, 32_000]]);
});

test('a caller that gave up (its signal aborted) gets no more sends: none before the wait, and the wait itself ends at once (with_retry.go Before: ctx.Err())', async () => {
  const answer = { httpStatusCode: 429, headers: { 'retry-after': '1' } };
  const opts = { maxRetries: API_MAX_RETRIES, budgetMs: 120_000, ...retry() };
  // aborted while the first send was out: its answer is the result, nothing is sent again
  const gaveUp = new AbortController();
  let sends = 0;
  const last = await sendWithRetry(
    { method: 'GET', path: '/apis', signal: gaveUp.signal },
    async () => (sends++, gaveUp.abort(), answer),
    async () => {},
    opts,
  );
  assert.equal([last.httpStatusCode, sends, waits], [429, 1, []]);
  // aborted during a 60 s wait (the real sleep): the call rejects with the abort, no second send
  const later = new AbortController();
  sends = 0;
  const call = sendWithRetry(
    { method: 'GET', path: '/apis', signal: later.signal },
    async () => (sends++, { httpStatusCode: 503, headers: { 'retry-after': '60' } }),
    async () => {},
    { ...opts, sleep: realSleep },
  );
  setTimeout(() => later.abort(new Error('read timed out')), 20);
  const settled = await Promise.race([
    call.then(
      () => 'answered',
      (e: Error) => e.message,
    ),
    realSleep(5_000).then(() => 'still waiting after 5 s'),
  ]);
  assert.equal([settled, sends], ['read timed out', 1]);
});

// --- against the fake API server ------------------------------------------------------------

test('an apply that meets two APF 429s is sent again after 1 s each, applies, and the restore puts content and managedFields back exactly', async () => {
  const before = { yaml: await getYamlMasked(env, 'virtualservice', 'productpage'), owners: ownership(vsNow()) };
  const docs = await policies('route-timeout.yaml');
  const a = await applier('run-apf');
  const snap = await a.snapshot(docs.map((d) => keyOf(d, 'default')));
  env.fake.busy({ method: 'PATCH', path: VS_PATH, times: 2, answer: { kind: 'apf', retryAfter: 1 } });
  await a.apply(docs);
  env.fake.assertConsumed();
  assert.equal(
    env.fake.busyAnswers.map((b) => b.status),
    [429, 429],
  );
  assert.equal(waits, [1000, 1000]);
  assert.is(
    lines[0],
    'API server busy (429) on PATCH /apis/networking.istio.io/v1/namespaces/default/virtualservices/productpage: retrying in 1 s (retry 1 of 10)',
  );
  assert.match(lines[1], '(retry 2 of 10)');
  assert.is(vsNow()!.spec.http[0].timeout, '0.5s');
  await a.restore(snap);
  assert.is(await getYamlMasked(env, 'virtualservice', 'productpage'), before.yaml);
  assert.equal(ownership(vsNow()), before.owners);
  assert.is(new Journal(env.journalDir).read('run-apf')!.state, 'done');
});

test('a restore that meets 429s, a ServerTimeout and a shutting-down server on its reads and writes completes, and reads back exactly', async () => {
  const before = { yaml: await getYamlMasked(env, 'virtualservice', 'productpage'), owners: ownership(vsNow()) };
  const docs = await policies('route-timeout.yaml', 'connection-pool.yaml');
  const a = await applier('run-busy-restore');
  await a.snapshot(docs.map((d) => keyOf(d, 'default')));
  await a.apply(docs);
  // the run is gone; `meshproof restore` meets a busy server on every verb it uses
  env.fake.busy({ method: 'GET', path: VS_PATH, times: 2, answer: { kind: 'apf', retryAfter: 2 } });
  env.fake.busy({ method: 'PUT', path: VS_PATH, times: 1, answer: { kind: 'serverTimeout', retryAfter: 3 } });
  env.fake.busy({ method: 'DELETE', path: DR_PATH, times: 1, answer: { kind: 'shutdown' } });
  const log: string[] = [];
  const summary = await restoreFromJournals({
    kubeconfig: env.kubeconfig,
    journalDir: env.journalDir,
    retry: retry(),
    log: (l) => void log.push(l),
  });
  env.fake.assertConsumed();
  assert.equal([summary.restored, summary.failed, summary.exitCode], [['run-busy-restore'], [], ExitCode.ok]);
  assert.equal(waits.toSorted(), [2000, 2000, 3000, 5000]);
  assert.ok(
    lines.includes(
      'API server busy (429) on DELETE /apis/networking.istio.io/v1/namespaces/default/destinationrules/productpage: retrying in 5 s (retry 1 of 10)',
    ),
    lines.join('\n'),
  );
  assert.ok(lines.some((l) => l.startsWith('API server unavailable (500) on PUT ')));
  assert.is(await getYamlMasked(env, 'virtualservice', 'productpage'), before.yaml);
  assert.equal(ownership(vsNow()), before.owners);
  assert.is(env.fake.get('destinationrules', 'default', 'productpage'), undefined);
});

test('a 500 without Retry-After on a write ("etcdserver: request timed out") is not sent again: exit 3 naming the status and the message', async () => {
  const docs = await policies('route-timeout.yaml');
  const a = await applier('run-etcd');
  await a.snapshot(docs.map((d) => keyOf(d, 'default')));
  const patches = count('PATCH', VS_PATH);
  env.fake.busy({ method: 'PATCH', path: VS_PATH, times: 1, answer: { kind: 'etcd' } });
  const err = await a.apply(docs).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.instance(err, InfraError);
  assert.is((err as InfraError).exitCode, ExitCode.infra);
  assert.match(
    (err as Error).message,
    'the Kubernetes API answered 500 to patch virtualservices.networking.istio.io "productpage" in namespace "default": etcdserver: request timed out',
  );
  assert.not.match((err as Error).message, 'retries');
  assert.is(count('PATCH', VS_PATH) - patches, 1, 'sent once');
  assert.equal(waits, []);
});

test("the request-timeout filter's 504 on a GET is not sent again either (no Retry-After); a reset GET is, once, after 1 s; a reset PUT is not", async () => {
  const conn = await loadConnection({ kubeconfig: env.kubeconfig, retry: retry() });
  const a = new ClusterApplier({ conn, runId: 'run-504', journal: new Journal(env.journalDir), log: () => {} });
  const key = keyOf((await policies('route-timeout.yaml'))[0], 'default');
  env.fake.busy({ method: 'GET', path: VS_PATH, times: 1, answer: { kind: 'timeout' } });
  const timedOut = await a.snapshot([key]).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  assert.match(
    timedOut!.message,
    'answered 504 to get virtualservices.networking.istio.io "productpage" in namespace "default": Timeout: request did not complete within requested timeout - context deadline exceeded',
  );
  env.fake.busy({ method: 'GET', path: VS_PATH, times: 1, answer: { kind: 'reset' } });
  const snap = await a.snapshot([key]);
  assert.equal(waits, [1000]);
  assert.match(
    lines[0],
    /^API connection reset \(ECONNRESET\) on GET \/apis\/networking\.istio\.io\/v1\/namespaces\/default\/virtualservices\/productpage: retrying in 1 s \(retry 1 of 10\)$/,
  );
  assert.ok(snap.entries[0].object);
  // a write is not idempotent: a reset PUT is not sent again (client-go: `if req.Method != "GET"`)
  env.fake.busy({ method: 'PUT', path: VS_PATH, times: 1, answer: { kind: 'reset' } });
  const puts = count('PUT', VS_PATH);
  const reset = await new IstioApi(conn).replace(key, vsNow()!).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  assert.match(reset!.message, `cannot reach the Kubernetes API at ${env.fake.url} (`);
  assert.match(reset!.message, 'socket hang up');
  assert.not.match(reset!.message, 'retries');
  assert.is(count('PUT', VS_PATH) - puts, 1);
  assert.equal(waits, [1000]);
});

test("retries exhausted on an apply: exit 3 naming 429 and the server's message, journal open; a later `meshproof restore` puts the cluster back", async () => {
  const before = await getYamlMasked(env, 'virtualservice', 'productpage');
  const docs = await policies('connection-pool.yaml', 'route-timeout.yaml');
  const a = await applier('run-exhausted');
  await a.snapshot(docs.map((d) => keyOf(d, 'default')));
  // the DestinationRule goes in; the VirtualService meets a server that stays busy
  env.fake.busy({ method: 'PATCH', path: VS_PATH, times: 11, answer: { kind: 'apf', retryAfter: 1 } });
  const err = await a.apply(docs).then(
    () => undefined,
    (e: unknown) => e as InfraError,
  );
  env.fake.assertConsumed();
  assert.instance(err, InfraError);
  assert.is(err!.exitCode, ExitCode.infra);
  assert.is(
    err!.message,
    'the Kubernetes API answered 429 to patch virtualservices.networking.istio.io "productpage" in namespace "default": Too many requests, please try again later. (after 10 retries over 10 s)',
  );
  assert.is(waits.length, 10);
  assert.ok(env.fake.get('destinationrules', 'default', 'productpage'), 'the DestinationRule was applied');
  assert.is(new Journal(env.journalDir).read('run-exhausted')!.state, 'open');
  // later, the server calm again: the CLI restore puts everything back
  const r = await restoreIn(env);
  assert.is(r.code, ExitCode.ok, r.stderr);
  assert.match(r.stderr, 'run run-exhausted restored and read back');
  assert.is(await getYamlMasked(env, 'virtualservice', 'productpage'), before);
  assert.is(env.fake.get('destinationrules', 'default', 'productpage'), undefined);
});

test('the Retry-After wait is real by default: one APF 429 (Retry-After: 1) on discovery delays the read by at least 1 s', async () => {
  const conn = await loadConnection({ kubeconfig: env.kubeconfig, retry: { log: (l) => void lines.push(l) } });
  assert.is(conn.retry.sleep, realSleep);
  const a = new ClusterApplier({ conn, runId: 'run-real', journal: new Journal(env.journalDir), log: () => {} });
  env.fake.busy({ path: /^\/apis$/, times: 1, answer: { kind: 'apf', retryAfter: 1 } });
  const t0 = performance.now();
  await a.snapshot([keyOf((await policies('route-timeout.yaml'))[0], 'default')]);
  const elapsed = performance.now() - t0;
  env.fake.assertConsumed();
  assert.ok(elapsed >= 1000, `waited ${elapsed.toFixed(0)} ms`);
  assert.equal(lines, ['API server busy (429) on GET /apis: retrying in 1 s (retry 1 of 10)']);
});

/** One gateway replica `gw-0` whose admin port the fake API server proxies to a fake Envoy admin. */
async function withGatewayPod(body: () => Promise<void>): Promise<void> {
  const admin = await startFakeEnvoyAdmin(env.fake, 0);
  try {
    env.fake.pods.push({
      name: 'gw-0',
      namespace: 'istio-system',
      labels: { istio: 'ingressgateway' },
      adminUrl: admin.url,
    });
    await body();
  } finally {
    await admin.close();
  }
}

test("the counters' read through the pod proxy and the k6-operator engine's calls go through the same policy", () =>
  withGatewayPod(async () => {
    const conn = await loadConnection({ kubeconfig: env.kubeconfig, retry: retry() });
    // a 503 with Retry-After on the pod proxy GET (client-go's rest client retries the proxy verb too)
    env.fake.busy({
      method: 'GET',
      path: /\/pods\/gw-0:15000\/proxy\/stats$/,
      times: 1,
      answer: { kind: 'unavailable', retryAfter: 1 },
    });
    const pods = await listGatewayPods(conn);
    const stats = await new AdminReader(conn).read(pods[0], 'stats');
    assert.match(String(stats), 'server.uptime');
    // the engine creates its ConfigMap while APF is shedding load
    env.fake.busy({ method: 'POST', path: /\/namespaces\/default\/configmaps$/, times: 1, answer: { kind: 'apf' } });
    installK6Operator(env.fake, 'k6-never-started', process.env); // serves ConfigMaps; no TestRun is made
    const op = new K8sOperatorApi(conn);
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mp-test', namespace: 'default' }, data: {} };
    await op.create(cm);
    assert.ok(await op.get(cm));
    env.fake.assertConsumed();
    assert.equal(waits, [1000, 1000]);
    assert.equal(
      lines.map((l) => l.split(' on ')[0]),
      ['API server unavailable (503)', 'API server busy (429)'],
    );
  }));

test('a pod-proxy read that times out stops retrying: no request is sent after the reader gave up', () =>
  withGatewayPod(async () => {
    // each Retry-After: 1 waits 100 ms here, so a reader giving up after 250 ms meets the third send's wait
    const conn = await loadConnection({
      kubeconfig: env.kubeconfig,
      retry: { sleep: (ms, signal) => realSleep(ms / 10, signal), log: (l) => void lines.push(l) },
    });
    const pods = await listGatewayPods(conn);
    const proxied = () => count('GET', /\/pods\/gw-0:15000\/proxy\/stats$/);
    env.fake.busy({
      method: 'GET',
      path: /\/pods\/gw-0:15000\/proxy\/stats$/,
      times: 1000,
      answer: { kind: 'apf', retryAfter: 1 },
    });
    const err = await new AdminReader(conn, 250).read(pods[0], 'stats').catch((e: Error) => e);
    assert.match(String((err as Error).message), 'within 250 ms');
    await assertNoSendAfterGivingUp(proxied);
  }));

test('the /version check that times out stops retrying too', async () => {
  const conn = await loadConnection({
    kubeconfig: env.kubeconfig,
    retry: { sleep: (ms, signal) => realSleep(ms / 10, signal), log: (l) => void lines.push(l) },
  });
  env.fake.busy({ method: 'GET', path: /^\/version$/, times: 1000, answer: { kind: 'apf', retryAfter: 1 } });
  const err = await checkReachable(conn, 250).catch((e: Error) => e);
  assert.match(String((err as Error).message), 'no answer within 250 ms');
  await assertNoSendAfterGivingUp(() => count('GET', /^\/version$/));
});

/**
 * The caller gave up while its request was answered 429 (Retry-After: 1, waited 100 ms here):
 * once a request in flight has landed (150 ms), no more come in six waits' time — the old loop
 * went on sending, ten times in all.
 */
async function assertNoSendAfterGivingUp(sends: () => number): Promise<void> {
  await realSleep(150);
  const atGiveUp = sends();
  assert.ok(atGiveUp >= 1 && atGiveUp < 11, `${atGiveUp} sends before the timeout`);
  await realSleep(600);
  assert.is(sends(), atGiveUp, 'sent again after the caller gave up');
}

test('seeded busy answers: the same seed answers the same requests 429', async () => {
  const pattern = async (seed: number) => {
    const e = await setup();
    try {
      e.fake.busy({ path: /^\/version$/, times: 20, rate: 0.5, seed, answer: { kind: 'apf' } });
      const got: number[] = [];
      for (let i = 0; i < 8; i++) got.push((await fetch(`${e.fake.url}/version`)).status);
      return got;
    } finally {
      await e.cleanup();
    }
  };
  const [a, b] = [await pattern(7), await pattern(7)];
  assert.equal(a, b);
  assert.ok(a.includes(429) && a.includes(200), a.join(','));
});

test.run();
