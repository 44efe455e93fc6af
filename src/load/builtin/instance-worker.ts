/**
 * One built-in engine instance in a worker thread (instance-host.ts starts it): runs its
 * execution segment of the phase and posts the PhaseResult back. Messages in: `abort`.
 * Messages in: `start` (every instance is loaded), `abort`. Messages out: `ready`, `progress`,
 * then `result` or `error`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { parseSegment, parseSequence, Tuple } from '../segments.js';
import { runBuiltinPhase } from './engine.js';
import type { InstanceWorkerData } from './instance-host.js';

const port = parentPort!;
const data = workerData as InstanceWorkerData;
const abort = new AbortController();
let start: () => void = () => {};
const started = new Promise<void>((resolve) => (start = resolve));
port.on('message', (m: { type: string }) => {
  if (m.type === 'abort') abort.abort(), start();
  else if (m.type === 'start') start();
});
// loaded: the host starts every instance at once, when all are (like the k6 operator's starter)
port.postMessage({ type: 'ready' });
await started;
try {
  const tuple = Tuple.of(parseSegment(data.segment), parseSequence(data.sequence));
  const result = await runBuiltinPhase(
    data.profile,
    data.plan,
    {
      signal: abort.signal,
      seed: data.seed,
      onProgress: data.progress ? (progress) => port.postMessage({ type: 'progress', progress }) : undefined,
    },
    tuple,
  );
  port.postMessage({ type: 'result', result });
} catch (err) {
  // an error that knows its exit code (InfraError: 3) keeps it across the thread boundary
  port.postMessage({
    type: 'error',
    message: err instanceof Error ? err.message : String(err),
    exitCode: (err as { exitCode?: number }).exitCode,
  });
}
port.close();
