/**
 * Issue G item 5: the engines agree, measured. Each demo scenario, shortened (2 s phases, no
 * warm-up, no settle), runs on the local mesh through the built-in engine and through the
 * fake k6 in live mode (real requests, one thread per VU: tests/fixtures/fake-k6/live.mjs)
 * running the real bundled script. Per phase, the 200 and 503 shares of the two engines must
 * lie within each other's 99 % Newcombe interval (the difference's interval contains 0), and
 * the p50 of the answers the pods gave (cause ok) within 15 % — unless the two medians' 99 %
 * intervals show a larger gap (a few dozen samples per phase cannot pin a median to 15 % on
 * a busy 2-core machine; a k6 path that doubled latency fails). That latency is the pods'
 * (lognormal p50 25 ms, + the 100 ms fault delay in fault-injection), not the client's.
 *
 * Open loop (constant-arrival-rate) instead of the demos' 10 closed-loop VUs: with closed-loop
 * VUs the offered load is set by how fast the client turns an answer into the next request,
 * and the shares of a pool that sheds by load (connection-pool-overflow: 200s are capped by
 * maxConnections 1, 503s grow with the offered rate) then measure the client, not the mesh.
 * Measured on this 2-core machine: 10 closed-loop VUs gave built-in 59/502 200s vs fake k6
 * 56/283 — the fake's thread hand-off per request halves its rate.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newcombe, percentileInterval } from '../../src/analysis/stats.js';
import { deserializeHistogram } from '../../src/load/histogram.js';
import { DEMO_SCENARIOS, demoScenarioFiles } from '../../src/cli/demo-scenarios.js';
import { loadScenario, type Scenario } from '../../src/scenario/scenario.js';
import { runSession } from '../../src/experiment/session.js';
import type { PhaseResult } from '../../src/load/model.js';
import { ensureBundle, FAKE_K6 } from '../load/helpers/bundle.js';

/**
 * The default suite runs fault-injection only; `npm run test:agree` (MESHPROOF_AGREE=1) runs all
 * five. In fault-injection nothing depends on how fast a client sends: the 503 share is the
 * gateway's per-request 50 % abort draw, so a stalled machine that drops arrivals does not bias
 * it. The other four follow the offered load (pool overflow and outlier ejection track the
 * concurrency, route-timeout holds VUs ~1 s): measured here at load average 10, all five took
 * 108 s and connection-pool-overflow's fake k6 dropped 29 of 200 arrivals at 100/s;
 * fault-injection alone costs ~20 s of the suite.
 * In the default suite it checks the exact status/cause sums and the 200/503 shares, not the
 * p50 (see below). Its false-alarm rate is one 99 % interval's, 1 %: the baseline has no 503s
 * and only 200s on both engines (n/n vs m/m always agrees), and in the policy phase the 200 and
 * 503 shares are complements, one comparison. Its power is modest (120 requests a phase): a k6
 * path that reported half its 503s as 200 failed 1 of 2 runs (measured); one that lost
 * requests or statuses fails the sums every time.
 */
const ALL = process.env.MESHPROOF_AGREE === '1';
/** Scenarios whose shares do not depend on the offered load: in the default suite. */
const LOAD_INDEPENDENT = new Set(['fault-injection']);
ensureBundle();
const CONFIDENCE = 0.99;
const P50_TOLERANCE = 0.15;

async function phases(
  scenario: Scenario,
  engine: 'builtin' | 'k6',
): Promise<Record<'baseline' | 'policy', PhaseResult>> {
  const dir = mkdtempSync(join(tmpdir(), 'meshproof-agree-'));
  try {
    const r = await runSession(scenario, { engine, k6: FAKE_K6, out: dir, formats: [] });
    if (r.kind !== 'report') throw new Error('expected a report');
    assert.is(r.report.engine.name, engine);
    return { baseline: r.report.phases.baseline.result, policy: r.report.phases.policy.result };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const [i, file] of demoScenarioFiles([]).entries()) {
  const agree = ALL || LOAD_INDEPENDENT.has(DEMO_SCENARIOS[i]) ? test : test.skip;
  agree(
    `${DEMO_SCENARIOS[i]}: built-in engine and (fake, live) k6 agree on 200/503 shares (99 % Newcombe) and pod p50 (±15 %)`,
    async () => {
      const scenario = await loadScenario(file);
      // route-timeout holds a VU for ~1 s on every third request: fewer arrivals. The pool of
      // connection-pool-overflow (maxConnections 1, one pending) serves ~40/s: offered 100/s it
      // sheds as the demo means it to, and the shares are set by the pool, not by how evenly a
      // busy client spaces 30 arrivals a second (measured: built-in 47/60 vs k6 60/60 200s at 30/s)
      const name = DEMO_SCENARIOS[i];
      // fault-injection at 60/s: 120 requests a phase (see the power measured above)
      const rate =
        name === 'route-timeout'
          ? 15
          : name === 'connection-pool-overflow'
            ? 100
            : name === 'fault-injection'
              ? 60
              : 30;
      const load = {
        executor: 'constant-arrival-rate' as const,
        rate,
        duration: '2s',
        preAllocatedVUs: 24,
        maxVUs: 24,
      };
      const short: Scenario = { ...scenario, load, warmupMs: 0, policy: { ...scenario.policy, settleMs: 0 } };
      delete process.env.FAKE_K6_RESPONSES; // live mode
      const builtin = await phases(short, 'builtin');
      const k6 = await phases(short, 'k6');
      for (const phase of ['baseline', 'policy'] as const) {
        const a = builtin[phase],
          b = k6[phase];
        assert.ok(a.requests >= 25 && b.requests >= 25, `${phase}: ${a.requests} / ${b.requests} requests`);
        // (nearly) the same offered load: neither engine ran short of VUs for more than 5 % of
        // arrivals — where the shares follow the load. Where they do not (a per-request draw), a
        // stalled machine may drop up to a quarter without biasing them (measured in the full
        // suite at load average 10: the built-in engine, sharing its event loop with the mesh,
        // dropped 9 of 120 fault-injection arrivals)
        const dropLimit = LOAD_INDEPENDENT.has(name) ? 0.25 : 0.05;
        for (const r of [a, b])
          assert.ok(
            r.droppedIterations <= dropLimit * (r.requests + r.droppedIterations),
            `${phase} ${r.engine.name}: dropped ${r.droppedIterations} of ${r.requests + r.droppedIterations}`,
          );
        // exact, whatever the timing: every request has one status and one cause on either engine
        const sum = (counts: Record<string, number | undefined>) =>
          Object.values(counts).reduce<number>((x, y) => x + (y ?? 0), 0);
        for (const r of [a, b]) {
          assert.is(
            sum(r.statuses),
            r.requests,
            `${phase} ${r.engine.name}: statuses ${JSON.stringify(r.statuses)} vs ${r.requests} requests`,
          );
          assert.is(
            sum(r.causes),
            r.requests,
            `${phase} ${r.engine.name}: causes ${JSON.stringify(r.causes)} vs ${r.requests} requests`,
          );
        }
        for (const status of ['200', '503']) {
          const d = newcombe(a.statuses[status] ?? 0, a.requests, b.statuses[status] ?? 0, b.requests, CONFIDENCE);
          assert.ok(
            d.lo <= 0 && d.hi >= 0,
            `${phase} status ${status}: built-in ${a.statuses[status] ?? 0}/${a.requests}, k6 ${b.statuses[status] ?? 0}/${b.requests}, difference ${d.delta.toFixed(3)} [${d.lo.toFixed(3)}, ${d.hi.toFixed(3)}]`,
          );
        }
        // p50 of the pods' answers: the engines agree within 15 % unless the data say otherwise at
        // 99 % — the ratio of the two medians' distribution-free intervals must reach into [0.85, 1.15]
        const ha = a.histograms.byCause.ok,
          hb = b.histograms.byCause.ok;
        // On demand only: the built-in engine shares its event loop with the local mesh, so on a
        // contended machine its latency includes scheduling delay (measured in the default suite at
        // load average 10: built-in p50 122 ms [80, 148] vs fake k6 30.5 ms for 25 ms pods)
        if (ALL && ha && hb && (a.causes.ok ?? 0) >= 30 && (b.causes.ok ?? 0) >= 30) {
          const ia = percentileInterval(deserializeHistogram(ha), 50, CONFIDENCE);
          const ib = percentileInterval(deserializeHistogram(hb), 50, CONFIDENCE);
          const lo = ib.lo / ia.hi,
            hi = ib.hi / ia.lo;
          assert.ok(
            hi >= 1 - P50_TOLERANCE && lo <= 1 + P50_TOLERANCE,
            `${phase} p50 of ok: built-in ${ia.value.toFixed(1)} ms [${ia.lo.toFixed(1)}, ${ia.hi.toFixed(1)}], k6 ${ib.value.toFixed(1)} ms [${ib.lo.toFixed(1)}, ${ib.hi.toFixed(1)}]`,
          );
        }
      }
    },
  );
}

test.run();
