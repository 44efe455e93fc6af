/**
 * Issue 13 item 1: a request that fails synchronously (undici refuses it inside dispatch) must
 * not make the engine loop on microtasks: the duration ends the phase and an abort stops it.
 * Each case runs in a child process killed after CHILD_LIMIT_MS, since a loop that never
 * yields would starve this process's own timers too.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./helpers/sync-failure.ts', import.meta.url));
/** Generous for a loaded 2-core machine; the old engine never ends at all. */
const CHILD_LIMIT_MS = 20_000;

function run(
  mode: 'closed' | 'arrival' | 'many',
  abortAfter: number | '-',
): Promise<{ elapsedMs: number; requests: number; networkErrors: number }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', FIXTURE, mode, String(abortAfter)],
      { cwd: ROOT, timeout: CHILD_LIMIT_MS, killSignal: 'SIGKILL' },
      (err, stdout) => {
        if (err) reject(new Error(`child did not finish within ${CHILD_LIMIT_MS} ms (${err.message})`));
        else resolve(JSON.parse(stdout));
      },
    );
  });
}

test('closed loop with a synchronously refused request ends after its 600 ms duration, every request a network error', async () => {
  const r = await run('closed', '-');
  assert.ok(r.elapsedMs >= 590 && r.elapsedMs < 5000, `elapsed ${r.elapsedMs}`);
  assert.ok(r.requests > 0, 'the refusals are counted');
  assert.is(r.networkErrors, r.requests);
});

test('closed loop of 1 h with a synchronously refused request stops on abort after 300 ms', async () => {
  const r = await run('closed', 300);
  assert.ok(r.elapsedMs >= 290 && r.elapsedMs < 5000, `elapsed ${r.elapsedMs}`);
  assert.is(r.networkErrors, r.requests);
});

test('arrival rate 2000/s with a synchronously refused request ends after its 600 ms duration with at most 1200 iterations', async () => {
  const r = await run('arrival', '-');
  assert.ok(r.elapsedMs >= 590 && r.elapsedMs < 5000, `elapsed ${r.elapsedMs}`);
  assert.ok(r.requests <= 1200, `requests ${r.requests}`);
});

test('arrival rate 10 000 000/s for 1 h, always behind schedule, stops on abort after 300 ms', async () => {
  const r = await run('arrival', 300);
  assert.ok(r.elapsedMs >= 290 && r.elapsedMs < 5000, `elapsed ${r.elapsedMs}`);
});

test('item 2: a billion VUs (ceiling raised) for 1 h stops on abort after 300 ms instead of building them all first', async () => {
  const r = await run('many', 300);
  assert.ok(r.elapsedMs >= 290 && r.elapsedMs < 5000, `elapsed ${r.elapsedMs}`);
});

test.run();
