import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fileURLToPath } from 'node:url';
import { runExperiment, ExperimentInterrupted, type ExperimentEvent } from '../../src/experiment/orchestrator.js';
import { loadScenario, type Scenario } from '../../src/scenario/scenario.js';
import { ExitCode, InfraError } from '../../src/errors.js';
import { DEFAULT_APP } from '../../src/mesh/app-model.js';
import { gatewayCounterSource } from '../../src/cluster/counters.js';
import { FakeApplier, FakeClock, FakeEngine, type Script } from './fakes.js';

/** Default world: baseline all ok; policy sheds half of the requests as overflow. */

const FIXTURE = fileURLToPath(new URL('../fixtures/experiment/good.yaml', import.meta.url));
const PREEXISTING_VS = DEFAULT_APP.objects[0];

async function harness(opts: {
  repeat?: number;
  warmupMs?: number;
  script?: (phase: string, signal?: AbortSignal) => ReturnType<Script>;
  verify?: Partial<import('../../src/ports.js').VerifyResult>;
  controller?: AbortController;
  settleMs?: number;
}) {
  const loaded = await loadScenario(FIXTURE);
  const spec: Scenario = {
    ...loaded,
    repeat: opts.repeat ?? 1,
    warmupMs: opts.warmupMs ?? 0,
    policy: { ...loaded.policy, settleMs: opts.settleMs ?? loaded.policy.settleMs },
  };
  const log: string[] = [];
  const clock = new FakeClock(log);
  let current = '';
  const onEvent = (e: ExperimentEvent) => {
    if (e.type === 'lint') log.push('lint');
    if (e.type === 'phase') current = e.warmup ? `warmup:${e.phase}` : e.phase;
  };
  const applier = new FakeApplier(log, [PREEXISTING_VS], opts.verify);
  const script = opts.script ?? ((phase: string) => (phase === 'policy' ? { ok: 500, overflow: 500 } : { ok: 1000 }));
  const engine = new FakeEngine(
    log,
    ({ options }) => script(current, options?.signal),
    () => current,
  );
  const run = () =>
    runExperiment(spec, {
      applier,
      engine,
      clock,
      target: { url: 'http://127.0.0.1:1' },
      onEvent,
      signal: opts.controller?.signal,
    });
  return { spec, log, applier, engine, run };
}

const storeKeys = (a: FakeApplier) => [...a.store.keys()].sort();

test('repeat 1 runs lint → snapshot → baseline → apply → verify → policy → restore, then reads back', async () => {
  const h = await harness({});
  const report = await h.run();
  assert.equal(h.log, ['lint', 'snapshot', 'baseline', 'apply', 'verify', 'policy', 'restore', 'snapshot']);
  // the DestinationRule did not exist before: restore deleted it, the VirtualService is untouched
  assert.equal(storeKeys(h.applier), ['VirtualService/default/productpage']);
  assert.equal(report.order, ['baseline', 'policy']);
  assert.is(report.phases.baseline.result.requests, 1000);
  assert.is(report.phases.policy.stats.causes.overflow?.count, 500);
  assert.is(report.policy.propagationMs, 12);
  assert.ok(report.phases.policy.policyAppliedAt, 'policyAppliedAt is set for the HTML timeline');
  assert.equal(
    report.gates.map((g) => `${g.scope} ${g.metric} ${g.expression} ${g.verdict}`),
    [
      'baseline http_req_failed rate<0.05 pass',
      'policy cause_overflow rate>=0.3 pass',
      'delta status_503 rate>=0.2 pass',
    ],
  );
  assert.is(report.verdict, 'pass');
  assert.ok(report.notes.includes('restore read-back: 1 object(s) exactly as before the run'), report.notes.join('\n'));
});

test('the effective (merged) policy the check compared with lands in report.json and in the facts every format renders (issue 13 item 6)', async () => {
  const effective = [
    {
      kind: 'DestinationRule',
      namespace: 'default',
      name: 'productpage',
      spec: {
        host: 'productpage',
        trafficPolicy: {
          connectionPool: { tcp: { maxConnections: 100 } },
          outlierDetection: { consecutive5xxErrors: 3 },
        },
      },
      kept: ['spec.trafficPolicy.connectionPool'],
    },
  ];
  const h = await harness({ verify: { ok: true, replicas: [{ name: 'gateway', ok: true }], effective } });
  const report = await h.run();
  assert.equal(report.policy.effective, effective);
  const { factLines } = await import('../../src/report/rows.js');
  assert.equal(
    factLines(report).filter(([k]) => k === 'effective'),
    [
      [
        'effective',
        'DestinationRule default/productpage spec {"host":"productpage","trafficPolicy":{"connectionPool":{"tcp":{"maxConnections":100}},"outlierDetection":{"consecutive5xxErrors":3}}} (kept from the existing object: spec.trafficPolicy.connectionPool)',
      ],
    ],
  );
  const { render } = await import('../../src/report/markdown.js');
  assert.match(render(report), 'kept from the existing object: spec.trafficPolicy.connectionPool');
});

test("policy.settle waits that long after the propagation check, before the policy phase, on the run's clock; 0 waits not at all", async () => {
  const h = await harness({ settleMs: 1500, repeat: 2 });
  const report = await h.run();
  assert.equal(h.log, [
    'lint',
    'snapshot',
    'baseline',
    'apply',
    'verify',
    'sleep 1500',
    'policy',
    'policy',
    'restore',
    'baseline',
    'snapshot',
  ]);
  assert.is(report.createdAt, '2026-11-21T10:00:00.000Z', "the report is dated by the run's clock");
  const none = await harness({ settleMs: 0 });
  await none.run();
  assert.not.ok(
    none.log.some((e) => e.startsWith('sleep')),
    none.log.join(' '),
  );
});

test('a warm-up runs before each measured phase, with the phase profile held for warmup', async () => {
  const h = await harness({ warmupMs: 500 });
  const durations: string[] = [];
  h.engine.onRun = ({ profile }) => {
    // the warm-up is one flat ramping stage (k6 accepts it under 1 s); the measured phase is the profile
    durations.push('stages' in profile ? `${profile.executor} ${profile.stages[0].duration}` : profile.duration);
  };
  const report = await h.run();
  assert.equal(h.log, [
    'lint',
    'snapshot',
    'warmup:baseline',
    'baseline',
    'apply',
    'verify',
    'warmup:policy',
    'policy',
    'restore',
    'snapshot',
  ]);
  assert.equal(durations, ['ramping-vus 0.5s', '2s', 'ramping-vus 0.5s', '2s']);
  // warm-up results are discarded: only the measured 1000 + 1000 requests are pooled
  assert.is(report.phases.baseline.result.requests + report.phases.policy.result.requests, 2000);
});

test('repeat 2 alternates A B B A, applies once, restores between, and pools (counts add)', async () => {
  let n = 0;
  const h = await harness({
    repeat: 2,
    script: (phase) => (phase === 'policy' ? { ok: 400 + n++, overflow: 600 } : { ok: 1000, app_error: 1 }),
  });
  const report = await h.run();
  assert.equal(report.order, ['baseline', 'policy', 'policy', 'baseline']);
  assert.equal(h.log, [
    'lint',
    'snapshot',
    'baseline',
    'apply',
    'verify',
    'policy',
    'policy',
    'restore',
    'baseline',
    'snapshot',
  ]);
  assert.is(report.phases.baseline.result.requests, 2002);
  assert.is(report.phases.baseline.result.causes.app_error, 2);
  assert.is(report.phases.policy.result.requests, 2001);
  assert.is(report.phases.policy.result.causes.overflow, 1200);
  assert.is(report.phases.policy.stats.causes.overflow?.count, 1200);
  assert.equal(storeKeys(h.applier), ['VirtualService/default/productpage']);
});

test('repeat 3 runs A B B A A B: applies again after the alternate restore, and ends restored', async () => {
  const h = await harness({ repeat: 3 });
  const report = await h.run();
  assert.equal(report.order, ['baseline', 'policy', 'policy', 'baseline', 'baseline', 'policy']);
  assert.equal(h.log, [
    'lint',
    'snapshot',
    'baseline',
    'apply',
    'verify',
    'policy',
    'policy',
    'restore',
    'baseline',
    'baseline',
    'apply',
    'verify',
    'policy',
    'restore',
    'snapshot',
  ]);
  assert.is(report.phases.baseline.result.requests, 3000);
  assert.is(report.phases.policy.stats.causes.overflow?.count, 1500);
  assert.equal(storeKeys(h.applier), ['VirtualService/default/productpage']);
});

test('an apply that fails halfway (e.g. 403 on the second object) still restores what may have landed', async () => {
  const h = await harness({});
  const apply = h.applier.apply.bind(h.applier);
  h.applier.apply = async (docs) => {
    await apply(docs); // the first writes landed…
    throw new InfraError('forbidden: the Kubernetes API refused to patch virtualservices');
  };
  const err = await h.run().catch((e: unknown) => e);
  assert.instance(err, InfraError);
  assert.match((err as Error).message, /^forbidden/);
  assert.equal(h.log, ['lint', 'snapshot', 'baseline', 'apply', 'restore']);
  assert.equal(storeKeys(h.applier), ['VirtualService/default/productpage']);
  assert.equal(h.applier.store.get('VirtualService/default/productpage'), PREEXISTING_VS);
});

test('the report echoes the request headers but withholds credential values; the engine still sends them (design.md Safety rules)', async () => {
  const h = await harness({});
  h.spec.target.headers = {
    Authorization: 'Bearer s3cr3t-token',
    'x-api-key': 'k-123456',
    Cookie: 'session=abc987',
    'x-request-source': 'ci',
  };
  const sent: (Record<string, string> | undefined)[] = [];
  h.engine.onRun = ({ plan }) => sent.push(plan.headers);
  const report = await h.run();
  assert.equal(sent[0], {
    Authorization: 'Bearer s3cr3t-token',
    'x-api-key': 'k-123456',
    Cookie: 'session=abc987',
    'x-request-source': 'ci',
  });
  const echoed = {
    Authorization: '[redacted]',
    'x-api-key': '[redacted]',
    Cookie: '[redacted]',
    'x-request-source': 'ci',
  };
  assert.equal(report.load.plan.headers, echoed);
  assert.equal(report.phases.baseline.result.plan.headers, echoed);
  assert.equal(report.phases.policy.result.plan.headers, echoed);
  const json = JSON.stringify(report);
  for (const secret of ['s3cr3t-token', 'k-123456', 'abc987'])
    assert.not.ok(json.includes(secret), `${secret} in report.json`);
});

const OVERFLOW_STAT = 'cluster.outbound|9080||productpage.default.svc.cluster.local.upstream_rq_pending_overflow';

/**
 * A gateway whose overflow counter grows by every overflow the engine's runs produce —
 * warm-ups included, as a real gateway's would — and whose read number `failOn` throws.
 */
function countingGateway(engine: FakeEngine, failOn?: number) {
  const gw = {
    reads: 0,
    total: 0,
    async read() {
      gw.reads++;
      if (gw.reads === failOn) throw new Error('pod proxy: 503 Service Unavailable');
      return { [OVERFLOW_STAT]: gw.total };
    },
  };
  engine.onRun = ({ result }) => {
    gw.total += result.causes.overflow ?? 0;
  };
  return gw;
}

/** runExperiment with the harness's fakes and phase tracking, plus a counter source. */
function runWithCounters(
  h: Awaited<ReturnType<typeof harness>>,
  counters: { read(): Promise<Record<string, number>> },
  onPhase: (name: string) => void,
) {
  return runExperiment(h.spec, {
    applier: h.applier,
    engine: h.engine,
    target: { url: 'http://127.0.0.1:1' },
    counters,
    onEvent: (e) => e.type === 'phase' && onPhase(e.warmup ? `warmup:${e.phase}` : e.phase),
  });
}

test('gateway counters bracket each measured phase (not the warm-up) and sum over repetitions', async () => {
  let phase = '';
  const h = await harness({
    repeat: 2,
    warmupMs: 100,
    script: () => (phase.endsWith('policy') ? { ok: 500, overflow: 500 } : { ok: 1000 }),
  });
  const gw = countingGateway(h.engine);
  const report = await runWithCounters(h, gw, (p) => (phase = p));
  assert.is(gw.total, 2000, 'the gateway saw 2 × 500 measured and 2 × 500 warm-up overflows');
  assert.is(gw.reads, 8, 'before and after each of the 4 measured slots');
  assert.equal(
    report.gateway?.map((g) => [g.phase, g.deltas[OVERFLOW_STAT], g.mismatches]),
    [
      ['baseline', 0, []],
      ['policy', 1000, []],
    ],
  );
});

test('a gateway replica restarting between the phases spoils no delta: the policy phase is counted from the new Envoy, with a note', async () => {
  let phase = '';
  const h = await harness({ script: () => (phase === 'policy' ? { ok: 500, overflow: 500 } : { ok: 1000 }) });
  const envoy = { uptime: 3600, overflow: 40 };
  h.engine.onRun = ({ result }) => {
    envoy.overflow += result.causes.overflow ?? 0;
  };
  const now = 0;
  const stats = gatewayCounterSource(
    ['gw-0'],
    async () => `server.uptime: ${envoy.uptime}\n${OVERFLOW_STAT}: ${envoy.overflow}\n`,
    undefined,
    () => now,
  );
  const report = await runWithCounters(h, stats, (p) => {
    phase = p;
    // the replica restarts after the baseline phase's last reading (its counters from 0 again)
    if (p === 'policy') Object.assign(envoy, { uptime: 2, overflow: 3 });
  });
  assert.equal(
    report.gateway?.map((g) => [g.phase, g.deltas[OVERFLOW_STAT], g.mismatches]),
    [
      ['baseline', 0, []],
      ['policy', 500, []],
    ],
  );
  assert.ok(
    report.notes.includes(
      "gateway counters: before the policy phase (slot 2): gateway replica gw-0 (server.uptime 3600 s → 2 s) restarted since the last /stats reading: the coming phase's deltas count from the new Envoy, whose connection pools and outlier ejections started afresh",
    ),
    report.notes.join('\n'),
  );
  assert.not.ok(
    report.notes.some((n) => n.includes('reports no gateway deltas')),
    report.notes.join('\n'),
  );
});

test('a gateway /stats read that fails costs that phase its gateway deltas and leaves a note; the run and its verdict stand', async () => {
  let phase = '';
  const h = await harness({
    repeat: 2,
    script: () => (phase === 'policy' ? { ok: 500, overflow: 500 } : { ok: 1000 }),
  });
  const gw = countingGateway(h.engine, 3); // the read before the first policy slot
  const report = await runWithCounters(h, gw, (p) => (phase = p));
  assert.is(report.verdict, 'pass');
  assert.is(report.phases.policy.result.requests, 2000);
  assert.ok(
    report.notes.includes(
      'gateway counters: reading /stats before the policy phase (slot 2) failed, so the policy phase reports no gateway deltas: pod proxy: 503 Service Unavailable',
    ),
    report.notes.join('\n'),
  );
  // the second policy slot read fine, but half a sum would read as "gateway counted 500, clients saw 1000"
  assert.equal(
    report.gateway?.map((g) => [g.phase, g.deltas, g.mismatches]),
    [
      ['baseline', { [OVERFLOW_STAT]: 0 }, []],
      ['policy', {}, []],
    ],
  );
  assert.equal(storeKeys(h.applier), ['VirtualService/default/productpage']);
});

test('an engine failure in the policy phase still restores, and the error propagates', async () => {
  const h = await harness({
    script: (phase) => {
      if (phase === 'policy') throw new InfraError('k6 crashed (exit 107)');
      return { ok: 10 };
    },
  });
  try {
    await h.run();
    assert.unreachable('should have thrown');
  } catch (err) {
    assert.instance(err, InfraError);
    assert.is((err as Error).message, 'k6 crashed (exit 107)');
  }
  assert.equal(h.log, ['lint', 'snapshot', 'baseline', 'apply', 'verify', 'policy', 'restore']);
  assert.equal(storeKeys(h.applier), ['VirtualService/default/productpage']);
});

test('an abort mid-phase (SIGINT) stops the load, restores, and fails with exit code 3', async () => {
  const controller = new AbortController();
  const h = await harness({
    controller,
    script: async (phase, signal) => {
      if (phase !== 'policy') return { ok: 100 };
      setTimeout(() => controller.abort('SIGINT'), 5);
      // like the real engines: return partial results once the signal fires
      await new Promise((resolve) => signal!.addEventListener('abort', resolve, { once: true }));
      return { ok: 3 };
    },
  });
  const t0 = Date.now();
  const err = await h.run().catch((e: unknown) => e);
  assert.instance(err, ExperimentInterrupted);
  assert.is((err as ExperimentInterrupted).exitCode, ExitCode.infra);
  assert.match((err as Error).message, /interrupted \(SIGINT\)/);
  assert.ok(Date.now() - t0 < 1000, 'aborted promptly');
  assert.equal(h.log, ['lint', 'snapshot', 'baseline', 'apply', 'verify', 'policy', 'restore']);
  assert.equal(storeKeys(h.applier), ['VirtualService/default/productpage']);
});

test('a policy that never reaches the data plane is an infrastructure error naming the lagging replica, and is rolled back', async () => {
  const h = await harness({
    verify: {
      ok: false,
      replicas: [
        { name: 'gw-0', ok: true },
        { name: 'gw-1', ok: false, reason: 'no outlier_detection' },
      ],
    },
  });
  const err = await h.run().catch((e: unknown) => e);
  assert.instance(err, InfraError);
  assert.is((err as Error).message, 'the policy did not reach the data plane within 30s: gw-1 (no outlier_detection)');
  assert.equal(h.log, ['lint', 'snapshot', 'baseline', 'apply', 'verify', 'restore']);
});

test('a failing restore is reported as such (exit 3) and points at `meshproof restore`', async () => {
  const h = await harness({});
  h.applier.restore = async () => {
    throw new Error('API server unreachable');
  };
  const err = await h.run().catch((e: unknown) => e);
  assert.instance(err, InfraError);
  assert.is(
    (err as Error).message,
    'restoring the policy failed: API server unreachable; run `meshproof restore` to retry',
  );
});

test.run();
