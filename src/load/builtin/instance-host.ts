/**
 * Starts one built-in engine instance (instance-worker.ts) in a worker thread, so N instances
 * use N cores. Bundled, the worker is dist/load-worker.js beside dist/cli.js (build.mjs); from
 * src/ (tsx: tests, bench) it is the .ts file (util/worker.ts).
 */
import { InfraError, MeshproofError, type ExitCode } from '../../errors.js';
import { startWorker } from '../../util/worker.js';
import type { InstanceSlot } from '../instances.js';
import type { LoadProfile, PhaseResult, Progress, RequestPlan } from '../model.js';
import { segmentString, sequenceString } from '../segments.js';

/**
 * An engine thread's young generation, MB per semi-space (util/worker.ts): the engine allocates
 * ~10 KB per request (undici's request and parser objects, Node's timers and streams, its own
 * promises), nearly all dead by the next scavenge. At V8's starting 1 MB a thread measuring
 * 500 req/s paused for a scavenge 10–20 times in 4 s (1.3–3.4 ms each on a loaded 2-core VM),
 * each pause delaying the timestamps of the responses that arrived during it; at 16 MB, 1–2
 * times. 16 is a worker's default maximum (maxYoungGenerationSizeMb 48 = 3 × 16).
 */
export const ENGINE_SEMI_SPACE_MB = 16;

/**
 * The nice value the kept engine thread asks for (instance-worker.ts raisePriority). −5 is
 * weight 3121 against the mesh threads' 1024 (kernel/sched/core.c sched_prio_to_weight): the
 * thread, idle most of the time, is run soon after its response arrives. Measured under load
 * on 2 cores with the mesh serving 1,000 req/s: the engine's p99 delay from the response
 * leaving the server to its timestamp went from 1.0–5.7 ms to 0.56–0.95 ms.
 */
export const ENGINE_THREAD_NICE = -5;

/** What a worker gets (instance-worker.ts): the phase, its segment, and whether to report progress. */
export interface InstanceWorkerData {
  profile: LoadProfile;
  plan: RequestPlan;
  segment: string;
  sequence: string;
  seed?: number;
  progress: boolean;
}

/** What a worker posts back (instance-worker.ts). */
export interface WorkerMessage {
  type: string;
  /** `ready` from the kept thread: its nice value (undefined: not Linux) */
  nice?: number;
  result?: PhaseResult;
  progress?: Progress;
  message?: string;
  exitCode?: ExitCode;
}

/** A worker's `error` message as an Error: one that knew its exit code (InfraError: 3) keeps it. */
export function workerError(m: WorkerMessage, who: string): Error {
  return m.exitCode === undefined ? new Error(m.message) : new MeshproofError(`${who}: ${m.message}`, m.exitCode);
}

/** Resolves `all` once `count` instances have arrived: they start their phase together. */
export function startGate(count: number): { arrive(): void; all: Promise<void> } {
  let arrived = 0;
  let open: () => void = () => {};
  const all = new Promise<void>((resolve) => (open = resolve));
  return { arrive: () => void (++arrived === count && open()), all };
}

export function runInWorker(
  profile: LoadProfile,
  plan: RequestPlan,
  slot: InstanceSlot,
  seed: number | undefined,
  gate: ReturnType<typeof startGate>,
  onProgress?: (p: Progress) => void,
): Promise<PhaseResult> {
  const data: InstanceWorkerData = {
    profile,
    plan,
    segment: segmentString(slot.segment),
    sequence: sequenceString(slot.sequence),
    seed,
    progress: onProgress !== undefined,
  };
  return new Promise((resolve, reject) => {
    const worker = startWorker(
      { caller: import.meta.url, source: 'instance-worker.ts', bundle: 'load-worker.js' },
      data,
      { semiSpaceMb: ENGINE_SEMI_SPACE_MB },
    );
    let settled = false;
    const onAbort = () => worker.postMessage({ type: 'abort' });
    if (slot.signal.aborted) onAbort();
    slot.signal.addEventListener('abort', onAbort, { once: true });
    const done = (fn: () => void) => {
      if (settled) return;
      settled = true;
      slot.signal.removeEventListener('abort', onAbort);
      fn();
      void worker.terminate();
    };
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'ready') {
        gate.arrive();
        void gate.all.then(() => worker.postMessage({ type: 'start' }));
      } else if (m.type === 'progress' && m.progress) onProgress?.(m.progress);
      else if (m.type === 'result') done(() => resolve(m.result!));
      else if (m.type === 'error') done(() => reject(workerError(m, `built-in engine instance ${slot.index + 1}`)));
    });
    worker.on('error', (err) =>
      done(() => reject(new InfraError(`built-in engine instance ${slot.index + 1}: ${err.message}`))),
    );
    worker.on('exit', (code) =>
      done(() =>
        reject(new InfraError(`built-in engine instance ${slot.index + 1} exited (${code}) without a result`)),
      ),
    );
  });
}
