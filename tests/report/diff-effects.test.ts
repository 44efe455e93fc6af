/**
 * `meshproof diff` compares effects (each run's policy against its own baseline): a runner
 * that is busier than last time is no regression, a policy that does less is (issue 14).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { percentileRatio } from '../../src/analysis/compare.js';
import { changesOf, diffReports, type ReportDiff } from '../../src/report/diff.js';
import { percentileInterval } from '../../src/analysis/stats.js';
import { deserializeHistogram } from '../../src/load/histogram.js';
import type { ExpectSpec } from '../../src/analysis/gates.js';
import { assembleReport, buildFixtureReport, loadFixtureReport } from '../fixtures/report/fixture.js';
import { scaleLatencies } from '../fixtures/report/scale.js';
import { HEALTHY, syntheticPhase, type Outcome } from '../fixtures/report/synthetic.js';

const kinds = (d: ReportDiff, kind: string) => d.comparisons.filter((c) => c.kind === kind).map((c) => c.what);
const find = (d: ReportDiff, what: string) => {
  const c = d.comparisons.find((x) => x.what === what);
  assert.ok(c, `${what} not compared: ${d.comparisons.map((x) => x.what).join('; ')}`);
  return c!;
};

// gates that speak of what the policy does, not of absolute milliseconds: what a CI gate should hold
const RELATIVE: ExpectSpec = {
  baseline: { http_req_failed: ['rate<0.01'] },
  policy: { cause_overflow: ['rate>=0.3'] },
  delta: { status_503: ['rate>=0.2'], http_req_duration: ['p(50)<0'] },
};
const main = buildFixtureReport({ expect: RELATIVE });

test('idle vs busy: the same scenario with other seeds and every latency ×1.5 (then ×2) is no regression', () => {
  for (const factor of [1.5, 2]) {
    const busy = scaleLatencies(buildFixtureReport({ expect: RELATIVE, seedOffset: 100 }), factor);
    // the busy run really is slower: its policy p95 is ~factor × the idle one's
    const ratio = busy.phases.policy.stats.percentiles.p95.value / main.phases.policy.stats.percentiles.p95.value;
    assert.ok(Math.abs(ratio - factor) < 0.15 * factor, `policy p95 ratio ${ratio}`);
    const d = diffReports(main, busy);
    assert.is(d.mode, 'effects');
    assert.equal(kinds(d, 'regression'), [], JSON.stringify(changesOf(d), null, 1));
    assert.equal(d.warnings, []);
    // every effect and gate was compared: 4 gates, failed + overflow shares, 5 latency ratios
    assert.is(d.comparisons.length, 4 + 2 + 5, d.comparisons.map((c) => c.what).join('; '));
  }
});

test('the same busy run diffed --absolute is what issue 14 saw: policy percentiles "regress" although nothing changed', () => {
  const busy = scaleLatencies(buildFixtureReport({ expect: RELATIVE, seedOffset: 100 }), 1.5);
  const d = diffReports(main, busy, { mode: 'absolute' });
  const r = kinds(d, 'regression');
  for (const what of ['baseline p90', 'baseline p95', 'policy p90', 'policy p95'])
    assert.ok(r.includes(what), `${what} in ${r.join('; ')}`);
});

test('an absolute latency gate on a busy runner still flips, and diff says so (rule: a gate that passed and now fails)', () => {
  const fixture = loadFixtureReport();
  const d = diffReports(fixture, scaleLatencies(fixture, 2));
  assert.equal(kinds(d, 'regression'), ['gate policy http_req_duration p(95)<60']);
  assert.match(find(d, 'gate policy http_req_duration p(95)<60').why, /^the gate passed and now fails: /);
});

test('a policy change that halves the shedding (45 % → 22.5 % overflow) is a regression: "the policy adds less overflow"', () => {
  const halved = buildFixtureReport({ expect: RELATIVE, overflowShare: 0.225 });
  const d = diffReports(main, halved);
  assert.is(d.regression, true);
  const overflow = find(d, 'overflow share');
  assert.is(overflow.kind, 'regression');
  // the breaker trips after the first second, so the measured shares are 41.8 % and 20.8 %
  // the tolerance is the larger of 2 pp and a quarter of the old effect (41.8 pp / 4)
  assert.is(
    overflow.why,
    'the policy adds less overflow (+41.8 pp [40.1–43.4] → +20.8 pp [19.5–22.1]): weaker by more than 10.4 pp (25 % of the old effect) and the 95 % intervals do not overlap',
  );
  assert.is(overflow.change, '-21.0 pp');
  assert.match(find(d, 'failed share').why, /^the policy adds fewer failures/);
  assert.is(find(d, 'gate policy cause_overflow rate>=0.3').kind, 'regression');
  // the 503 gate cannot decide (20.8 % [19.5–22.1] straddles 20 %): a change, not red on its own
  assert.is(find(d, 'gate delta status_503 rate>=0.2').kind, 'change');
  assert.is(d.comparisons[0].kind, 'regression', 'regressions first');
});

// a route timeout: a third of the requests hit a ~1 s pod; with timeout 0.5s they end as 504 at ~501 ms
const FAST: Outcome = { ...HEALTHY, share: 2 / 3 };
const SLOW: Outcome = { cause: 'ok', status: 200, share: 1 / 3, medianMs: 1000, p99Ms: 1100 };
const TIMED_OUT: Outcome = { cause: 'route_timeout', status: 504, share: 1 / 3, medianMs: 501, p99Ms: 503 };
const TIMEOUT_EXPECT: ExpectSpec = {
  policy: { cause_route_timeout: ['rate>=0.2'] },
  delta: { http_req_duration: ['p(95)<-200'] },
};
function timeoutRun(seed: number, policyMix: Outcome[]) {
  const phase = (s: number, mix: Outcome[], at: string) =>
    syntheticPhase({ seed: s, requests: 600, durationS: 5, startedAt: at, mix });
  return assembleReport(
    phase(seed, [FAST, SLOW], '2026-11-21T10:00:01.000Z'),
    phase(seed + 1, policyMix, '2026-11-21T10:00:08.000Z'),
    TIMEOUT_EXPECT,
    'route-timeout',
  );
}

test('a policy change that removes the timeout is a regression: the timeout share and the p95 cut weaken, the gates fail', () => {
  const withTimeout = timeoutRun(21, [FAST, TIMED_OUT]);
  const without = timeoutRun(31, [FAST, SLOW]);
  assert.is(withTimeout.verdict, 'pass');
  const d = diffReports(withTimeout, without);
  const r = kinds(d, 'regression');
  for (const what of [
    'gate policy cause_route_timeout rate>=0.2',
    'gate delta http_req_duration p(95)<-200',
    'route_timeout share',
    'failed share',
    'ok p90 latency',
    'ok p95 latency',
  ])
    assert.ok(r.includes(what), `${what} in ${r.join('; ')}`);
  // gone, not just weaker: without the timeout the share difference is 0.0 pp [-0.64–0.64]
  assert.is(
    find(d, 'route_timeout share').why,
    'the policy no longer adds route_timeout (+34.5 pp [30.8–38.4] → 0.0 pp [-0.64–0.64]): weaker by more than 8.6 pp (25 % of the old effect) and the 95 % intervals do not overlap',
  );
  // with the timeout the slow third's answers are 504s, so the ok p95 is a fast pod's (×0.044); without it ×1
  assert.is(
    find(d, 'ok p95 latency').why,
    'the policy no longer cuts the p95 of ok answers (×0.044 [0.0401–0.0481] → ×1.00 [0.964–1.02]): weaker by more than 0.24 of the ratio (25 % of the old effect) and the 95 % intervals do not overlap',
  );
  // the p50 is a fast answer in both phases of both runs; the ok p99 of 400 answers has an open bound: neither is red
  assert.ok(!r.includes('ok p50 latency') && !r.includes('ok p99 latency'));
});

test('a failure cause the new policy phase shows and its baseline does not (and the old policy did not add) is a regression; one stray one is not', () => {
  const RESET: Outcome = { cause: 'upstream_reset', status: 503, share: 0.05, medianMs: 2, p99Ms: 5 };
  const old = timeoutRun(21, [FAST, TIMED_OUT]);
  const resets = timeoutRun(21, [FAST, TIMED_OUT, RESET]);
  const d = diffReports(old, resets);
  const c = find(d, 'upstream_reset share');
  assert.is(c.kind, 'regression');
  assert.match(
    c.why,
    /^new failure cause: the policy phase has \d\d upstream_reset \(\d\.\d %\) and its baseline none; the old run's policy did not add it$/,
  );
  // one reset in 600 requests: its Newcombe interval includes 0 — noise on a busy runner
  const one = structuredClone(old);
  const q = one.phases.policy.stats;
  q.causes.upstream_reset = { count: 1, n: q.requests, ratio: 1 / q.requests, lo: 0, hi: 0.01 };
  const d1 = diffReports(old, one);
  assert.is(find(d1, 'upstream_reset share').kind, 'unchanged');
  assert.is(d1.regression, false);
});

test('a burst of a new failure cause below the share tolerance (a busy runner stalls past a 250 ms perTryTimeout: 15 of 3600 as 504s) is not red', () => {
  // 15/3600 = 0.42 % against 0/2400: significant (Newcombe interval [0.19, 0.69] pp, above 0)
  // but a fifth of the 2 pp below which the diff calls no share movement a regression. The
  // same code on a runner that froze once for longer than the per-try timeout gives this.
  const burst = structuredClone(main);
  const q = burst.phases.policy.stats;
  q.causes.route_timeout = { count: 15, n: q.requests, ratio: 15 / q.requests, lo: 0, hi: 0.01 };
  const c = find(diffReports(main, burst), 'route_timeout share');
  assert.is(c.new, '+0.42 pp [0.19–0.69]');
  assert.is(c.kind, 'unchanged');
  assert.is(c.why, 'within 2.0 pp');
  assert.is(diffReports(main, burst).regression, false);
  // 3 % of the requests (108 of 3600) is beyond the 2 pp: red, in the words of the rule
  const many = structuredClone(main);
  many.phases.policy.stats.causes.route_timeout = {
    count: 108,
    n: q.requests,
    ratio: 108 / q.requests,
    lo: 0,
    hi: 0.04,
  };
  const m = find(diffReports(main, many), 'route_timeout share');
  assert.is(m.kind, 'regression');
  assert.is(
    m.why,
    "new failure cause: the policy phase has 108 route_timeout (3.0 %) and its baseline none; the old run's policy did not add it",
  );
});

test('an effect that got stronger (the pool now sheds 96 % instead of 42 %) is a change, not red; an upper-bound gate on the failures makes it red (README "Use in CI")', () => {
  const d = diffReports(main, buildFixtureReport({ expect: RELATIVE, overflowShare: 0.97 }));
  const overflow = find(d, 'overflow share');
  assert.is(overflow.kind, 'change');
  assert.match(
    overflow.why,
    /^the policy adds more overflow \(\+41\.8 pp \[40\.1–43\.4\] → \+96\.3 pp \[95\.6–96\.9\]\): stronger by more than 10\.4 pp/,
  );
  assert.is(d.regression, false);
  const BOUNDED: ExpectSpec = { ...RELATIVE, policy: { ...RELATIVE.policy, http_req_failed: ['rate<0.6'] } };
  const bounded = diffReports(
    buildFixtureReport({ expect: BOUNDED }),
    buildFixtureReport({ expect: BOUNDED, overflowShare: 0.97 }),
  );
  assert.equal(kinds(bounded, 'regression'), ['gate policy http_req_failed rate<0.6']);
});

test('a latency cost that grows (ratio above 1, e.g. retries) is a change, not a regression; one that shrinks is an improvement', () => {
  const cost = (medianMs: number, seed: number) => {
    const b = syntheticPhase({
      seed,
      requests: 2000,
      durationS: 5,
      startedAt: '2026-11-21T10:00:01.000Z',
      mix: [HEALTHY],
    });
    const q = syntheticPhase({
      seed: seed + 1,
      requests: 2000,
      durationS: 5,
      startedAt: '2026-11-21T10:00:08.000Z',
      mix: [{ ...HEALTHY, medianMs, p99Ms: medianMs * 2.4 }],
    });
    return assembleReport(b, q, [], 'retries');
  };
  const d = diffReports(cost(40, 1), cost(80, 3));
  const p50 = find(d, 'ok p50 latency');
  assert.is(p50.kind, 'change');
  assert.match(p50.why, /^the policy adds more to the p50 of ok answers \(×1\.\d+ \[/);
  assert.is(find(diffReports(cost(80, 3), cost(40, 1)), 'ok p50 latency').kind, 'improvement');
});

test('percentileRatio: policy ÷ baseline with [policy.lo ÷ baseline.hi, policy.hi ÷ baseline.lo] from 97.5 % order-statistic intervals (both hold at ≥ 95 %)', () => {
  const slow = { ...HEALTHY, medianMs: 50, p99Ms: 120 };
  const b = syntheticPhase({
    seed: 5,
    requests: 3000,
    durationS: 5,
    startedAt: '2026-11-21T10:00:01.000Z',
    mix: [HEALTHY],
  });
  const q = syntheticPhase({
    seed: 6,
    requests: 3000,
    durationS: 5,
    startedAt: '2026-11-21T10:00:08.000Z',
    mix: [slow],
  });
  const r = percentileRatio(b.histograms.overall, q.histograms.overall, 50);
  const bi = percentileInterval(deserializeHistogram(b.histograms.overall), 50, 0.975);
  const qi = percentileInterval(deserializeHistogram(q.histograms.overall), 50, 0.975);
  assert.equal(r, {
    baseline: bi.value,
    policy: qi.value,
    ratio: qi.value / bi.value,
    lo: qi.lo / bi.hi,
    hi: qi.hi / bi.lo,
  });
  // medians 25 ms and 50 ms: ×2, the interval a few percent either side
  assert.ok(Math.abs(r.ratio - 2) < 0.1 && r.lo < r.ratio && r.hi > r.ratio && r.hi - r.lo < 0.25, JSON.stringify(r));
  // no histogram (a phase without ok answers): no ratio
  assert.ok(Number.isNaN(percentileRatio(undefined, q.histograms.overall, 50).ratio));
});

test('effects mode warns like --absolute when the scenarios, load profiles or engines differ', () => {
  const other = structuredClone(main);
  other.scenario.name = 'retries';
  other.load.profile = { executor: 'constant-vus', vus: 20, duration: '10s' };
  other.engine = { name: 'k6', version: '0.54.0' };
  assert.equal(diffReports(main, other).warnings, [
    'different scenarios: "connection-pool-overflow" vs "retries"',
    'different load profiles: differences may come from the load, not the change',
    'different engines: builtin vs k6',
  ]);
});

test.run();
