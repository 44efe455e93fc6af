/**
 * Child process for tests/load/sync-failure.test.ts: runs the built-in engine with a request
 * undici refuses synchronously (a method with a space), so the test can bound it from outside
 * — a loop that never yields would also starve any timer the test itself set.
 * Usage: sync-failure.ts <closed|arrival|many> <abortAfterMs|-> ; prints one JSON line.
 * `many`: a billion VUs (a raised ceiling), to show building them does not make it deaf either.
 */
import { performance } from 'node:perf_hooks';
import { BuiltinEngine } from '../../../src/load/builtin/engine.js';
import type { LoadProfile } from '../../../src/load/model.js';

const [mode, abortAfter] = process.argv.slice(2);
const profile: LoadProfile =
  mode === 'many'
    ? { executor: 'constant-vus', vus: 1_000_000_000, duration: '1h', gracefulStop: '0s' }
    : mode === 'arrival'
      ? abortAfter === '-'
        ? {
            executor: 'constant-arrival-rate',
            rate: 2000,
            duration: '600ms',
            preAllocatedVUs: 2,
            maxVUs: 2,
            gracefulStop: '0s',
          }
        : // far behind schedule from the start: every sleepUntil finds its time already past
          {
            executor: 'constant-arrival-rate',
            rate: 10_000_000,
            duration: '1h',
            preAllocatedVUs: 2,
            maxVUs: 2,
            gracefulStop: '0s',
          }
      : { executor: 'constant-vus', vus: 2, duration: abortAfter === '-' ? '600ms' : '1h', gracefulStop: '0s' };
const abort = new AbortController();
if (abortAfter !== '-') setTimeout(() => abort.abort(), Number(abortAfter));
const t0 = performance.now();
// the port is never reached: undici refuses the method before connecting
const r = await new BuiltinEngine().run(
  profile,
  { method: 'GE T', baseUrl: 'http://127.0.0.1:9', path: '/', headers: { 'bad header': 'v' } },
  { signal: abort.signal },
);
process.stdout.write(
  `${JSON.stringify({ elapsedMs: performance.now() - t0, requests: r.requests, networkErrors: r.causes.network_error ?? 0 })}\n`,
);
