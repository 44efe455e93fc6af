/**
 * `meshproof demo` runs its scenarios on one engine (SessionOptions.sharedEngine): the built-in
 * engine's kept thread, which a run on the local mesh generates its load from, starts once for
 * the whole demo instead of once per scenario, and the session leaves closing it to its owner.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';
import { runSession } from '../../src/experiment/session.js';
import { loadScenario } from '../../src/scenario/scenario.js';
import { BuiltinEngine } from '../../src/load/builtin/engine.js';
import type { Engine } from '../../src/load/model.js';

const E2E = fileURLToPath(new URL('../fixtures/experiment/e2e-overflow.yaml', import.meta.url));

test('two local runs on a shared engine: every phase of both in one thread (not the mesh’s), and neither run closes it', async () => {
  const scenario = await loadScenario(E2E);
  const out = await mkdtemp(join(tmpdir(), 'meshproof-shared-engine-'));
  const builtin = new BuiltinEngine();
  let closes = 0;
  const shared: Engine = {
    name: builtin.name,
    version: () => builtin.version(),
    run: (profile, plan, options) => builtin.run(profile, plan, options),
    close: async () => {
      closes++;
      await builtin.close();
    },
  };
  try {
    const threads: number[][] = [];
    for (let i = 0; i < 2; i++) {
      const r = await runSession(scenario, { engine: 'builtin', sharedEngine: shared, out, formats: [] });
      if (r.kind !== 'report') throw new Error('expected a report');
      for (const phase of ['baseline', 'policy'] as const) threads.push(r.report.phases[phase].result.threads ?? []);
    }
    assert.is(closes, 0, 'the sessions left the shared engine open');
    assert.is(threads.length, 4);
    assert.is(threads[0].length, 1, JSON.stringify(threads));
    assert.not.ok(threads[0].includes(threadId), `ran on the mesh's thread: ${threads[0]}`);
    for (const t of threads) assert.equal(t, threads[0], `one thread for both runs: ${JSON.stringify(threads)}`);
  } finally {
    await shared.close!();
    await rm(out, { recursive: true, force: true });
  }
});

test.run();
