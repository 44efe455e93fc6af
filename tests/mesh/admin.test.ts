/**
 * Admin API formats (Envoy's): /stats text, /config_dump shape and field names, /clusters
 * health flags, /ready; access log response flags (§1).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startMesh } from '../../src/mesh/index.js';
import { admin, appWith, CLUSTER, dr, fixed, send, sleep, vs } from './helpers.js';

test('/stats: one "name: value" per line, sorted, Envoy counter names per cluster; equals mesh.stats()', async () => {
  const m = await startMesh({ app: appWith([fixed(1)]) });
  try {
    await send(m.gatewayUrl);
    const text = await admin(m.adminUrl, '/stats');
    const lines = text.trimEnd().split('\n');
    assert.ok(
      lines.every((l) => /^[^:\s]+(?:\|[^:\s]*)*[^\s]*: \d+$/.test(l)),
      lines.find((l) => !/: \d+$/.test(l)),
    );
    assert.equal(lines, [...lines].sort());
    for (const name of [
      'upstream_rq_total',
      'upstream_rq_2xx',
      'upstream_rq_200',
      'upstream_rq_pending_overflow',
      'upstream_cx_overflow',
      'upstream_rq_retry',
      'upstream_rq_timeout',
      'circuit_breakers.default.rq_pending_open',
    ]) {
      assert.ok(text.includes(`cluster.${CLUSTER}.${name}: `), name);
    }
    // §3.1: no outlierDetection in any DR → Envoy builds no detector and so no outlier stats
    // (outlier_detection_impl.cc DetectorImplFactory::createForCluster)
    assert.equal(
      lines.filter((l) => l.includes('.outlier_detection.')),
      [],
    );
    // §2.1: Istio ≥ 1.29 leaves track_remaining off (DISABLE_TRACK_REMAINING_CB_METRICS; istio.io 1.29
    // upgrade notes: circuit breaker remaining metrics "tracking is disabled by default")
    assert.equal(
      lines.filter((l) => l.includes('.remaining_')),
      [],
    );
    assert.ok(text.includes(`cluster.${CLUSTER}.upstream_rq_total: 1\n`));
    const json = JSON.parse(await admin(m.adminUrl, '/stats?format=json')) as {
      stats: { name: string; value: number }[];
    };
    const api = m.stats();
    for (const s of json.stats)
      if (!s.name.includes('_active') && !s.name.includes('remaining') && !s.name.includes('_open'))
        assert.is(api[s.name], s.value, s.name);
    const filtered = await admin(m.adminUrl, '/stats?filter=pending_overflow');
    assert.is(filtered, `cluster.${CLUSTER}.upstream_rq_pending_overflow: 0\n`);
    const bad = await send(m.adminUrl, { path: '/stats?filter=(', host: 'admin' });
    assert.is(bad.status, 400, 'an invalid filter regex is a 400, not a crash of the mesh');
    assert.is(bad.body, 'Invalid re2 regex', "Envoy's body: admin/stats_params.cc StatsParams::parse");
    // RE2, not JavaScript: a look-ahead is refused, Perl's named group and a flag group are not
    const ahead = await send(m.adminUrl, {
      path: `/stats?filter=${encodeURIComponent('pending(?=_overflow)')}`,
      host: 'admin',
    });
    assert.equal([ahead.status, ahead.body], [400, 'Invalid re2 regex']);
    const perl = await admin(m.adminUrl, `/stats?filter=${encodeURIComponent('(?i)(?P<what>PENDING)_overflow')}`);
    assert.is(perl, `cluster.${CLUSTER}.upstream_rq_pending_overflow: 0\n`);
    assert.is((await send(m.gatewayUrl)).status, 200, 'the mesh still serves');
  } finally {
    await m.stop();
  }
});

test('/stats with outlier detection (§3.1, §3.2): every counter of DetectorImpl::generateStats, the deprecated ejections_consecutive_5xx counting each consecutive-5xx detection, refused or not', async () => {
  const m = await startMesh({
    app: appWith([{ ...fixed(1), errors: { status: 503, rate: 1 } }, fixed(1), fixed(1)]),
    // default 10 %: the 3-endpoint cluster never ejects (§3.2 cap), each detection an overflow
    policies: [dr({ loadBalancer: { simple: 'ROUND_ROBIN' }, outlierDetection: { consecutive5xxErrors: 1 } })],
  });
  try {
    for (let i = 0; i < 6; i++) await send(m.gatewayUrl);
    const text = await admin(m.adminUrl, `/stats?filter=${encodeURIComponent('outlier_detection')}`);
    const od = Object.fromEntries(
      text
        .trimEnd()
        .split('\n')
        .map((l) => [
          l.slice(`cluster.${CLUSTER}.outlier_detection.`.length, l.indexOf(': ')),
          Number(l.split(': ')[1]),
        ]),
    );
    assert.equal(od, {
      ejections_active: 0,
      ejections_consecutive_5xx: 2,
      ejections_detected_consecutive_5xx: 2,
      ejections_detected_consecutive_gateway_failure: 0,
      ejections_detected_consecutive_local_origin_failure: 0,
      ejections_detected_failure_percentage: 0,
      ejections_detected_local_origin_failure_percentage: 0,
      ejections_detected_local_origin_success_rate: 0,
      ejections_detected_success_rate: 0,
      ejections_enforced_consecutive_5xx: 0,
      ejections_enforced_consecutive_gateway_failure: 0,
      ejections_enforced_consecutive_local_origin_failure: 0,
      ejections_enforced_failure_percentage: 0,
      ejections_enforced_local_origin_failure_percentage: 0,
      ejections_enforced_local_origin_success_rate: 0,
      ejections_enforced_success_rate: 0,
      ejections_enforced_total: 0,
      ejections_overflow: 2,
      ejections_success_rate: 0,
      ejections_total: 0,
    });
  } finally {
    await m.stop();
  }
});

test("/stats?type= and ?usedonly as Envoy reads them (admin/stats_params.cc): counters or gauges; an unknown type or format is a 400 with Envoy's body", async () => {
  const m = await startMesh({ app: appWith([fixed(1)]) });
  try {
    await send(m.gatewayUrl);
    const names = (t: string) =>
      t
        .trimEnd()
        .split('\n')
        .map((l) => l.slice(0, l.indexOf(': ')));
    const counters = names(await admin(m.adminUrl, '/stats?type=Counters'));
    const gauges = names(await admin(m.adminUrl, '/stats?type=Gauges'));
    assert.ok(counters.includes(`cluster.${CLUSTER}.upstream_rq_total`));
    assert.not.ok(counters.includes(`cluster.${CLUSTER}.upstream_cx_active`), 'a gauge is not a counter');
    assert.ok(gauges.includes(`cluster.${CLUSTER}.upstream_cx_active`));
    assert.not.ok(gauges.includes(`cluster.${CLUSTER}.upstream_rq_total`));
    assert.equal([...counters, ...gauges].sort(), names(await admin(m.adminUrl, '/stats')));
    assert.is(await admin(m.adminUrl, '/stats?type=Histograms'), '', 'the mesh keeps no histograms');
    const used = await admin(m.adminUrl, '/stats?usedonly&type=Counters&filter=upstream_rq_(total|pending_overflow)$');
    assert.is(used, `cluster.${CLUSTER}.upstream_rq_total: 1\n`, 'a counter never written is not shown');
    const badType = await send(m.adminUrl, { path: '/stats?type=Bogus', host: 'admin' });
    assert.equal([badType.status, badType.body], [400, 'invalid &type= param']);
    const badFormat = await send(m.adminUrl, { path: '/stats?format=xml', host: 'admin' });
    assert.equal(
      [badFormat.status, badFormat.body],
      [400, 'usage: /stats?format=(html|active-html|json|prometheus|text)\n\n'],
    );
  } finally {
    await m.stop();
  }
});

test('/config_dump: ClustersConfigDump and RoutesConfigDump in Envoy field names, following the applied policy', async () => {
  const m = await startMesh({
    app: appWith([fixed(1)]),
    policies: [
      dr({
        connectionPool: { tcp: { maxConnections: 1 }, http: { http1MaxPendingRequests: 1 } },
        outlierDetection: { consecutive5xxErrors: 2, interval: '1s' },
      }),
      vs({
        timeout: '0.5s',
        retries: { attempts: 1, retryOn: '5xx' },
        fault: { abort: { httpStatus: 503, percentage: { value: 10 } } },
      }),
    ],
  });
  try {
    const dump = JSON.parse(await admin(m.adminUrl, '/config_dump'));
    const [clusters, routes] = dump.configs;
    assert.is(clusters['@type'], 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump');
    const c = clusters.dynamic_active_clusters[0].cluster;
    assert.is(c.name, CLUSTER);
    assert.equal(c.circuit_breakers.thresholds[0], {
      max_connections: 1,
      max_pending_requests: 1,
      max_requests: 4294967295,
      max_retries: 4294967295,
    });
    assert.equal(c.outlier_detection, {
      enforcing_success_rate: 0,
      consecutive_5xx: 2,
      enforcing_consecutive_5xx: 100,
      interval: '1s',
    });
    assert.is(routes['@type'], 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump');
    const rc = routes.dynamic_route_configs[0].route_config;
    assert.is(rc.virtual_hosts[0].domains[0], 'bookinfo.example.com');
    const r = rc.virtual_hosts[0].routes[0];
    assert.is(r.route.timeout, '0.500s');
    assert.is(r.route.retry_policy.retry_on, '5xx');
    assert.is(r.route.retry_policy.num_retries, 1);
    assert.equal(r.typed_per_filter_config['envoy.filters.http.fault'].abort, {
      http_status: 503,
      percentage: { numerator: 100000, denominator: 'MILLION' },
    });
    await m.deleteObjects([{ kind: 'DestinationRule', namespace: 'default', name: 'productpage' }]);
    const after = JSON.parse(await admin(m.adminUrl, '/config_dump')).configs[0].dynamic_active_clusters[0];
    assert.is(
      after.cluster.circuit_breakers.thresholds[0].max_connections,
      4294967295,
      'removing the DR restores Istio defaults',
    );
    assert.is(after.cluster.outlier_detection, undefined);
    assert.is(after.version_info, String(m.configVersion()));
  } finally {
    await m.stop();
  }
});

test('/clusters: per-endpoint lines with health flags; /ready says LIVE', async () => {
  const m = await startMesh({ app: appWith([fixed(1), fixed(1)]) });
  try {
    await send(m.gatewayUrl);
    const text = await admin(m.adminUrl, '/clusters');
    const p0 = `${CLUSTER}::127.0.0.1:${m.pods[0].port}::`;
    assert.ok(text.includes(`${CLUSTER}::default_priority::max_connections::4294967295\n`));
    assert.ok(text.includes(`${p0}health_flags::healthy\n`));
    assert.ok(text.includes(`${p0}rq_total::1\n`));
    assert.ok(text.includes(`${p0}hostname::productpage-v1-0\n`));
    assert.is(await admin(m.adminUrl, '/ready'), 'LIVE\n');
  } finally {
    await m.stop();
  }
});

test('access log: one line per request with Envoy response flags UO, NR, UH, UT and upstream cluster', async () => {
  const log = path.join(os.tmpdir(), `meshproof-access-${process.pid}.log`);
  const m = await startMesh({
    app: appWith([fixed(150)]),
    policies: [
      dr({ connectionPool: { tcp: { maxConnections: 1 }, http: { http1MaxPendingRequests: 1 } } }),
      vs({ timeout: '100ms' }),
    ],
    accessLogPath: log,
  });
  try {
    await Promise.all([0, 1, 2].map(() => send(m.gatewayUrl)));
    await send(m.gatewayUrl, { host: 'nowhere.example.com' });
  } finally {
    await m.stop();
  }
  await sleep(5);
  const lines = fs.readFileSync(log, 'utf8').trim().split('\n');
  fs.rmSync(log);
  assert.is(lines.length, 4);
  assert.ok(
    lines.some((l) => / 503 UO /.test(l) && l.endsWith(CLUSTER)),
    lines.join('\n'),
  );
  assert.ok(lines.some((l) => / 504 UT /.test(l)));
  assert.ok(lines.some((l) => / 404 NR /.test(l) && l.includes('"nowhere.example.com"')));
  assert.match(lines[0], /^\[\d{4}-\d\d-\d\dT[^\]]+\] "GET \/productpage HTTP\/1\.1" \d{3} /);
});

test.run();
