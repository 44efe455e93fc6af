/**
 * Issue 16 items 4–5: per-subset statistics, the chi-square split check, k6 tag-filtered gates
 * (`http_req_failed{subset:v2}`, `{status:200}`, `{cause:overflow}`), `subset_<name>` shares and
 * `split: ["matches-weights"]`.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chiSquareGoodnessOfFit, gammaQ } from '../../src/analysis/chi-square.js';
import { analyzeExperiment } from '../../src/analysis/experiment.js';
import { parseExpect, parseOneGate, type Scope } from '../../src/analysis/gates.js';
import { Recorder } from '../../src/load/builtin/recorder.js';
import type { Cause } from '../../src/load/classify.js';
import type { PhaseResult } from '../../src/load/model.js';
import type { DeclaredSplit } from '../../src/load/subset-from.js';
import { gateMessage } from '../../src/report/gate-text.js';

const PROFILE = { executor: 'constant-vus' as const, vus: 10, duration: '10s' };
const PLAN = { method: 'GET', baseUrl: 'http://127.0.0.1:1', path: '/', subsetFrom: { header: 'x-meshproof-subset' } };

/** A phase of 10 s: per subset, `n` requests of which `failed` answered 500 (app_error); latency `ms`. */
function phase(parts: { subset: string; n: number; failed?: number; ms?: number; overflow?: number }[]): PhaseResult {
  const r = new Recorder(false, true);
  let at = 0;
  for (const p of parts) {
    for (let i = 0; i < p.n; i++) {
      const [status, cause]: [number, Cause] =
        i < (p.failed ?? 0)
          ? [500, 'app_error']
          : i < (p.failed ?? 0) + (p.overflow ?? 0)
            ? [503, 'overflow']
            : [200, 'ok'];
      r.add(status, cause, p.ms ?? 20, undefined, at++ % 10_000, p.subset);
    }
  }
  return r.result({
    profile: PROFILE,
    plan: PLAN,
    engine: { name: 'builtin', version: 't' },
    startedAt: new Date(0),
    durationMs: 10_000,
  });
}

/** Gates as a scenario writes them, parsed once as the scenario loader does. */
const parsedList = (gates: { scope: Scope; metric: string; expression: string }[]) =>
  gates.map((g) => parseOneGate(g.scope, g.metric, g.expression));

const DECLARED_80_10_10: DeclaredSplit[] = [
  {
    route: 'VirtualService default/reviews http[0]',
    weights: [
      { subset: 'v1', weight: 80 },
      { subset: 'v2', weight: 10 },
      { subset: 'v3', weight: 10 },
    ],
  },
];

test('chi-square upper tail matches the tables: X² 3.841 df 1 and 5.991 df 2 → p 0.05; 0 → 1', () => {
  assert.ok(Math.abs(gammaQ(0.5, 3.841 / 2) - 0.05) < 2e-4);
  assert.ok(Math.abs(gammaQ(1, 5.991 / 2) - 0.05) < 2e-4);
  assert.ok(Math.abs(gammaQ(5, 18.307 / 2) - 0.05) < 2e-4, 'df 10');
  const fit = chiSquareGoodnessOfFit([90, 10], [90, 10]);
  assert.equal([fit.statistic, fit.df, fit.pValue], [0, 1, 1]);
  // a zero-weight destination that served requests cannot be the declared split
  assert.is(chiSquareGoodnessOfFit([95, 5], [100, 0]).pValue, 0);
  // no request at all: no degree of freedom (was -1), nothing against the declared split
  const none = chiSquareGoodnessOfFit([0, 0], [50, 50]);
  assert.equal([none.statistic, none.df, none.pValue], [0, 0, 1]);
});

test('done when: declared 80/10/10, the route actually splits 50/25/25 over 400 requests → split fails (chi-square p ≈ 0), each declared share outside its interval', () => {
  const policy = phase([
    { subset: 'v1', n: 200 },
    { subset: 'v2', n: 100 },
    { subset: 'v3', n: 100 },
  ]);
  const a = analyzeExperiment({
    baseline: policy,
    policy,
    expect: { policy: { split: ['matches-weights'] } },
    declared: DECLARED_80_10_10,
  });
  assert.is(a.gates[0].verdict, 'fail');
  const check = a.stats.policy.splits![0];
  // X² = (200−320)²/320 + 2·(100−40)²/40 = 45 + 180 = 225
  assert.ok(Math.abs(check.statistic - 225) < 1e-9);
  assert.is(check.df, 2);
  assert.ok(check.pValue < 1e-40);
  assert.equal(
    check.subsets.map((s) => s.inside),
    [false, false, false],
  );
  assert.match(gateMessage(a.gates[0]), 'chi-square');
  assert.is(a.verdict, 'fail');
});

test('the same split observed as declared (800/100/100) passes; 8/1/1 is inconclusive (expected count 1 < 5, Cochran)', () => {
  const good = phase([
    { subset: 'v1', n: 800 },
    { subset: 'v2', n: 100 },
    { subset: 'v3', n: 100 },
  ]);
  const a = analyzeExperiment({
    baseline: good,
    policy: good,
    expect: { policy: { split: ['matches-weights'] } },
    declared: DECLARED_80_10_10,
  });
  assert.is(a.gates[0].verdict, 'pass');
  assert.equal(
    a.stats.policy.splits![0].subsets.map((s) => s.inside),
    [true, true, true],
  );
  const tiny = phase([
    { subset: 'v1', n: 8 },
    { subset: 'v2', n: 1 },
    { subset: 'v3', n: 1 },
  ]);
  const b = analyzeExperiment({
    baseline: tiny,
    policy: tiny,
    expect: { policy: { split: ['matches-weights'] } },
    declared: DECLARED_80_10_10,
  });
  assert.is(b.gates[0].verdict, 'inconclusive');
  assert.match(gateMessage(b.gates[0]), 'expected count 1 < 5');
});

test('bad canary: overall failure ≈ 2 % passes rate<0.05, http_req_failed{subset:v2} = 20 % fails rate<0.05; per-subset stats carry share, failure rate and percentiles', () => {
  const policy = phase([
    { subset: 'v1', n: 900, ms: 20 },
    { subset: 'v2', n: 100, failed: 20, ms: 80 },
  ]);
  const a = analyzeExperiment({
    baseline: policy,
    policy,
    gates: parsedList([
      { scope: 'policy', metric: 'http_req_failed', expression: 'rate<0.05' },
      { scope: 'policy', metric: 'http_req_failed{subset:v2}', expression: 'rate<0.05' },
      { scope: 'policy', metric: 'http_req_duration{subset:v2}', expression: 'p(50)>50' },
      { scope: 'policy', metric: 'http_reqs{subset:v2}', expression: 'count==100' },
      { scope: 'policy', metric: 'http_reqs{subset:v2}', expression: 'rate==10' },
      { scope: 'policy', metric: 'subset_v2', expression: 'rate>=0.08' },
      { scope: 'policy', metric: 'subset_v2', expression: 'rate<=0.13' },
    ]),
  });
  assert.equal(
    a.gates.map((g) => g.verdict),
    ['pass', 'fail', 'pass', 'pass', 'pass', 'pass', 'pass'],
  );
  assert.is(a.gates[1].observed, 0.2);
  const v2 = a.stats.policy.subsets!.find((s) => s.subset === 'v2')!;
  assert.equal([v2.requests, v2.share.ratio, v2.failed.count, v2.failed.ratio], [100, 0.1, 20, 0.2]);
  assert.ok(Math.abs(v2.percentiles.p50.value - 80) < 1.5, `p50 ${v2.percentiles.p50.value}`);
  assert.equal(v2.statuses, { '500': 20, '200': 80 });
});

test('delta subset_v2 with a baseline of no requests is undecided (no data), as every other delta share is', () => {
  // Newcombe with 0/0 on one side takes that side's Wilson [0, 1]: here [−0.90, 0.16] for 10/100 − 0/0,
  // which passed rate<0.5 on no baseline data at all
  const a = analyzeExperiment({
    baseline: phase([]),
    policy: phase([
      { subset: 'v1', n: 90 },
      { subset: 'v2', n: 10 },
    ]),
    gates: parsedList([{ scope: 'delta', metric: 'subset_v2', expression: 'rate<0.5' }]),
  });
  const g = a.gates[0];
  assert.equal([g.verdict, g.evidence.kind === 'threshold' && g.evidence.undecided], ['inconclusive', 'no-data']);
  assert.ok(Number.isNaN(g.observed));
});

test('{status:200} and {cause:overflow} filters: counts and rates of the restricted requests, as k6 sub-metrics', () => {
  const policy = phase([{ subset: 'v1', n: 100, overflow: 30 }]);
  const a = analyzeExperiment({
    baseline: policy,
    policy,
    gates: parsedList([
      { scope: 'policy', metric: 'http_reqs{status:200}', expression: 'count==70' },
      { scope: 'policy', metric: 'http_reqs{cause:overflow}', expression: 'count==30' },
      { scope: 'policy', metric: 'http_req_failed{status:503}', expression: 'rate==1' },
      { scope: 'policy', metric: 'http_reqs{subset:v1,status:503}', expression: 'count==30' },
    ]),
  });
  assert.equal(
    a.gates.map((g) => [g.verdict, g.observed]),
    [
      ['pass', 70],
      ['pass', 30],
      ['inconclusive', 1],
      ['pass', 30],
    ],
  );
});

test('tag filters and split are parsed once, with k6 syntax, and bad ones name what was expected', () => {
  assert.equal(parseExpect({ policy: { 'http_req_failed{ subset : v2 }': ['rate<0.01'] } })[0].ref, {
    kind: 'http_req_failed',
    filter: { subset: 'v2' },
  });
  const bad: [Record<string, unknown>, string][] = [
    [
      { policy: { 'http_req_duration{status:200}': ['p(95)<1'] } },
      'meshproof keeps latency per subset and per cause, not per status',
    ],
    [{ policy: { 'http_reqs{pod:x}': ['count>1'] } }, 'unknown tag "pod"'],
    [{ policy: { 'http_reqs{cause:nope}': ['count>1'] } }, 'unknown cause "nope"'],
    [{ policy: { split: ['rate>0.5'] } }, 'split takes "matches-weights"'],
    [{ delta: { split: ['matches-weights'] } }, 'split is judged on a phase'],
    [{ policy: { subset_v2: ['p(95)<1'] } }, 'p(N) does not apply to subset_v2'],
  ];
  for (const [expect, message] of bad) {
    try {
      parseExpect(expect);
      assert.unreachable(JSON.stringify(expect));
    } catch (e) {
      assert.match((e as Error).message, message);
    }
  }
});

test('a run that attributes nothing: subset gates are inconclusive and say why', () => {
  const r = new Recorder(false, false);
  for (let i = 0; i < 50; i++) r.add(200, 'ok', 10, undefined, i);
  const p = r.result({
    profile: PROFILE,
    plan: { ...PLAN, subsetFrom: undefined },
    engine: { name: 'builtin', version: 't' },
    startedAt: new Date(0),
    durationMs: 1000,
  });
  const a = analyzeExperiment({
    baseline: p,
    policy: p,
    gates: parsedList([
      { scope: 'policy', metric: 'http_req_failed{subset:v2}', expression: 'rate<0.01' },
      { scope: 'policy', metric: 'split', expression: 'matches-weights' },
    ]),
  });
  assert.equal(
    a.gates.map((g) => g.verdict),
    ['inconclusive', 'inconclusive'],
  );
  assert.match(gateMessage(a.gates[0]), 'did not attribute responses to subsets');
});

test.run();
