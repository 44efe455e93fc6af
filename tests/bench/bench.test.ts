/**
 * Keeps each benchmark's code from rotting (CI does not run `npm run bench`, too
 * noisy): every benchmark runs for about a second with tiny parameters, and its figure
 * lines must have the right shape and finite numbers. References that are not installed
 * (wrk, hey, nginx) must come out as `skipped`; the built-in ones must be measured.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { demoWall } from '../../bench/demo-wall.js';
import { engineAccuracy, engineAccuracyUnderMesh } from '../../bench/engine-accuracy.js';
import { engineThroughput } from '../../bench/engine-throughput.js';
import { findK6 } from '../../src/load/k6/locate.js';
import { analysisTime, engineMemory } from '../../bench/memory-analysis.js';
import { meshOverhead, meshThroughput } from '../../bench/mesh-overhead.js';
import { BENCHES, GROUPS, runBenches } from '../../bench/index.js';
import { INSTALL_REFERENCES, missingReferences } from '../../bench/lib/references.js';
import { policyScale } from '../../bench/policy-scale.js';
import { instancesScaling } from '../../bench/instances-scaling.js';
import { figure, formatLine, type Figure } from '../../bench/report.js';
import { hasCommand } from '../../bench/lib/proc.js';
import { testIfInstalled } from '../helpers/needs.js';
import { hasKernelTarget } from '../../bench/lib/kernel-target.js';

const LINE =
  /^\S+\s+.+\s{2}(—|-?[\d,]+(\.\d+)?) \S*\s{2}.*ref .*\s{2}ratio .*\s{2}target .*\s{2}(ok|short|info|skipped)( {2}— .*)?$/;

/** A measured figure: finite value, finite ratio when it has a reference, a verdict when it has a target. */
function assertMeasured(f: Figure, bench: string): void {
  assert.is(f.bench, bench);
  assert.match(formatLine(f), LINE);
  assert.ok(f.value !== null && Number.isFinite(f.value), `${f.name}: value ${f.value}`);
  if (f.reference)
    assert.ok(
      Number.isFinite(f.reference.value) && Number.isFinite(f.ratio),
      `${f.name}: reference ${f.reference.value}, ratio ${f.ratio}`,
    );
  assert.is(f.status, f.target ? (f.status === 'ok' ? 'ok' : 'short') : 'info');
}

/** A reference tool's figure: measured when the tool is installed, skipped (saying so) when not. */
function assertReference(f: Figure, bench: string, tool: string): void {
  if (hasCommand(tool)) assertMeasured(f, bench);
  else {
    assert.is(f.status, 'skipped');
    assert.match(f.note ?? '', `${tool} not installed`);
  }
}

/** Without python3 the accuracy figures have no truth: skipped, saying what to install. */
function assertNoTruth(figs: Figure[]): void {
  for (const f of figs) {
    assert.is(f.status, 'skipped');
    assert.match(f.note ?? '', 'apt-get install -y python3');
  }
}

test('engine-throughput: builtin req/s against autocannon (and wrk, hey, k6 when installed), one line each', async () => {
  const figs = await engineThroughput({ connections: [2], seconds: 0.5, rounds: 1, warmupSeconds: 0 });
  const k6 = findK6() ? 'k6' : 'no k6';
  assert.equal(
    figs.map((f) => f.reference?.name ?? f.note),
    [
      'autocannon',
      hasCommand('wrk') ? 'wrk' : 'wrk not installed',
      hasCommand('hey') ? 'hey' : 'hey not installed',
      k6,
    ],
  );
  if (k6 === 'no k6') assert.match(formatLine(figs[3]), /skipped {2}— no k6$/);
  assertMeasured(figs[0], 'engine-throughput');
  assert.ok(figs[0].value! > 100, `builtin ${figs[0].value} req/s against a loopback "ok" server`);
  assertReference(figs[1], 'engine-throughput', 'wrk');
  assertReference(figs[2], 'engine-throughput', 'hey');
});

/** engine-accuracy at 100/s: each engine figure, then hey's beside it. */
const ACCURACY_NAMES = [
  'p50 error vs server, 100/s',
  'p50 error, hey (Go) as client, 100/s',
  'p99 error vs server, 100/s',
  'p99 error, hey (Go) as client, 100/s',
];

test('engine-accuracy: client latency is never below the server-side truth (each request contains its server time), hey beside the engine', async () => {
  const figs = await engineAccuracy({ delayMs: 5, rate: 100, seconds: 1, warmupSeconds: 0, rounds: 1 });
  assert.equal(
    figs.map((f) => f.name),
    ACCURACY_NAMES,
  );
  if (!hasKernelTarget()) return assertNoTruth(figs);
  for (const f of [figs[0], figs[2]]) {
    assertMeasured(f, 'engine-accuracy');
    assert.ok(f.reference!.value! >= 5, `server truth ${f.reference!.value} ms ≥ its 5 ms delay`);
    // 3 significant digits at 5 ms = 5 µs buckets; allow two
    assert.ok(f.value! >= -0.01, `engine − server = ${f.value} ms`);
  }
  // hey's reference lines: no target of their own; hey prints 0.1 ms, rounded to the nearest (±0.05 ms)
  for (const f of [figs[1], figs[3]]) {
    assertReference(f, 'engine-accuracy', 'hey');
    if (f.value !== null) assert.ok(f.value >= -0.06, `hey − server = ${f.value} ms`);
  }
});

test('engine-accuracy without hey: each engine figure measured, the hey line beside it skipped saying so', async () => {
  const figs = await engineAccuracy({ delayMs: 5, rate: 100, seconds: 0.5, warmupSeconds: 0, rounds: 1 }, false);
  assert.equal(
    figs.map((f) => f.name),
    ACCURACY_NAMES,
  );
  if (!hasKernelTarget()) return assertNoTruth(figs);
  assert.equal(
    figs.map((f) => f.status),
    [figs[0].status, 'skipped', figs[2].status, 'skipped'],
  );
  assert.ok(figs[0].status !== 'skipped' && figs[2].status !== 'skipped');
  assert.match(
    figs[3].note ?? '',
    /^reference client missing: hey not installed \(apt-get install -y nginx-light wrk hey\)$/,
  );
});

test('mesh-overhead: mesh vs direct and vs nginx (when installed), added p50/p99 at a fixed rate', async () => {
  const figs = await meshOverhead({
    pods: 1,
    podLatencyMs: 0,
    connections: [2],
    seconds: 0.5,
    rate: 200,
    rateSeconds: 0.5,
    warmupSeconds: 0,
    tool: 'autocannon', // wrk takes whole seconds
  });
  assert.equal(
    figs.map((f) => f.name),
    [
      'mesh req/s, 2 conns',
      'mesh req/s, 2 conns',
      'upstream connections per request',
      'added p50 at 200/s',
      'added p99 at 200/s',
    ],
  );
  assertReference(figs[0], 'mesh-overhead', 'nginx');
  // issue 18 item 4 (a): ≥ 0.8× nginx, and the line says which tool measured it
  assert.equal(figs[0].target, { on: 'ratio', op: '>=', limit: 0.8 });
  assert.match(figs[1].note ?? '', /^autocannon \(wrk not installed \(apt-get install -y nginx-light wrk hey\)\)/);
  assertMeasured(figs[1], 'mesh-overhead');
  assert.is(figs[1].reference!.name, 'direct');
  // one more hop cannot be faster than none, beyond noise
  assert.ok(figs[1].ratio! < 1.2, `mesh/direct throughput ${figs[1].ratio}`);
  assertMeasured(figs[2], 'mesh-overhead');
  assert.ok(figs[2].value! >= 0 && figs[2].value! <= 1.05, `upstream cx/rq ${figs[2].value}`);
  assertMeasured(figs[3], 'mesh-overhead');
  // (b): the added p99 is judged against nginx's, and names its method
  assertReference(figs[4], 'mesh-overhead', 'nginx');
  assert.equal(figs[4].target, { on: 'reference', op: '<=', limit: 0 });
  assert.match(figs[4].note ?? '', /builtin engine, constant-arrival-rate 200\/s/);
  // one more hop cannot make the median faster, beyond noise (a p99 of a second's samples can be anything)
  assert.ok(figs[3].value! > -0.2, `added p50 ${figs[3].value} ms`);
});

testIfInstalled(
  hasCommand('wrk'),
  'wrk',
  INSTALL_REFERENCES,
)(
  'mesh-throughput with wrk (when installed): the Host header reaches the gateway, every request is a 200',
  async () => {
    const figs = await meshThroughput({
      pods: 1,
      podLatencyMs: 0,
      connections: [2],
      seconds: 1,
      rate: 0,
      rateSeconds: 0,
      warmupSeconds: 0,
      tool: 'wrk',
    });
    assert.is(figs[1].bench, 'mesh-throughput');
    // a wrong Host would be 404s from the gateway, counted as failures in the note
    assert.is(figs[1].note, 'wrk');
    assertMeasured(figs[1], 'mesh-throughput');
  },
);

test('accuracy-under-mesh: the engine in a worker, hey, and the engine on the mesh thread, against the server truth while the mesh serves', async () => {
  const figs = await engineAccuracyUnderMesh({
    delayMs: 5,
    rate: 100,
    seconds: 1,
    warmupSeconds: 0,
    rounds: 1,
    meshRate: 100,
    meshPods: 1,
  });
  assert.equal(
    figs.map((f) => f.name),
    [
      'p99 error, engine in a worker, 100/s',
      'p99 error, hey (Go) as client, 100/s',
      'p99 error, engine on the mesh thread',
    ],
  );
  if (!hasKernelTarget()) return assertNoTruth(figs);
  for (const f of [figs[0], figs[2]]) {
    assertMeasured(f, 'accuracy-under-mesh');
    assert.ok(f.value! >= -0.01, `engine − server = ${f.value} ms`);
  }
  assertReference(figs[1], 'accuracy-under-mesh', 'hey');
  if (figs[1].value !== null) assert.ok(figs[1].value >= -0.06, `hey − server = ${figs[1].value} ms`);
  assert.equal(figs[0].target, { on: 'value', op: '<=', limit: 0.5, abs: true });
  const served = Number(/mesh served ([\d,]+) background/.exec(figs[0].note ?? '')?.[1].replaceAll(',', ''));
  assert.ok(served > 0, `the mesh served background load: ${figs[0].note}`);
});

test('a bench run names the missing references and the one command that installs them, first', async () => {
  const lines: string[] = [];
  const benches = [{ name: 'x', run: async () => [figure({ bench: 'x', name: 'y', value: 1, unit: 'ms' })] }];
  const r = await runBenches('quick', [], (l) => lines.push(l), { missing: ['wrk', 'hey'], benches });
  assert.is(
    lines[1],
    'references missing: wrk, hey (found: nginx) — their figures are listed as skipped; install them with: apt-get install -y nginx-light wrk hey',
  );
  assert.is(r.figures.length, 1);
  const none: string[] = [];
  await runBenches('quick', [], (l) => none.push(l), { missing: [], benches });
  assert.is(none[1], 'references: nginx, wrk, hey (all found)');
  assert.equal(
    missingReferences(() => false),
    ['nginx', 'wrk', 'hey'],
  );
});

test('--only takes groups: issue-18 is the four figures of issue 18 item 4; an unknown name lists the groups', async () => {
  assert.equal(GROUPS['issue-18'], ['mesh-throughput', 'mesh-latency', 'accuracy-under-mesh', 'demo-wall']);
  for (const name of GROUPS['issue-18'])
    assert.ok(
      BENCHES.some((b) => b.name === name),
      name,
    );
  const error = await runBenches('quick', ['nope'], () => {}, { missing: [] }).catch((e: Error) => e);
  assert.match(String(error), /--only: unknown benchmark nope; expected one of .*issue-18, mesh-overhead$/);
});

test('memory-analysis: analysis of 2 × 10 k samples and the engine RSS probe report finite figures', async () => {
  const a = analysisTime(10_000);
  assertMeasured(a, 'memory-analysis');
  assert.ok(a.value! > 0);
  const m = await engineMemory({ requests: 3_000, vus: 2, samples: 0 });
  assertMeasured(m, 'memory-analysis');
  assert.ok(m.value! > 20 && m.value! < 2000, `RSS ${m.value} MB of a Node process`);
  assert.match(m.note ?? '', /^[\d,]+ requests in/);
});

test('demo-wall: times a CLI invocation end to end', async () => {
  const [f] = await demoWall({ args: ['--version'], build: false, timeoutMs: 20_000 });
  assertMeasured(f, 'demo-wall');
  assert.ok(f.value! > 0 && f.value! < 20, `${f.value} s`);
  assert.match(f.note ?? '', /^exit 0: \d+\.\d+\.\d+/); // the version printed
  // a command that fails is an error line, not a time judged against the target (a broken
  // 'meshproof demo' exited 2 in 0.45 s and was reported 'ok')
  const [bad] = await demoWall({ args: ['demo', 'no-such-scenario'], build: false, timeoutMs: 20_000 });
  assert.equal([bad.status, bad.value], ['error', null]);
  assert.match(
    bad.note ?? '',
    /^meshproof demo no-such-scenario: exit 2 after [\d.]+ s: meshproof: unknown demo scenario/,
  );
});

test('policy-scale: the propagation check at N and N/10 routes gives a finite scaling ratio; lint lines counted', async () => {
  const [check, lint] = await policyScale({ routes: 200, subsets: 20, rounds: 1 });
  assertMeasured(check, 'policy-scale');
  assert.is(check.reference?.name, '10 × (20 routes)');
  assertMeasured(lint, 'policy-scale');
  assert.is(lint.value, 15, 'grouped: 3 of each repeated warning, one summary line each, the total');
});

test('instances-scaling: builtin 2 instances vs 1 as a ratio with the 1.6× target; k6 measured or skipped', async () => {
  const figs = await instancesScaling({ vus: 4, seconds: 0.5, rounds: 1 });
  assert.equal(
    figs.map((f) => f.name),
    ['builtin req/s, 2 instances vs 1 (4 VUs)', 'k6 req/s, 2 instances vs 1 (4 VUs)'],
  );
  assertMeasured(figs[0], 'instances-scaling');
  assert.is(figs[0].reference?.name, '1 instance');
  // the line says which target it used and where each variant's CPU went (bench/lib/cpu.ts)
  const note = figs[0].note ?? '';
  assert.match(note, hasCommand('nginx') ? /^target nginx return 200/ : /^target Node server — nginx not installed/);
  assert.match(
    note,
    /1 instance(?: \(whole run, start-up included\))?: engine \d+\.\d\d cores \(main thread [\d.?]+\), target/,
  );
  assert.match(note, /2 instances(?: \(whole run, start-up included\))?: engine \d+\.\d\d cores .* µs\/req engine/);
  if (!findK6()) assert.match(formatLine(figs[1]), /skipped {2}— no k6$/);
  else assertMeasured(figs[1], 'instances-scaling');
});

test('instances-scaling without nginx: the Node target, and the line says nginx is missing', async () => {
  const figs = await instancesScaling({ vus: 2, seconds: 0.6, rounds: 1 }, false);
  assertMeasured(figs[0], 'instances-scaling');
  assert.match(figs[0].note ?? '', /^target Node server — nginx not installed \(apt-get install/);
});

test.run();
