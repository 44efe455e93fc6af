/**
 * Issue 16 item 3: classification records the subset of every response in both engines — the
 * built-in engine against the local mesh (weighted subsets, attribution header set by the
 * VirtualService, §6.3) and the k6 script through the fake k6 (scripted responses carrying the
 * header or a body naming the version).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuiltinEngine } from '../../src/load/builtin/engine.js';
import { K6Engine } from '../../src/load/k6/engine.js';
import type { LoadProfile, PhaseResult, RequestPlan } from '../../src/load/model.js';
import type { SubsetFrom } from '../../src/load/subset-from.js';
import { startMesh } from '../../src/mesh/index.js';
import { podsForVersions, versionedObjects } from '../../src/mesh/versions.js';
import { DEFAULT_APP } from '../../src/mesh/app-model.js';
import { withAttributionHeader } from '../../src/experiment/attribution.js';
import { ensureBundle, FAKE_K6 } from './helpers/bundle.js';
import { attribute } from '../../src/experiment/attribution.js';
import { analyzeExperiment } from '../../src/analysis/experiment.js';
import { loadPolicyText } from '../../src/policy/load.js';
import YAML from 'yaml';
import { gateMessage } from '../../src/report/gate-text.js';

const script = ensureBundle();
const HEADER = { header: 'x-meshproof-subset' };

function vs(weights: [string, number][]): Record<string, unknown> {
  const route = weights.map(([subset, weight]) => ({
    destination: { host: 'productpage', subset, port: { number: 9080 } },
    weight,
  }));
  return withAttributionHeader({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'productpage', namespace: 'default' },
    spec: { hosts: ['bookinfo.example.com'], gateways: ['bookinfo-gateway'], http: [{ route }] },
  });
}

type Versions = Parameters<typeof podsForVersions>[1];

/** 2 s at `rate`/s of GET /productpage (built-in engine) through the local mesh serving `versions` and routing `weights`. */
async function runOnMesh(
  versions: Omit<Versions[number], 'pods'>[],
  weights: [string, number][],
  o: { meshSeed: number; rate: number; seed: number; subsetFrom: SubsetFrom; subsets: string[] },
): Promise<PhaseResult> {
  const app = {
    ...DEFAULT_APP,
    pods: podsForVersions(
      'productpage',
      versions.map((v) => ({ ...v, pods: 1 })),
      { mode: 'serve', latency: { kind: 'fixed', ms: 0 } },
    ),
    objects: versionedObjects(versions.map((v) => v.name)),
  };
  const mesh = await startMesh({ app, policies: [vs(weights)], seed: o.meshSeed });
  try {
    const profile: LoadProfile = {
      executor: 'constant-arrival-rate',
      rate: o.rate,
      timeUnit: '1s',
      duration: '2s',
      preAllocatedVUs: 20,
    };
    const plan: RequestPlan = {
      method: 'GET',
      baseUrl: mesh.gatewayUrl,
      path: '/productpage',
      host: 'bookinfo.example.com',
      subsetFrom: o.subsetFrom,
      subsets: o.subsets,
    };
    return await new BuiltinEngine().run(profile, plan, { seed: o.seed });
  } finally {
    await mesh.stop();
  }
}

test('built-in engine on the local mesh: 300 requests at 80/20 → per-subset counts sum to the total, v2 (500 at 100 %) has every failure, v1 none', async () => {
  const r = await runOnMesh(
    [
      { name: 'v1', behaviour: {} },
      { name: 'v2', behaviour: { errors: { status: 500, rate: 1 } } },
    ],
    [
      ['v1', 80],
      ['v2', 20],
    ],
    { meshSeed: 7, rate: 150, seed: 1, subsetFrom: HEADER, subsets: ['v1', 'v2'] },
  );
  // an arrival-rate run sends what it scheduled (300) minus iterations no VU was free for
  assert.is(r.requests + r.droppedIterations, 300);
  const s = r.subsets!;
  assert.equal(Object.keys(s).sort(), ['v1', 'v2']);
  assert.is(s.v1.requests + s.v2.requests, r.requests);
  assert.equal(s.v1.causes, { ok: s.v1.requests });
  assert.equal(s.v2.causes, { app_error: s.v2.requests });
  assert.equal(s.v2.statuses, { '500': s.v2.requests });
  assert.ok(
    Math.abs(s.v2.requests - 0.2 * r.requests) < 3 * Math.sqrt(r.requests * 0.2 * 0.8),
    `v2 ${s.v2.requests} of ${r.requests}`,
  );
});

test('built-in engine: a subset the plan does not declare counts as "-", as the k6 script counts it (scripts/resilience.ts defines metrics for declared subsets only)', async () => {
  const r = await runOnMesh(
    ['v1', 'v2', 'v3'].map((name) => ({ name, behaviour: {} })),
    [
      ['v1', 50],
      ['v2', 25],
      ['v3', 25],
    ],
    { meshSeed: 5, rate: 100, seed: 3, subsetFrom: HEADER, subsets: ['v1', 'v2'] },
  );
  const s = r.subsets!;
  assert.equal(Object.keys(s).sort(), ['-', 'v1', 'v2']);
  assert.is(s['-'].requests + s.v1.requests + s.v2.requests, r.requests);
  // v3's quarter, within 3 standard deviations
  assert.ok(
    Math.abs(s['-'].requests - 0.25 * r.requests) < 3 * Math.sqrt(r.requests * 0.25 * 0.75),
    `- ${s['-'].requests} of ${r.requests}`,
  );
});

test('k6 script (fake k6, scripted answers): header and body attribution give the same per-subset counts; an undeclared or missing subset counts as "-"', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshproof-subsets-k6-'));
  try {
    const answers = [
      ...Array.from({ length: 18 }, (_, i) => ({
        status: 200,
        body: '<p>reviews-v1</p>',
        headers: { 'x-meshproof-subset': 'v1' },
        duration: 10 + i,
      })),
      ...Array.from({ length: 4 }, () => ({
        status: 500,
        body: '<p>reviews-v2</p>',
        headers: { 'x-meshproof-subset': 'v2' },
        duration: 40,
      })),
      { status: 503, body: 'no healthy upstream', headers: { 'x-meshproof-subset': 'v9' }, duration: 1 },
      { status: 200, body: 'plain', duration: 5 },
    ];
    const file = join(dir, 'responses.json');
    writeFileSync(file, JSON.stringify(answers));
    const env = { ...process.env, FAKE_K6_RESPONSES: file, FAKE_K6_LOG: join(dir, 'calls.log') };
    const profile: LoadProfile = { executor: 'constant-vus', vus: 1, duration: '1s' };
    const base: RequestPlan = { method: 'GET', baseUrl: 'http://127.0.0.1:9', path: '/', subsets: ['v1', 'v2'] };
    for (const subsetFrom of [HEADER, { body: 'reviews-(v\\d+)' }]) {
      const r = await new K6Engine({ k6: FAKE_K6, script, env }).run(profile, { ...base, subsetFrom });
      const s = r.subsets!;
      assert.equal([s.v1.requests, s.v2.requests, s['-'].requests], [18, 4, 2], JSON.stringify(subsetFrom));
      assert.equal(s.v2.causes, { app_error: 4 });
      assert.equal(s.v1.statuses, { '200': 18 });
      // the bucketed histogram rebuilds the latencies within a bucket (±1.5 %)
      assert.ok(Math.abs(s.v2.latency.p50 - 40) / 40 < 0.02, String(s.v2.latency.p50));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('done when: the policy declares 80/10/10 but the gateway routes 50/25/25 (built-in engine, local mesh, attribution header) → split matches-weights fails', async () => {
  const declared = attribute(
    loadPolicyText(
      YAML.stringify(
        vs([
          ['v1', 80],
          ['v2', 10],
          ['v3', 10],
        ]),
      ),
      'policy.yaml',
    ),
    undefined,
    'default',
  ).attribution!;
  assert.equal(declared.declared[0].weights, [
    { subset: 'v1', weight: 80 },
    { subset: 'v2', weight: 10 },
    { subset: 'v3', weight: 10 },
  ]);
  // what the gateway really has: another split (a stale push, another VirtualService first, …)
  const r = await runOnMesh(
    ['v1', 'v2', 'v3'].map((name) => ({ name, behaviour: {} })),
    [
      ['v1', 50],
      ['v2', 25],
      ['v3', 25],
    ],
    { meshSeed: 11, rate: 200, seed: 2, subsetFrom: declared.subsetFrom, subsets: declared.subsets },
  );
  const a = analyzeExperiment({
    baseline: r,
    policy: r,
    expect: { policy: { split: ['matches-weights'] } },
    declared: declared.declared,
  });
  assert.is(a.gates[0].verdict, 'fail', gateMessage(a.gates[0]));
  const check = a.stats.policy.splits![0];
  assert.is(check.n, r.requests);
  assert.ok(check.pValue < 1e-6, String(check.pValue));
  // v1 near 50 %, far outside the simultaneous interval around the declared 80 %
  assert.ok(Math.abs(check.subsets[0].share - 0.5) < 0.1, String(check.subsets[0].share));
  assert.is(check.subsets[0].inside, false);
});

test.run();
