/** The demo policies: each states its effect and passes validate. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile } from 'node:fs/promises';
import { loadPolicies } from '../../src/policy/load.js';
import { validate } from '../../src/policy/validate.js';
import type { PolicyDoc } from '../../src/policy/model.js';
import { ejectionAllowed } from '../../src/mesh/proxy.js';

const NAMES = [
  'connection-pool',
  'outlier-detection',
  'outlier-detection-default-cap',
  'route-timeout',
  'fault-injection',
  'retries',
];
const load = async (name: string) => (await loadPolicies([`policies/${name}.yaml`]))[0];
const spec = (d: PolicyDoc) => d.object.spec as any;

test('every demo policy starts with "# expect:" comments and validates with zero findings', async () => {
  for (const name of NAMES) {
    const text = await readFile(`policies/${name}.yaml`, 'utf8');
    assert.ok(text.startsWith('# expect: '), name);
    const docs = await loadPolicies([`policies/${name}.yaml`]);
    assert.is(docs.length, 1, name);
    assert.is(docs[0].name, 'productpage', name);
    assert.is(docs[0].namespace, 'default', name);
    assert.equal(validate(docs), [], name);
  }
});

test('connection-pool.yaml is the classic maxConnections 1, http1MaxPendingRequests 1 (§2.2 E1)', async () => {
  const d = await load('connection-pool');
  assert.is(d.kind, 'DestinationRule');
  assert.is(spec(d).host, 'productpage');
  assert.equal(spec(d).trafficPolicy.connectionPool, {
    tcp: { maxConnections: 1 },
    http: { http1MaxPendingRequests: 1 },
  });
});

test('outlier-detection.yaml ejects one bad pod of three: 3 × 5xx, 1s sweep, 30s base, 67 % cap (§3.2)', async () => {
  const d = await load('outlier-detection');
  const od = spec(d).trafficPolicy.outlierDetection;
  assert.equal(od, { consecutive5xxErrors: 3, interval: '1s', baseEjectionTime: '30s', maxEjectionPercent: 67 });
  // its "# expect:" header, under the current cap: with 3 pods a 1st and 2nd ejection pass, a 3rd is refused
  assert.equal(
    [0, 1, 2].map((k) => ejectionAllowed('current', k, 3, od.maxEjectionPercent)),
    [true, true, false],
  );
});

test('the VirtualService policies keep the demo route (hosts, gateway, productpage:9080) and add one policy each', async () => {
  const extra: Record<string, string> = { 'route-timeout': 'timeout', 'fault-injection': 'fault', retries: 'retries' };
  for (const [name, field] of Object.entries(extra)) {
    const d = await load(name);
    assert.is(d.kind, 'VirtualService', name);
    assert.equal(spec(d).hosts, ['bookinfo.example.com'], name);
    assert.equal(spec(d).gateways, ['bookinfo-gateway'], name);
    assert.is(spec(d).http.length, 1, name);
    const route = spec(d).http[0];
    assert.equal(route.route, [{ destination: { host: 'productpage', port: { number: 9080 } } }], name);
    assert.equal(Object.keys(route).sort(), ['route', field].sort(), name);
  }
  assert.is(spec(await load('route-timeout')).http[0].timeout, '0.5s');
  assert.equal(spec(await load('fault-injection')).http[0].fault, {
    delay: { fixedDelay: '100ms', percentage: { value: 100 } },
    abort: { httpStatus: 503, percentage: { value: 50 } },
  });
  assert.equal(spec(await load('retries')).http[0].retries, {
    attempts: 3,
    perTryTimeout: '250ms',
    retryOn: 'gateway-error,connect-failure,reset',
  });
});

test.run();
