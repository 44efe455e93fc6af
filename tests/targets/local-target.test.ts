/**
 * A scenario's `local.workers` and `local.network` reach the local mesh the experiment runs
 * against (issue 12 items 3 and 4; istio-envoy-semantics.md §2.3, §6.2).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseScenario } from '../../src/scenario/scenario.js';
import { openLocalTarget } from '../../src/targets/local-target.js';
import { loadPolicies } from '../../src/policy/index.js';
import { send, stall, within } from '../mesh/helpers.js';

/** maxConnections 1 alone (no pending cap), so a cold pool's second request waits instead of overflowing (§2.2) */
const MAX_CONNECTIONS_1 = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: productpage, namespace: default }
spec: { host: productpage, trafficPolicy: { connectionPool: { tcp: { maxConnections: 1 } } } }
`;
const scenario = (local: string) =>
  parseScenario(
    'scenarios/x.yaml',
    `name: t\nlocal: { pods: 1, latency: { fixed: 150ms }${local} }\nload: { executor: constant-vus, vus: 1, duration: 1s }\npolicy: { files: [x.yaml] }\nexpect: { policy: { http_reqs: ["count>=0"] } }\n`,
  );

/** Two requests at once on their own connections, under maxConnections 1: the slower one's ms. */
async function slowestOfTwo(local: string): Promise<{ slowest: number; description: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'meshproof-local-target-'));
  const t = await openLocalTarget(scenario(local));
  try {
    await writeFile(join(dir, 'dr.yaml'), MAX_CONNECTIONS_1);
    // one request first: the process's first trip through client, gateway and pod is slow
    // (lazy compilation); the policy then re-creates the cluster, so the pools start empty
    assert.is((await send(t.target.url)).status, 200);
    await t.applier.apply(await loadPolicies([join(dir, 'dr.yaml')]));
    stall.reset();
    const rs = await Promise.all([0, 1].map(() => send(t.target.url)));
    assert.equal(
      rs.map((r) => r.status),
      [200, 200],
    );
    return { slowest: Math.max(...rs.map((r) => r.ms)), description: t.applier.description };
  } finally {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  }
}

test('§2.3 local.workers reaches the gateway: the default 2 workers each open a connection under maxConnections 1, 1 worker queues the second request', async () => {
  const two = await slowestOfTwo('');
  // both at once take 150 ms; one after the other at least 300: anything under 300 is parallel
  // (the bound was 260, which a loaded machine's scheduling delays could cross)
  assert.ok(within(two.slowest, 150, 299), `2 workers (default) run both at once: ${two.slowest}`);
  assert.match(two.description, /^local mesh · 2 workers, proxy current Envoy /);
  const one = await slowestOfTwo(', workers: 1');
  assert.ok(within(one.slowest, 300, Infinity), `1 worker serialises: ${one.slowest}`);
  assert.match(one.description, /^local mesh · 1 worker, proxy /);
});

test('§6.2 local.network reaches the clients: a request through it costs the handshake and one round trip more', async () => {
  const r = await slowestOfTwo(', network: { rtt: 100ms, jitter: 4ms }');
  // SYN/SYN-ACK and the request/response round trip: ≥ 2 × (100 − 4) ms on top of 150 ms
  assert.ok(within(r.slowest, 150 + 192, 150 + 208 + 100), `through a 100 ms network: ${r.slowest}`);
  assert.match(r.description, /^local mesh · 2 workers · client RTT 100 ms ± 4 ms, proxy /);
});

test.run();
