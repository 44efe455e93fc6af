// The built-in engine's `instances` (issue 17 item 2): the same segment arithmetic as k6
// (src/load/segments.ts), one worker thread per instance, merged exactly.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { threadId } from 'node:worker_threads';
import { getPriority } from 'node:os';
import { BuiltinEngine } from '../../src/load/builtin/engine.js';
import { ENGINE_THREAD_NICE } from '../../src/load/builtin/instance-host.js';
import { mergePhaseResults } from '../../src/load/merge.js';
import { placementOf } from '../../src/load/placement.js';
import { arrivalTimes, segmentArrivals, segmentSteps, vuSteps } from '../../src/load/builtin/schedule.js';
import type { LoadProfile, RampingArrivalRate, RampingVus } from '../../src/load/model.js';
import { evenSegments, parseSequence, Tuple } from '../../src/load/segments.js';
import { ROOT } from './helpers/bundle.js';
import { rampingStarts } from '../fixtures/fake-k6/schedule.mjs';
import * as fakeSegments from '../fixtures/fake-k6/segments.mjs';
import { delayed, startServer } from './helpers/server.js';

const tuples = (n: number) => evenSegments(n).map((s, _, all) => Tuple.of(s, all));

test("ramping-vus: at every step the segments' VU counts add up to the global count (ramping_vus.go striping)", () => {
  const profile: RampingVus = {
    executor: 'ramping-vus',
    startVUs: 1,
    stages: [
      { duration: '10s', target: 7 },
      { duration: '5s', target: 2 },
    ],
  };
  const global = vuSteps(profile);
  for (const n of [2, 3]) {
    const parts = tuples(n).map((t) => segmentSteps(global, t));
    const at = (steps: { atMs: number; vus: number }[], ms: number) =>
      steps.filter((s) => s.atMs <= ms).at(-1)?.vus ?? 0;
    for (const g of global)
      assert.is(
        parts.reduce((a, p) => a + at(p, g.atMs), 0),
        g.vus,
        `n=${n} t=${g.atMs}`,
      );
  }
});

test("arrival rate: the segments' start times partition the global schedule exactly", () => {
  const profile: LoadProfile = {
    executor: 'ramping-arrival-rate',
    startRate: 5,
    stages: [{ duration: '2s', target: 30 }],
    preAllocatedVUs: 4,
    maxVUs: 8,
  };
  const global = [...arrivalTimes(profile)];
  for (const n of [2, 3]) {
    const parts = tuples(n).map((t) => [...segmentArrivals(arrivalTimes(profile), t.fromValue(8))]);
    assert.equal(
      parts.flat().sort((a, b) => a - b),
      global,
      `n=${n}`,
    );
    assert.equal(
      parts.map((p) => p.length),
      tuples(n).map((t) => t.fromValue(8).scaleInt64(global.length)),
      `n=${n}: ScaleInt64 shares`,
    );
  }
});

test("ramping-arrival-rate per segment: the built-in engine's starts are the fake k6's (cal() starts, the segment's stripe), start for start", () => {
  const profile: RampingArrivalRate = {
    executor: 'ramping-arrival-rate',
    startRate: 10,
    stages: [
      { duration: '1s', target: 10 },
      { duration: '2s', target: 40 },
    ],
    preAllocatedVUs: 3,
    maxVUs: 7,
  };
  const end = 3000;
  for (const text of ['0,1/2,1', '0,1/3,2/3,1']) {
    const seq = parseSequence(text);
    const fseq = fakeSegments.parseSequence(text);
    seq.forEach((seg, i) => {
      const ours = [...segmentArrivals(arrivalTimes(profile), Tuple.of(seg, seq).fromValue(7))];
      const stripe = fakeSegments.tuple(fseq[i], fseq).recut(7).stripe();
      const k6: number[] = [];
      let mine = stripe.next().value as number;
      [...rampingStarts(profile)]
        .filter((t) => t < end - 1e-3)
        .forEach((t, gi) => {
          if (gi === mine) k6.push(t), (mine = stripe.next().value as number);
        });
      assert.is(ours.length, k6.length, `${text}[${i}]`);
      ours.forEach((t, k) => assert.ok(Math.abs(t - k6[k]) < 1e-6, `${text}[${i}] start ${k}: ${t} vs ${k6[k]}`));
    });
  }
});

/** 40 iterations, 4 VUs: every iteration starts against a 2 ms server. */
const AT_40_FOR_1S: LoadProfile = {
  executor: 'constant-arrival-rate',
  rate: 40,
  duration: '1s',
  preAllocatedVUs: 4,
  maxVUs: 4,
};

test('2 worker-thread instances at 40/s for 1 s start exactly the 40 iterations of one run, merged into one result', async () => {
  const s = await startServer(delayed(2));
  try {
    const profile = AT_40_FOR_1S;
    const r = await new BuiltinEngine().run(profile, { method: 'GET', baseUrl: s.url, path: '/' }, { instances: 2 });
    assert.is(r.iterations + r.droppedIterations, 40);
    assert.is(r.requests, s.received);
    assert.is(r.statuses['200'], r.requests);
    assert.equal(r.instances, { count: 2, sequence: '0,1/2,1', segments: ['0:1/2', '1/2:1'] });
    assert.is(r.engine.name, 'builtin');
    assert.ok(r.histograms.scheduled, 'the scheduled-start histogram survives the merge');
  } finally {
    await s.close();
  }
});

test('isolate (issue 18): one instance runs in a kept worker thread, the same 40 iterations, its thread named, no segments recorded', async () => {
  const s = await startServer(delayed(2));
  try {
    const profile = AT_40_FOR_1S;
    const plan = { method: 'GET', baseUrl: s.url, path: '/' };
    const engine = new BuiltinEngine();
    const isolated = await engine.run(profile, plan, { isolate: true });
    assert.is(isolated.iterations + isolated.droppedIterations, 40);
    assert.is(isolated.instances, undefined);
    assert.is(isolated.threads?.length, 1);
    assert.not.ok(isolated.threads?.includes(threadId), `ran on this thread: ${isolated.threads}`);
    // the thread is kept for the next phase (one start per run); an aborted phase ends, the thread stays
    const abort = new AbortController();
    abort.abort();
    const aborted = await engine.run(profile, plan, { isolate: true, signal: abort.signal });
    // aborted before it began: the abort is posted with the phase, and a request interrupted by it
    // (the server answers after 2 ms at the earliest) is not recorded
    assert.is(aborted.iterations, 0, `aborted before it began: ${aborted.iterations}`);
    assert.is(aborted.requests, 0);
    const again = await engine.run(profile, plan, { isolate: true });
    assert.equal(again.threads, isolated.threads);
    assert.is(again.iterations + again.droppedIterations, 40);
    await engine.close();
    // closed: the next isolated phase starts a new thread
    const fresh = await engine.run(profile, plan, { isolate: true });
    assert.not.equal(fresh.threads, isolated.threads);
    await engine.close();
    const here = await new BuiltinEngine().run(profile, plan);
    assert.equal(here.threads, [threadId]);
    // repetitions merge their threads
    assert.equal(
      mergePhaseResults([isolated, here]).threads,
      [threadId, ...isolated.threads!].sort((a, b) => a - b),
    );
    assert.equal(placementOf({}, [isolated]), 'worker-thread');
    assert.equal(placementOf({}, [isolated, here]), 'main-thread');
    assert.equal(placementOf({ placement: 'process' }, [here]), 'process');
  } finally {
    await s.close();
  }
});

test('isolate: the kept thread runs at nice -5 where the process may raise a priority (root here), else unchanged', async () => {
  if (process.platform !== 'linux') return;
  const s = await startServer(delayed(2));
  const engine = new BuiltinEngine();
  const before = getPriority();
  try {
    assert.is(engine.threadNice, undefined, 'no thread before the first isolated phase');
    await engine.run(AT_40_FOR_1S, { method: 'GET', baseUrl: s.url, path: '/' }, { isolate: true });
    // raising a priority needs CAP_SYS_NICE (root has it) or RLIMIT_NICE; without, the thread keeps the process's
    assert.is(engine.threadNice, process.getuid?.() === 0 ? ENGINE_THREAD_NICE : before);
    // the process's own (main) thread is left as it was
    assert.is(getPriority(), before);
  } finally {
    await engine.close();
    await s.close();
  }
});

test('an abort reaches every worker: a 20 s run stops and returns what was measured', async () => {
  // Abort on an observable event, not after a fixed sleep (under load the workers may not have
  // sent anything at 1.5 s): every VU of both workers has its own keep-alive connection, so 4
  // client ports seen means both workers are sending; a 5th request means some VU's first request
  // completed (closed loop: a VU sends its next only then), so there is something to record.
  const ports = new Set<number>();
  let allSending: () => void = () => {};
  const sending = new Promise<void>((resolve) => (allSending = resolve));
  const s = await startServer((req, res, n) => {
    ports.add(req.socket.remotePort ?? 0);
    if (ports.size === 4 && n >= 4) allSending();
    delayed(5)(req, res, n);
  });
  try {
    const abort = new AbortController();
    void sending.then(() => abort.abort());
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), 15_000)));
    const run = new BuiltinEngine().run(
      { executor: 'constant-vus', vus: 4, duration: '20s' },
      { method: 'GET', baseUrl: s.url, path: '/' },
      { instances: 2, signal: abort.signal },
    );
    const r = await Promise.race([run, hung]);
    clearTimeout(timer);
    assert.is.not(r, 'hung');
    if (r === 'hung') return;
    // an abort interrupts what is in flight (at most one request per VU: 4), and interrupted requests are not recorded
    assert.ok(
      r.requests > 0 && r.requests <= s.received && s.received - r.requests <= 4,
      `${r.requests} recorded, ${s.received} received`,
    );
    assert.is(r.instances?.count, 2);
    assert.is(ports.size, 4, 'both workers were sending when the abort came');
  } finally {
    await s.close();
  }
});

test('the bundle runs its instances from dist/load-worker.js (meshproof load --engine builtin --instances 2)', async () => {
  const s = await startServer(delayed(2));
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [
      join(ROOT, 'dist/cli.js'),
      'load',
      s.url,
      '--engine',
      'builtin',
      '--instances',
      '2',
      '--vus',
      '2',
      '--duration',
      '1s',
      '--json',
      '--quiet',
    ]);
    const r = JSON.parse(stdout);
    assert.is(r.instances.count, 2);
    assert.is(r.requests, s.received);
  } finally {
    await s.close();
  }
});

test.run();
