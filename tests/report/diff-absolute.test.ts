import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { changesOf, diffReports, type DiffTolerance } from '../../src/report/diff.js';
import { ratioStat } from '../../src/analysis/phase.js';
import { buildFixtureReport, loadFixtureReport } from '../fixtures/report/fixture.js';

/** `meshproof diff --absolute`: the phases compared across runs, number by number. */
const abs = (tolerance: Partial<DiffTolerance>) => ({ mode: 'absolute' as const, tolerance });
const main = loadFixtureReport();
// the "PR": 60 % overflow instead of 45 %, healthy responses 30 ms slower
const regressed = buildFixtureReport({ overflowShare: 0.6, p95Shift: 30 });
// the same scenario with other seeds: only noise
const rerun = buildFixtureReport({ seedOffset: 100 });

test('a gate that passed and now fails, a cause share up beyond tolerance, percentiles up beyond tolerance: regressions', () => {
  const d = diffReports(main, regressed, abs({ ratio: 0.02, ms: 5 }));
  assert.ok(d.regression);
  const regressions = changesOf(d)
    .filter((c) => c.kind === 'regression')
    .map((c) => c.what);
  assert.ok(regressions.includes('gate policy http_req_duration p(95)<60'), regressions.join('; '));
  assert.ok(regressions.includes('policy overflow'), 'overflow share 41.8 % → ~55 %');
  assert.ok(regressions.includes('policy failed'));
  assert.ok(regressions.includes('policy p95'));
  assert.ok(!regressions.some((w) => w.startsWith('baseline')), 'the baseline did not change');
  const overflow = changesOf(d).find((c) => c.what === 'policy overflow')!;
  assert.match(overflow.change, /^\+1\d\.\d pp$/);
  assert.match(overflow.why, /do not overlap/);
  // regressions are listed first
  assert.is(changesOf(d)[0].kind, 'regression');
});

test('a rerun with other seeds is not a regression: shifts stay within tolerance or inside overlapping intervals', () => {
  const d = diffReports(main, rerun, abs({ ratio: 0.02, ms: 5 }));
  assert.is(d.regression, false, JSON.stringify(changesOf(d).filter((c) => c.kind === 'regression')));
  assert.equal(d.warnings, []);
});

test('the other way round the same changes are improvements — except the policy p50, which rises as fewer fast 503s pull it down', () => {
  const d = diffReports(regressed, main, abs({ ratio: 0.02, ms: 5 }));
  // with 60 % overflows (~1 ms) the median is an overflow; with 42 % it is a ~17 ms success
  assert.equal(
    changesOf(d)
      .filter((c) => c.kind === 'regression')
      .map((c) => c.what),
    ['policy p50'],
  );
  const improvements = changesOf(d)
    .filter((c) => c.kind === 'improvement')
    .map((c) => c.what);
  assert.ok(
    improvements.includes('policy overflow') &&
      improvements.includes('policy p95') &&
      improvements.includes('gate policy http_req_duration p(95)<60'),
    improvements.join('; '),
  );
});

test('tolerances decide: a 30 ms rise is no regression with --tolerance-ms 100 and a ratio tolerance of 0.5', () => {
  const d = diffReports(main, regressed, abs({ ratio: 0.5, ms: 100 }));
  assert.equal(
    changesOf(d)
      .filter((c) => c.kind === 'regression')
      .map((c) => c.what),
    ['gate policy http_req_duration p(95)<60'],
  );
});

test('different scenarios or load profiles are warned about', () => {
  const other = {
    ...rerun,
    scenario: { ...rerun.scenario, name: 'retries' },
    load: { ...rerun.load, profile: { executor: 'constant-vus' as const, vus: 20, duration: '10s' } },
  };
  const d = diffReports(main, other, { mode: 'absolute' });
  assert.equal(d.warnings, [
    'different scenarios: "connection-pool-overflow" vs "retries"',
    'different load profiles: differences may come from the load, not the change',
  ]);
});

test('a cause the old run never saw counts as 0/n with its Wilson interval: 0/50 → 3/50 network errors overlap (≤ 7.1 %), so it is a change, not a regression', () => {
  const oldR = structuredClone(main);
  const newR = structuredClone(main);
  for (const r of [oldR, newR]) r.phases.baseline.stats.requests = 50;
  delete oldR.phases.baseline.stats.causes.network_error;
  newR.phases.baseline.stats.causes.network_error = ratioStat(3, 50);
  const d = diffReports(oldR, newR, abs({ ratio: 0.02, ms: 5 }));
  const c = changesOf(d).find((x) => x.what === 'baseline network_error');
  assert.ok(c, JSON.stringify(changesOf(d)));
  assert.is(c!.kind, 'change');
  assert.match(c!.why, /intervals overlap/);
  assert.match(c!.old, /–7\.1/);
  assert.is(d.regression, false);
});

test.run();
