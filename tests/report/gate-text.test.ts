/**
 * Issue 15 ("analysis stops formatting text"): analysis returns each gate's evidence as data
 * (analysis/model.ts GateEvidence) and the report words it (report/gate-text.ts), one function
 * per kind. The sentences below are the ones analysis wrote before the move, byte for byte
 * (taken from the previous code on the same runs), one per branch of every kind.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { analyzeExperiment } from '../../src/analysis/experiment.js';
import { gateMessage, reportGates } from '../../src/report/gate-text.js';
import { render as renderJson } from '../../src/report/json.js';
import { parseReport } from '../../src/report/read.js';
import { gateCases } from '../fixtures/report/gate-cases.js';
import { buildFixtureReport } from '../fixtures/report/fixture.js';

const gatesOf = (name: string) => analyzeExperiment(gateCases().find((c) => c.name === name)!.input).gates;

test('threshold evidence: exact pass / fail, interval pass / fail / straddle, p(N) and med labels, no data, delta', () => {
  const gates = gatesOf('thresholds');
  assert.equal(
    gates.map((g) => [g.evidence.kind, g.verdict, gateMessage(g)]),
    [
      ['threshold', 'pass', 'policy http_reqs count = 1000 (exact) satisfies count==1000'],
      ['threshold', 'fail', 'policy http_reqs count = 1000 (exact) violates count<10'],
      [
        'threshold',
        'pass',
        'policy http_req_failed rate = 0.3; the whole 95 % interval [0.272, 0.329] satisfies rate<0.5',
      ],
      [
        'threshold',
        'fail',
        'policy http_req_failed rate = 0.3; the whole 95 % interval [0.272, 0.329] violates rate<0.1',
      ],
      [
        'threshold',
        'inconclusive',
        'policy http_req_failed rate = 0.3; the 95 % interval [0.272, 0.329] straddles 0.3, so rate<0.3 cannot be decided at this confidence (more requests would narrow it)',
      ],
      [
        'threshold',
        'pass',
        'policy http_req_duration p(95) = 59.01; the whole 95 % interval [58.98, 62.02] satisfies p(95)<250',
      ],
      ['threshold', 'fail', 'policy http_req_duration max = 69.06 (exact) violates max<40'],
      [
        'threshold',
        'fail',
        'policy http_req_duration avg = 41.50; the whole 95 % interval [40.75, 42.26] violates avg>100',
      ],
      [
        'threshold',
        'inconclusive',
        'policy http_req_duration{subset:v9} p(99.9) has no data (no requests in the phase), so p(99.9)<250 cannot be decided',
      ],
      [
        'threshold',
        'pass',
        'delta http_req_duration med = 17.01; the whole 95 % interval [14.99, 19.01] satisfies med<50',
      ],
      [
        'threshold',
        'pass',
        'delta cause_overflow rate = 0.29; the whole 95 % interval [0.261, 0.319] satisfies rate>=0.25',
      ],
    ],
  );
  // the evidence is data: comparator, threshold, exactness, confidence, the filter, why undecided
  assert.equal(gates[5].evidence, {
    kind: 'threshold',
    aggregation: 'p',
    percentile: 95,
    op: '<',
    threshold: 250,
    exact: false,
    confidence: 0.95,
  });
  assert.equal(gates[8].evidence, {
    kind: 'threshold',
    filter: { subset: 'v9' },
    aggregation: 'p',
    percentile: 99.9,
    op: '<',
    threshold: 250,
    exact: false,
    confidence: 0.95,
    undecided: 'no-data',
  });
});

test('split evidence: one reason per route (consistent, weights rejected, no requests), the worst verdict', () => {
  const [g] = gatesOf('split: consistent, rejected, no requests');
  assert.is(g.verdict, 'fail');
  assert.ok(g.evidence.kind === 'split');
  assert.equal(
    g.evidence.routes.map((r) => [r.reason, r.verdict, r.check.n]),
    [
      ['consistent', 'pass', 1000],
      ['weights-rejected', 'fail', 1000],
      ['no-requests', 'inconclusive', 0],
    ],
  );
  assert.is(
    gateMessage(g),
    'policy split (chi-square goodness of fit at 95 %; intervals simultaneous per route): VirtualService default/reviews http[0]: 1000 requests; v1 80 % [77.02 %, 82.68 %] vs 80 %, v2 20 % [17.32 %, 22.98 %] vs 20 %; Pearson chi-square X² = 0, df 1, p = 1 ≥ 0.05: consistent with the declared weights; VirtualService default/reviews http[1]: 1000 requests; v1 80 % [77.02 %, 82.68 %] vs 50 % (outside), v2 20 % [17.32 %, 22.98 %] vs 50 % (outside); Pearson chi-square X² = 360, df 1, p = 2.82e-80 < 0.05: not the declared weights; VirtualService default/reviews http[2]: 0 requests; no attributed requests',
  );
});

test('split evidence: too few requests (Cochran), no weighted route, nothing attributed', () => {
  const [tiny] = gatesOf('split: too few requests');
  assert.is(tiny.verdict, 'inconclusive');
  assert.is(
    gateMessage(tiny),
    'policy split (chi-square goodness of fit at 95 %; intervals simultaneous per route): VirtualService default/reviews http[0]: 10 requests; v1 80 % [42.57 %, 95.57 %] vs 80 %, v2 10 % [1.33 %, 47.82 %] vs 10 %, v3 10 % [1.33 %, 47.82 %] vs 10 %; Pearson chi-square X² = 0, df 2, smallest expected count 1 < 5: too few requests for the chi-square test',
  );
  const [none] = gatesOf('split: no weighted route');
  assert.equal(none.evidence, {
    kind: 'split',
    confidence: 0.95,
    minExpected: 5,
    routes: [],
    undecided: 'no-weighted-route',
  });
  assert.is(
    gateMessage(none),
    'policy split cannot be judged: the policy declares no weighted route (no http[] entry with two or more destinations)',
  );
  const [split] = gatesOf('nothing attributed: split and a subset filter');
  assert.is(gateMessage(split), 'policy split cannot be judged: this run did not attribute responses to subsets');
});

test('unjudged evidence: a subset filter on a run that attributes nothing says what to set', () => {
  const g = gatesOf('nothing attributed: split and a subset filter')[1];
  assert.equal(g.evidence, { kind: 'unjudged', filter: { subset: 'v2' }, undecided: 'no-attribution' });
  assert.is(g.verdict, 'inconclusive');
  assert.is(
    gateMessage(g),
    'policy http_req_failed{subset:v2}: this run did not attribute responses to subsets (set target.subsetFrom, or route to DestinationRule subsets so meshproof adds its attribution header), so rate<0.01 cannot be decided',
  );
});

test('report.json carries each gate as before: the sentence as `message`, the fields in their order, no evidence', () => {
  const gates = gatesOf('thresholds');
  const reported = reportGates(gates);
  assert.equal(Object.keys(reported[0]), [
    'expression',
    'metric',
    'scope',
    'observed',
    'interval',
    'verdict',
    'message',
  ]);
  assert.equal(
    reported.map((g) => g.message),
    gates.map(gateMessage),
  );
  const report = buildFixtureReport();
  const back = parseReport(renderJson(report), 'report.json');
  assert.equal(
    back.gates.map((g) => g.message),
    report.gates.map((g) => g.message),
  );
  assert.not.ok(renderJson(report).includes('"evidence"'));
});

test.run();
