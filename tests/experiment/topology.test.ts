/**
 * Issue 18 item 2: a run on the local mesh does not measure on the gateway's event loop. The
 * mesh serves from this process's main thread (threadId 0 here, as in the CLI); the built-in
 * engine's results name the threads that generated the load, and report.json records the
 * topology.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, threadId } from 'node:worker_threads';
import { runSession } from '../../src/experiment/session.js';
import { runExperiment } from '../../src/experiment/orchestrator.js';
import { loadScenario, type Scenario } from '../../src/scenario/scenario.js';
import type { RunOptions } from '../../src/load/model.js';
import { DEFAULT_APP } from '../../src/mesh/app-model.js';
import { FakeApplier, FakeClock, FakeEngine } from './fakes.js';

const E2E = fileURLToPath(new URL('../fixtures/experiment/e2e-overflow.yaml', import.meta.url));
const GOOD = fileURLToPath(new URL('../fixtures/experiment/good.yaml', import.meta.url));

test('a local run generates its load on worker threads, never the mesh thread, and report.json says so', async () => {
  // the mesh starts on this thread (openLocalTarget): the engine must be elsewhere
  assert.ok(isMainThread);
  const scenario = await loadScenario(E2E);
  const out = await mkdtemp(join(tmpdir(), 'meshproof-topology-'));
  try {
    const r = await runSession(scenario, { engine: 'builtin', out, formats: ['json'] });
    if (r.kind !== 'report') throw new Error('expected a report');
    const { engineNice, ...where } = r.report.topology ?? { engine: '', mesh: '', pods: '' };
    assert.equal(where, { engine: 'worker-thread', mesh: 'in-process', pods: 'worker-thread' });
    // the engine's thread asked for nice -5 (instance-worker.ts): what it got is recorded, never
    // less urgent than the process it runs in
    assert.type(engineNice, 'number');
    assert.ok((engineNice as number) <= getPriority(), `engine nice ${engineNice}, process ${getPriority()}`);
    assert.is(r.report.phases.baseline.result.nice, engineNice);
    for (const phase of ['baseline', 'policy'] as const) {
      const threads = r.report.phases[phase].result.threads ?? [];
      assert.is(threads.length, 1, `${phase}: one isolated instance, ${JSON.stringify(threads)}`);
      assert.not.ok(threads.includes(threadId), `${phase} ran on the mesh's thread ${threadId}: ${threads}`);
      // one instance in a worker is not a split phase: no execution segments recorded
      assert.is(r.report.phases[phase].result.instances, undefined);
    }
    assert.is(r.report.load.instances, undefined);
    // one thread for the whole run: started for the first phase, kept for the next
    assert.equal(r.report.phases.baseline.result.threads, r.report.phases.policy.result.threads);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

/** The options each engine.run got, for a target of this topology (no topology: a bare URL). */
async function optionsFor(topology?: { mesh: 'in-process' | 'cluster'; pods: 'in-process' | 'cluster' }) {
  const loaded = await loadScenario(GOOD);
  const spec: Scenario = { ...loaded, repeat: 1, warmupMs: 1000 };
  const seen: (RunOptions | undefined)[] = [];
  const log: string[] = [];
  const engine = new FakeEngine(
    log,
    () => ({ ok: 100 }),
    () => '',
  );
  engine.onRun = (run) => seen.push(run.options);
  const report = await runExperiment(spec, {
    applier: new FakeApplier(log, [DEFAULT_APP.objects[0]]),
    engine,
    clock: new FakeClock(log),
    target: { url: 'http://127.0.0.1:1', kind: topology?.mesh === 'cluster' ? 'cluster' : 'local' },
    ...(topology ? { topology } : {}),
  });
  return { isolate: seen.map((o) => o?.isolate), report };
}

test('the orchestrator isolates the engine (warm-ups too) only when the mesh is in this process', async () => {
  const local = await optionsFor({ mesh: 'in-process', pods: 'in-process' });
  // warm-up + measured, per phase
  assert.equal(local.isolate, [true, true, true, true]);
  const cluster = await optionsFor({ mesh: 'cluster', pods: 'cluster' });
  assert.equal(cluster.isolate, [false, false, false, false]);
  assert.equal(cluster.report.topology, { engine: 'main-thread', mesh: 'cluster', pods: 'cluster' });
});

test('a target that names no topology is not isolated, and the report places it by its kind', async () => {
  const bare = await optionsFor();
  assert.equal(bare.isolate, [false, false, false, false]);
  // the fake engine's results name no threads and no instances: the main thread
  assert.equal(bare.report.topology, { engine: 'main-thread', mesh: 'in-process', pods: 'in-process' });
});

test.run();
