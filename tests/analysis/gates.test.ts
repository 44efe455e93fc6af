import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../src/errors.js';
import {
  evaluateParsed,
  evaluateGates,
  parseOneGate,
  judge,
  overallVerdict,
  parseExpect,
  parseGate,
  GateError,
} from '../../src/analysis/gates.js';
import { analyzeExperiment } from '../../src/analysis/experiment.js';
import { createHistogram, recordMs, serializeHistogram } from '../../src/load/histogram.js';
import { HEALTHY, syntheticPhase } from '../fixtures/report/synthetic.js';
import { gateMessage } from '../../src/report/gate-text.js';

test('parseGate reads every operator (k6 threshold syntax)', () => {
  const table: [string, string][] = [
    ['<', '<'],
    ['<=', '<='],
    ['>', '>'],
    ['>=', '>='],
    ['==', '=='],
    ['!=', '!='],
    ['===', '=='],
  ];
  for (const [written, op] of table) {
    const g = parseGate(`rate${written}0.25`);
    assert.is(g.op, op, written);
    assert.is(g.threshold, 0.25);
    assert.is(g.aggregation, 'rate');
  }
});

test('parseGate reads every aggregation, with spaces, decimals and exponents', () => {
  assert.equal(parseGate('p(95)<250'), {
    expression: 'p(95)<250',
    aggregation: 'p',
    percentile: 95,
    op: '<',
    threshold: 250,
  });
  assert.is(parseGate('p(99.9) <= 1e3').percentile, 99.9);
  assert.is(parseGate('p(99.9) <= 1e3').threshold, 1000);
  for (const agg of ['rate', 'count', 'avg', 'min', 'max', 'med'] as const) {
    const g = parseGate(` ${agg} >= -2.5 `);
    assert.is(g.aggregation, agg);
    assert.is(g.threshold, -2.5);
    assert.is(g.percentile, undefined);
  }
});

test('malformed gates are ConfigErrors that quote the expression and say what was expected', () => {
  const table: [string, string][] = [
    ['', 'gate "": expected <aggregation> <operator> <number>, e.g. "p(95)<250" or "rate>=0.3"'],
    ['p95<250', 'gate "p95<250": unknown aggregation "p95"; expected rate, count, p(N), avg, min, max or med'],
    ['p(x)<250', 'gate "p(x)<250": p(N) needs a number N between 0 and 100, got "x"'],
    ['p(101)<250', 'gate "p(101)<250": p(N) needs a number N between 0 and 100, got 101'],
    ['rate=0.1', 'gate "rate=0.1": expected an operator (< <= > >= == !=) after "rate", got "=0.1"'],
    ['rate<<0.1', 'gate "rate<<0.1": expected an operator (< <= > >= == !=) after "rate", got "<<0.1"'],
    ['rate', 'gate "rate": expected an operator (< <= > >= == !=) after "rate", got ""'],
    ['rate<abc', 'gate "rate<abc": expected a number after "<", got "abc"'],
    ['rate<', 'gate "rate<": expected a number after "<", got ""'],
    ['<0.1', 'gate "<0.1": expected <aggregation> <operator> <number>, e.g. "p(95)<250" or "rate>=0.3"'],
    ['rate<0.1 and more', 'gate "rate<0.1 and more": expected a number after "<", got "0.1 and more"'],
    ['count<1e400', 'gate "count<1e400": expected a finite number after "<", got "1e400"'],
  ];
  for (const [expr, message] of table) {
    try {
      parseGate(expr);
      assert.unreachable(`${expr} parsed`);
    } catch (e) {
      assert.instance(e, ConfigError);
      assert.is((e as Error).message, message);
    }
  }
});

test('parseExpect names the field: unknown metric, unknown cause, wrong aggregation, unknown scope', () => {
  const table: [unknown, string][] = [
    [
      { policy: { http_req_latency: ['p(95)<1'] } },
      'expect.policy.http_req_latency: unknown metric "http_req_latency"; expected http_req_duration, http_req_failed, http_reqs, status_<code> (e.g. status_503), cause_<cause> (e.g. cause_overflow), subset_<subset> (e.g. subset_v2) or split, each but split with an optional tag filter like {subset:v2}',
    ],
    [
      { policy: { cause_timeout: ['rate<1'] } },
      'expect.policy.cause_timeout: unknown cause "timeout" in metric "cause_timeout"; expected one of ok, overflow, no_healthy_upstream, route_timeout, fault_abort, upstream_reset, app_error, client_error, network_error',
    ],
    [
      { delta: { http_req_failed: ['rate<0.1', 'p(95)<1'] } },
      'expect.delta.http_req_failed[1]: gate "p(95)<1": p(N) does not apply to http_req_failed; expected rate, count',
    ],
    [
      { baseline: { http_req_duration: ['rate<0.1'] } },
      'expect.baseline.http_req_duration[0]: gate "rate<0.1": rate does not apply to http_req_duration; expected p(N), avg, min, max, med',
    ],
    [{ during: { http_reqs: ['count>0'] } }, 'expect.during: unknown scope; expected baseline, policy, delta'],
    [
      { policy: { http_reqs: 'count>' } },
      'expect.policy.http_reqs[0]: gate "count>": expected a number after ">", got ""',
    ],
    [
      { policy: { status_503: ['avg<1'] } },
      'expect.policy.status_503[0]: gate "avg<1": avg does not apply to status_503; expected rate, count',
    ],
  ];
  for (const [expect, message] of table) {
    try {
      parseExpect(expect);
      assert.unreachable(JSON.stringify(expect));
    } catch (e) {
      assert.instance(e, GateError);
      assert.is((e as Error).message, message);
    }
  }
  assert.equal(
    parseExpect({ policy: { status_503: ['rate<0.1'] } }).map((g) => [
      g.scope,
      g.metric,
      g.ref,
      g.gate.op,
      g.gate.threshold,
    ]),
    [['policy', 'status_503', { kind: 'status', code: '503' }, '<', 0.1]],
  );
});

test('verdict: pass when the whole interval satisfies the gate, fail when it all violates it, inconclusive when it straddles', () => {
  type Row = [string, number, number, number, string];
  const table: Row[] = [
    ['<', 0.3, 0.1, 0.2, 'pass'],
    ['<', 0.3, 0.3, 0.4, 'fail'],
    ['<', 0.3, 0.2, 0.3, 'inconclusive'],
    ['<=', 0.3, 0.2, 0.3, 'pass'],
    ['<=', 0.3, 0.31, 0.4, 'fail'],
    ['<=', 0.3, 0.2, 0.31, 'inconclusive'],
    ['>', 0.3, 0.31, 0.4, 'pass'],
    ['>', 0.3, 0.2, 0.3, 'fail'],
    ['>', 0.3, 0.3, 0.4, 'inconclusive'],
    ['>=', 0.3, 0.3, 0.4, 'pass'],
    ['>=', 0.3, 0.1, 0.29, 'fail'],
    ['>=', 0.3, 0.29, 0.4, 'inconclusive'],
    ['==', 0, 0, 0, 'pass'],
    ['==', 0, 1, 1, 'fail'],
    ['==', 0, 0, 0.01, 'inconclusive'],
    ['!=', 0, 1, 1, 'pass'],
    ['!=', 0, 0, 0, 'fail'],
    ['!=', 0, 0, 0.01, 'inconclusive'],
  ];
  for (const [op, threshold, lo, hi, verdict] of table) {
    assert.is(judge({ op: op as any, threshold }, { lo, hi }), verdict, `[${lo}, ${hi}] ${op} ${threshold}`);
  }
  assert.is(judge({ op: '<', threshold: 1 }, { lo: NaN, hi: NaN }), 'inconclusive', 'no data');
  assert.is(judge({ op: '<', threshold: 100 }, { lo: 50, hi: Infinity }), 'inconclusive', 'open upper bound');
});

test('overall verdict: any fail → fail, else any inconclusive → inconclusive, else pass', () => {
  assert.is(overallVerdict([{ verdict: 'pass' }, { verdict: 'inconclusive' }, { verdict: 'fail' }]), 'fail');
  assert.is(overallVerdict([{ verdict: 'pass' }, { verdict: 'inconclusive' }]), 'inconclusive');
  assert.is(overallVerdict([{ verdict: 'pass' }, { verdict: 'pass' }]), 'pass');
  assert.is(overallVerdict([]), 'pass');
});

// 1000 baseline requests all ok; 1000 policy requests of which exactly 300 are 503 overflows (Wilson 300/1000: [0.2724, 0.3291])
const baseline = syntheticPhase({
  seed: 1,
  requests: 1000,
  durationS: 4,
  startedAt: '2026-01-01T00:00:00.000Z',
  mix: [HEALTHY],
});
const policy = (() => {
  const r = syntheticPhase({
    seed: 2,
    requests: 1000,
    durationS: 4,
    startedAt: '2026-01-01T00:00:10.000Z',
    mix: [HEALTHY],
  });
  // force exactly 300 overflows (counts only; the gates read counts)
  return { ...r, statuses: { '200': 700, '503': 300 }, causes: { ok: 700, overflow: 300 } };
})();

test('gates on a 30 % overflow phase: rate, count and delta decided on their intervals, counts exact', () => {
  const a = analyzeExperiment({
    baseline,
    policy,
    expect: {
      baseline: { http_req_failed: ['rate<0.01', 'count==0'] },
      policy: {
        cause_overflow: ['rate>=0.25', 'rate>=0.3', 'rate<0.2'],
        status_503: ['count==300'],
        status_504: ['count==0', 'rate<0.01'],
        http_reqs: ['count==1000', 'rate==250'],
      },
      delta: { status_503: ['rate>=0.25', 'count>299'], http_req_failed: ['rate>0.35'] },
    },
  });
  const got = a.gates.map((g) => `${g.scope} ${g.metric} ${g.expression} ${g.verdict}`);
  assert.equal(got, [
    'baseline http_req_failed rate<0.01 pass', // 0/1000: Wilson upper 0.0038
    'baseline http_req_failed count==0 pass',
    'policy cause_overflow rate>=0.25 pass', // [0.2724, 0.3291]
    'policy cause_overflow rate>=0.3 inconclusive',
    'policy cause_overflow rate<0.2 fail',
    'policy status_503 count==300 pass',
    'policy status_504 count==0 pass',
    'policy status_504 rate<0.01 pass',
    'policy http_reqs count==1000 pass',
    'policy http_reqs rate==250 pass', // 1000 requests in 4 s, exact
    'delta status_503 rate>=0.25 pass', // Newcombe [0.2721, 0.3291]
    'delta status_503 count>299 pass',
    'delta http_req_failed rate>0.35 fail',
  ]);
  const g = a.gates[3];
  assert.ok(Math.abs(g.interval[0] - 0.2724) < 1e-4 && Math.abs(g.interval[1] - 0.3291) < 1e-4, String(g.interval));
  assert.is(g.observed, 0.3);
  assert.match(gateMessage(g), /straddles 0\.3/);
  assert.is(a.verdict, 'fail');
});

test('latency gates: p(N), med, avg, min, max per phase and on the delta (healthy p50 25 ms, p99 60 ms)', () => {
  const slower = syntheticPhase({
    seed: 3,
    requests: 1000,
    durationS: 4,
    startedAt: '2026-01-01T00:00:10.000Z',
    mix: [{ ...HEALTHY, medianMs: 50, p99Ms: 120 }],
  });
  const a = analyzeExperiment({
    baseline,
    policy: slower,
    expect: {
      baseline: { http_req_duration: ['p(50)<30', 'med>20', 'p(99)<100', 'avg<40', 'min>1', 'max<10'] },
      delta: { http_req_duration: ['p(50)>15', 'med<5', 'avg>10'] },
    },
  });
  assert.equal(
    a.gates.map((g) => g.verdict),
    ['pass', 'pass', 'pass', 'pass', 'pass', 'fail', 'pass', 'fail', 'pass'],
  );
  const p50 = a.gates[0];
  assert.ok(Math.abs(p50.observed - 25) < 2, `p50 ${p50.observed}`);
  assert.ok(p50.interval[0] < p50.observed && p50.observed < p50.interval[1]);
  const max = a.gates[5];
  assert.is(max.interval[0], max.interval[1], 'max is exact');
  const d = a.gates[6];
  assert.ok(Math.abs(d.observed - 25) < 4, `p50 delta ${d.observed}`);
});

test("avg gates: Welch's t on the delta, and one request decides nothing", () => {
  const at = (values: number[], seed: number) => {
    const r = syntheticPhase({
      seed,
      requests: values.length,
      durationS: 1,
      startedAt: '2026-01-01T00:00:00.000Z',
      mix: [HEALTHY],
    });
    const h = createHistogram();
    for (const ms of values) recordMs(h, ms);
    return { ...r, histograms: { ...r.histograms, overall: serializeHistogram(h) } };
  };
  // reference (Python statistics + Simpson-integrated t): δ = 0.5, se = 0.147196, Welch df = 4.1901,
  // t = 2.727470 → [0.098527, 0.901473]; z with ÷n deviations gave [0.2664, 0.7336]
  const a = analyzeExperiment({
    baseline: at([1.0, 1.1, 1.3, 1.4], 1),
    policy: at([1.5, 1.7, 1.9], 2),
    expect: { delta: { http_req_duration: ['avg>0.05'] } },
  });
  const d = a.gates[0];
  assert.ok(Math.abs(d.observed - 0.5) < 1e-9, `delta ${d.observed}`);
  assert.ok(Math.abs(d.interval[0] - 0.098527) < 1e-6 && Math.abs(d.interval[1] - 0.901473) < 1e-6, String(d.interval));
  assert.is(d.verdict, 'pass');
  // one request per phase: the zero-width interval [x, x] used to pass both gates
  const one = analyzeExperiment({
    baseline: at([5], 3),
    policy: at([7], 4),
    expect: { baseline: { http_req_duration: ['avg<1000'] }, delta: { http_req_duration: ['avg<1000'] } },
  });
  assert.equal(
    one.gates.map((g) => [g.verdict, ...g.interval]),
    [
      ['inconclusive', 0, Infinity],
      ['inconclusive', -Infinity, Infinity],
    ],
  );
});

test('gates parsed once by the scenario loader evaluate like the expect block', () => {
  const ctxA = analyzeExperiment({ baseline, policy, expect: { policy: { cause_overflow: ['rate>=0.25'] } } });
  const a = analyzeExperiment({ baseline, policy });
  assert.equal(
    analyzeExperiment({ baseline, policy, gates: [parseOneGate('policy', 'cause_overflow', 'rate>=0.25')] }).gates,
    ctxA.gates,
  );
  const list = evaluateParsed([parseOneGate('policy', 'cause_overflow', 'rate>=0.25')], {
    baseline: { result: baseline, stats: a.stats.baseline },
    policy: { result: policy, stats: a.stats.policy },
    comparison: a.comparison,
  });
  assert.equal(list, ctxA.gates);
  assert.equal(
    evaluateGates(undefined, {
      baseline: { result: baseline, stats: a.stats.baseline },
      policy: { result: policy, stats: a.stats.policy },
      comparison: a.comparison,
    }),
    [],
  );
});

test('a phase with no requests makes its gates inconclusive, not passed', () => {
  const empty = syntheticPhase({
    seed: 4,
    requests: 0,
    durationS: 2,
    startedAt: '2026-01-01T00:00:10.000Z',
    mix: [HEALTHY],
  });
  const a = analyzeExperiment({
    baseline,
    policy: empty,
    // delta rate>-0.01: 0/1000 before and no data after would give Newcombe [−0.0038, 1] — "pass" on nothing
    expect: {
      policy: { http_req_failed: ['rate<0.5'], http_req_duration: ['p(95)<1000'] },
      delta: { http_req_failed: ['rate>-0.01'], http_req_duration: ['p(50)<1000'] },
    },
  });
  assert.equal(
    a.gates.map((g) => g.verdict),
    ['inconclusive', 'inconclusive', 'inconclusive', 'inconclusive'],
  );
  assert.match(gateMessage(a.gates[1]), /no data/);
  assert.match(gateMessage(a.gates[2]), /no data/);
  assert.is(a.verdict, 'inconclusive');
});

test.run();
