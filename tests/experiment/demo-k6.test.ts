/**
 * Issue G item 2: every demo scenario, unchanged (warm-up 500 ms included), runs through the
 * fake k6 — which validates its options as k6 v0.4x–v1.x do and exits 104 on what k6 refuses —
 * on the local mesh, and every k6 call it receives is one k6 accepts. Before the fix the
 * 500 ms warm-up was a constant-vus scenario, which k6 (and now the fake) refuses.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_SCENARIOS, demoScenarioFiles } from '../../src/cli/demo-scenarios.js';
import { loadScenario } from '../../src/scenario/scenario.js';
import { runSession } from '../../src/experiment/session.js';
import { k6Rules } from '../../src/load/k6/rules.js';
import type { LoadProfile } from '../../src/load/model.js';
import { ensureBundle, FAKE_K6 } from '../load/helpers/bundle.js';

ensureBundle();

for (const [i, file] of demoScenarioFiles([]).entries()) {
  test(`demo ${DEMO_SCENARIOS[i]} runs on the (fake) k6 with its warm-up: every call is one k6 accepts`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshproof-demo-k6-'));
    const responses = join(dir, 'responses.json');
    const log = join(dir, 'calls.log');
    writeFileSync(
      responses,
      JSON.stringify(Array.from({ length: 20 }, (_, n) => ({ status: 200, body: 'ok', duration: 5 + n }))),
    );
    Object.assign(process.env, { FAKE_K6_RESPONSES: responses, FAKE_K6_LOG: log });
    try {
      const scenario = await loadScenario(file);
      scenario.policy.settleMs = 0; // the fake answers from a script: nothing to settle
      const result = await runSession(scenario, { engine: 'k6', k6: FAKE_K6, out: join(dir, 'out'), formats: [] });
      assert.is(result.kind, 'report');
      if (result.kind !== 'report') return;
      assert.is(result.report.engine.name, 'k6');
      const runs = readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as string[])
        .filter((a) => a[0] === 'run');
      const profiles = runs.map(
        (a) =>
          JSON.parse(
            a.find((x) => x.startsWith('MESHPROOF_PROFILE='))!.slice('MESHPROOF_PROFILE='.length),
          ) as LoadProfile,
      );
      const slots = scenario.repeat * 2;
      assert.is(profiles.length, scenario.warmupMs > 0 ? 2 * slots : slots);
      for (const p of profiles) assert.equal(k6Rules(p), [], JSON.stringify(p));
      if (scenario.warmupMs > 0) {
        assert.equal(profiles[0], {
          executor: 'ramping-vus',
          startVUs: 10,
          stages: [{ duration: '0.5s', target: 10 }],
          gracefulRampDown: '0s',
          gracefulStop: '0s',
        });
        assert.equal(profiles[1], scenario.load);
      }
      assert.is(result.report.phases.baseline.result.requests, 20 * scenario.repeat);
      // item 4: the HTML report's timeline and per-cause sections are filled from k6 too
      const baseline = result.report.phases.baseline.result;
      assert.equal(baseline.timeline[0].causes, { ok: 20 });
      assert.is(baseline.timeline[0].p95, 23.05); // k6's p(95) of 5…24 ms: rank 18.05 → 23 + 0.05
      assert.ok(baseline.histograms.byCause.ok, 'per-cause histogram');
    } finally {
      delete process.env.FAKE_K6_RESPONSES;
      delete process.env.FAKE_K6_LOG;
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
