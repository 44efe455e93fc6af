/**
 * How meshproof reads a real gateway's Envoy `/stats`: the text as Envoy renders it (text
 * readouts, histograms, sorted phases), the stats matcher a stock Istio gateway runs with (no
 * `cluster.outbound|…` counter at all → "not exposed", never 0), and a replica restarting
 * between two readings (its counters start again from 0 → no delta across it).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createClusterTarget } from '../../src/cluster/target.js';
import { gatewayCounterSource } from '../../src/cluster/counters.js';
import {
  counterDeltas,
  EAGER_COUNTERS,
  gatewayCounters,
  parseEnvoyStats,
  selectGatewayStats,
} from '../../src/analysis/gateway-counters.js';
import { reportGateway } from '../../src/report/gateway-text.js';
import { noteLines } from '../../src/report/rows.js';
import type { PhaseResult } from '../../src/load/model.js';
import type { Report } from '../../src/report/model.js';
import { setup, policies, type Env } from './helpers.js';
import {
  ISTIO_DEFAULT_INCLUSION,
  README_INCLUSION,
  startFakeEnvoyAdmin,
  type FakeEnvoyAdmin,
  type StatsPattern,
} from './fake-envoy-admin.js';

let env: Env;
let admins: FakeEnvoyAdmin[] = [];
test.before.each(async () => {
  env = await setup();
  admins = [];
});
test.after.each(async () => {
  for (const a of admins) await a.close();
  await env.cleanup();
});

const P = 'cluster.outbound|9080||productpage.default.svc.cluster.local.';
const OVERFLOW = `${P}upstream_rq_pending_overflow`;
const TIMEOUT = `${P}upstream_rq_timeout`;

/** One gateway replica behind the fake API server's pod proxy, with its cluster counters set. */
async function gateway(inclusion: StatsPattern[] | 'all', name = 'gw-0'): Promise<FakeEnvoyAdmin> {
  const admin = await startFakeEnvoyAdmin(env.fake, 0, { statsInclusion: inclusion });
  for (const c of EAGER_COUNTERS) admin.stats.set(`${P}${c}`, 0);
  admin.stats.set(`${P}outlier_detection.ejections_active`, 0);
  admin.stats.set(`${P}circuit_breakers.default.rq_pending_open`, 0);
  admin.stats.set('cluster_manager.active_clusters', 12);
  admins.push(admin);
  env.fake.pods.push({ name, namespace: 'istio-system', labels: { istio: 'ingressgateway' }, adminUrl: admin.url });
  return admin;
}

async function target() {
  return createClusterTarget({
    kubeconfig: env.kubeconfig,
    target: 'http://127.0.0.1:8080',
    runId: 'r',
    journalDir: env.journalDir,
    policies: await policies('connection-pool.yaml'),
  });
}

const clients = (causes: Record<string, number>) => ({ causes }) as unknown as PhaseResult;

test("Envoy's /stats text: readouts first, counters and gauges sorted, histograms last; only numbers parsed", async () => {
  const admin = await gateway('all');
  admin.stats.set(OVERFLOW, 3);
  const res = await fetch(`${admin.url}/stats`);
  assert.is(res.headers.get('content-type'), 'text/plain; charset=UTF-8');
  const lines = (await res.text()).trimEnd().split('\n');
  assert.is(lines[0], 'cluster_manager.cds.version_text: "2026-11-30T12:00:00Z/42"');
  assert.is(lines.at(-2), 'listener_manager.lds.update_duration: No recorded values');
  assert.match(lines.at(-1)!, /^server\.initialization_time_ms: P0\(nan,120\) P25\(nan,122\.5\)/);
  const numeric = lines.slice(1, -2).map((l) => l.slice(0, l.indexOf(': ')));
  assert.equal(numeric, [...numeric].sort(), 'counters and gauges in one sorted run');
  const parsed = parseEnvoyStats(lines.join('\n'));
  assert.is(parsed[OVERFLOW], 3);
  assert.is(parsed['cluster_manager.active_clusters'], 12);
  assert.is(parsed['server.uptime'], 3600);
  assert.not.ok('cluster_manager.cds.version_text' in parsed, 'a text readout is not a number');
  assert.not.ok('server.initialization_time_ms' in parsed, 'a histogram is not a number');
  assert.not.ok('listener_manager.lds.update_duration' in parsed);
});

test('/stats?filter= is RE2 kept by a partial match; an invalid pattern is 400 "Invalid re2 regex" (stats_params.cc)', async () => {
  const admin = await gateway('all');
  const ok = await fetch(`${admin.url}/stats?filter=${encodeURIComponent('pending_overflow$')}`);
  assert.is(await ok.text(), `${OVERFLOW}: 0\n`);
  const bad = await fetch(`${admin.url}/stats?filter=${encodeURIComponent('(')}`);
  assert.is(bad.status, 400);
  assert.is(await bad.text(), 'Invalid re2 regex');
});

test("a stock Istio gateway's /stats holds no cluster.outbound|… stat: meshproof reads nothing and says so, not 0", async () => {
  const admin = await gateway(ISTIO_DEFAULT_INCLUSION);
  admin.stats.set(OVERFLOW, 40); // Envoy would have counted them, but the matcher keeps no such stat
  const text = await (await fetch(`${admin.url}/stats`)).text();
  assert.not.match(
    text,
    'cluster.outbound|',
    'pkg/bootstrap/config.go: only cluster_manager, listener_manager, server, …',
  );
  assert.match(text, 'server.uptime: 3600\n');
  const t = await target();
  const before = await t.counters.read();
  const after = await t.counters.read();
  assert.equal(before, {});
  const g = gatewayCounters('policy', [counterDeltas(before, after)], clients({ overflow: 37, route_timeout: 5 }));
  assert.equal(g.deltas, {});
  assert.equal(g.mismatches, []);
  assert.equal(g.unexposed, [...EAGER_COUNTERS]);
  const notes = noteLines({ policy: { lint: [] }, gateway: [reportGateway(g)], notes: [] } as unknown as Report);
  assert.equal(notes, [
    `gateway: ${EAGER_COUNTERS.join(', ')} are not in the gateway's /stats — not exposed by its Envoy stats matcher (Istio keeps only a few stats by default), so the gateway's count is unknown, not 0, and the clients' overflow 503s and route-timeout 504s were not checked against it; README "Pointing it at a real cluster" shows how to keep them`,
  ]);
});

test("Istio's documented proxyStatsMatcher example keeps timeouts but not pending overflows: only the timeout is checked", async () => {
  // istio.io/docs/ops/configuration/telemetry/envoy-stats: inclusionRegexps outlier_detection,
  // upstream_rq_retry, upstream_cx_; inclusionSuffixes upstream_rq_timeout
  const docs: StatsPattern[] = [
    ...ISTIO_DEFAULT_INCLUSION,
    { regex: '.*outlier_detection.*' },
    { regex: '.*upstream_rq_retry.*' },
    { regex: '.*upstream_cx_.*' },
    { suffix: 'upstream_rq_timeout' },
  ];
  const admin = await gateway(docs);
  const t = await target();
  const before = await t.counters.read();
  admin.stats.set(OVERFLOW, 50);
  admin.stats.set(TIMEOUT, 20);
  const g = gatewayCounters(
    'policy',
    [counterDeltas(before, await t.counters.read())],
    clients({ overflow: 50, route_timeout: 5 }),
  );
  assert.equal(g.unexposed, ['upstream_rq_total', 'upstream_rq_pending_overflow']);
  assert.equal(
    g.mismatches.map((m) => [m.counter, m.gateway, m.clients]),
    [['upstream_rq_timeout', 20, 5]],
  );
  assert.not.ok(OVERFLOW in g.deltas);
  const notes = noteLines({ policy: { lint: [] }, gateway: [reportGateway(g)], notes: [] } as unknown as Report);
  assert.is(
    notes[0],
    'gateway (policy): policy: gateway counted 20 upstream_rq_timeout, clients saw 5 route-timeout 504s',
  );
  assert.match(notes[1], "gateway: upstream_rq_total, upstream_rq_pending_overflow are not in the gateway's /stats");
  assert.match(notes[1], "the clients' overflow 503s were not checked against it");
});

test('with every counter kept (the README matcher) nothing is reported unexposed, zeros included', async () => {
  await gateway(README_INCLUSION);
  const t = await target();
  const before = await t.counters.read();
  const g = gatewayCounters('baseline', [counterDeltas(before, await t.counters.read())], clients({}));
  assert.is(g.unexposed, undefined);
  assert.is(g.deltas[OVERFLOW], 0);
});

test('a replica restarting between two readings fails the read naming it (its counters start from 0), not a negative delta', async () => {
  const admin = await gateway(README_INCLUSION);
  admin.stats.set(OVERFLOW, 500);
  const t = await target();
  const before = await t.counters.read();
  assert.is(before[OVERFLOW], 500);
  admin.restart();
  admin.stats.set(OVERFLOW, 7);
  const err = await t.counters.read().then(
    () => undefined,
    (e: Error) => e,
  );
  assert.ok(err, 'the reading across the restart is refused');
  assert.match(
    err!.message,
    /^gateway replica gw-0 \(server\.uptime 3600 s → 0 s\) restarted since the last \/stats reading/,
  );
  assert.not.ok((err as { permanent?: boolean }).permanent, 'the next phase may read again');
  admin.stats.set(OVERFLOW, 9);
  assert.is((await t.counters.read())[OVERFLOW], 9, 'the reading after the restart is the new baseline');
});

test('restart signs: uptime falling, start time moving past the flush lag, a counter falling; a gauge falling is not one', async () => {
  const texts: Record<string, string> = {};
  let now = 0;
  const source = gatewayCounterSource(
    ['a'],
    async (r) => texts[r],
    undefined,
    () => now,
  );
  const read = (uptime: number, overflow: number, active: number, at: number) => {
    texts.a = `server.uptime: ${uptime}\n${OVERFLOW}: ${overflow}\n${P}outlier_detection.ejections_active: ${active}\n`;
    now = at;
    return source.read().then(
      () => 'ok',
      (e: Error) => e.message.slice(0, e.message.indexOf(' restarted')),
    );
  };
  assert.is(await read(5, 10, 3, 0), 'ok');
  // the gauge lags: set at each 5 s stats flush (server.cc), so 64 s after 60 s is no restart
  assert.is(await read(64, 12, 0, 60_000), 'ok', 'ejections_active is a gauge: it may fall');
  // started 25 s later than the last reading says: a restart even though uptime grew and no counter fell
  assert.is(await read(100, 12, 0, 121_000), 'gateway replica a (started 25 s later than at the last reading)');
  assert.is(await read(101, 11, 0, 122_000), `gateway replica a (${OVERFLOW} 12 → 11)`);
  assert.is(await read(50, 11, 0, 123_000), 'gateway replica a (server.uptime 101 s → 50 s)');
});

test('subset clusters and names with "|": selected per service FQDN, outlier counters kept, other stats not', () => {
  const stats = parseEnvoyStats(
    [
      'cluster.outbound|9080|v1|reviews.default.svc.cluster.local.upstream_rq_pending_overflow: 2',
      'cluster.outbound|9080|v2|reviews.default.svc.cluster.local.outlier_detection.ejections_enforced_total: 1',
      'cluster.outbound|9080||reviews.default.svc.cluster.local.upstream_rq_time: P0(nan,1) P25(nan,2)',
      'cluster.outbound|9080||ratings.default.svc.cluster.local.upstream_rq_pending_overflow: 9',
      'cluster.outbound|9080||reviews.default.svc.cluster.local.circuit_breakers.default.rq_pending_open: 1',
      'cluster.xds-grpc.upstream_rq_pending_overflow: 4',
    ].join('\n'),
  );
  assert.equal(selectGatewayStats(stats, ['reviews.default.svc.cluster.local']), {
    'cluster.outbound|9080|v1|reviews.default.svc.cluster.local.upstream_rq_pending_overflow': 2,
    'cluster.outbound|9080|v2|reviews.default.svc.cluster.local.outlier_detection.ejections_enforced_total': 1,
  });
});

test.run();
