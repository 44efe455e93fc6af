/**
 * §3.2 ejection cap end to end (issue 12 item 1): scenarios/outlier-detection-default-cap.yaml —
 * one bad pod of three, outlier detection with the default maxEjectionPercent (10 %) — on the
 * local mesh. Current Envoy never ejects it (100·1/3 > 10): the bad pod still serves its share
 * and the scenario's "no drop" gates PASS. The same scenario with `local.proxy: envoy-1.26`
 * (the pre-2023 rule, first ejection always allowed) ejects it. Each report names its rule.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario } from '../../src/scenario/scenario.js';
import { runSession } from '../../src/experiment/session.js';
import type { Report } from '../../src/report/model.js';
import type { ProxyVersion } from '../../src/mesh/proxy.js';

const FILE = 'scenarios/outlier-detection-default-cap.yaml';
const STAT = 'cluster.outbound|9080||productpage.default.svc.cluster.local.outlier_detection.ejections_enforced_total';

async function run(proxy?: ProxyVersion): Promise<Report> {
  const scenario = await loadScenario(FILE);
  if (proxy) scenario.local = { ...scenario.local, proxy };
  const out = await mkdtemp(join(tmpdir(), 'meshproof-cap-'));
  try {
    const r = await runSession(scenario, { engine: 'builtin', out, formats: ['json'] });
    if (r.kind !== 'report') throw new Error('expected a report');
    return r.report;
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

const status500 = (r: Report) => r.phases.policy.result.statuses['500'] ?? 0;
const policyDelta = (r: Report, stat: string) => r.gateway?.find((g) => g.phase === 'policy')?.deltas[stat];

test('§3.2/E15 default maxEjectionPercent, one bad pod of three: current Envoy ejects nothing, the bad pod still serves, the scenario PASSes', async () => {
  const r = await run();
  assert.is(
    r.verdict,
    'pass',
    r.gates.map((g) => `${g.verdict} ${g.scope} ${g.metric} ${g.expression} ${g.observed}`).join('\n'),
  );
  assert.is(policyDelta(r, STAT), 0, 'no ejection');
  const share = r.gates.find((g) => g.scope === 'policy' && g.metric === 'status_500')!.observed;
  assert.ok(share > 0.2, `the bad pod keeps failing about a third under the policy: ${share}`);
  assert.ok(status500(r) > 50, `500s under the policy: ${status500(r)}`);
  assert.match(
    r.target.description,
    /^local mesh · 2 workers, proxy current Envoy .*100·\(ejected\+1\)\/hosts ≤ maxEjectionPercent$/,
  );
  assert.ok(
    r.policy.lint.some((l) => l.includes('none at all with fewer than 10 endpoints')),
    r.policy.lint.join('\n'),
  );
});

test('§3.2 the same scenario with local.proxy envoy-1.26: the old rule (0 % < 10 %) ejects the bad pod, 500s drop below 5 %', async () => {
  const r = await run('envoy-1.26');
  assert.is(policyDelta(r, STAT), 1);
  const share = r.gates.find((g) => g.scope === 'policy' && g.metric === 'status_500')!.observed;
  assert.ok(share < 0.05, `500 share under the policy: ${share}`);
  assert.match(
    r.target.description,
    /^local mesh · 2 workers, proxy envoy-1\.26 \(Envoy ≤ 1\.27, Istio ≤ 1\.19\): ejection cap 100·ejected\/hosts < maxEjectionPercent/,
  );
});

test.run();
