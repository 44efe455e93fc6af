/**
 * One built-in engine instance in a worker thread (instance-host.ts starts it), in one of two
 * modes:
 * - one phase (--instances): runs its execution segment of the phase in `workerData` and posts
 *   the PhaseResult back. Messages in: `start` (every instance is loaded), `abort`.
 * - kept (`workerData.kept`, issue 18): the thread a run on the local mesh generates its load
 *   from, reused for every phase of the run so a phase does not pay for a thread's start.
 *   Messages in: `run` (a phase), `abort` (the phase running); the host ends it with terminate().
 * Messages out: `ready`, `progress`, then `result` or `error` per phase.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import { parseSegment, parseSequence, Tuple } from '../segments.js';
import { runBuiltinPhase } from './engine.js';
import { loadClient } from './http.js';
import { ENGINE_THREAD_NICE, type InstanceWorkerData } from './instance-host.js';

const port = parentPort!;
const boot = workerData as InstanceWorkerData | { kept: true };
let abort = new AbortController();
let start: () => void = () => {};
const started = new Promise<void>((resolve) => (start = resolve));

/** the process was started with --expose-gc: settleHeap leaves it on */
const EXPOSED_AT_STARTUP = process.execArgv.some((a) => /^--expose[-_]gc$/.test(a));

/**
 * Promotes to the old generation what loading this thread's modules left alive: two scavenges,
 * now, before any phase. The thread starts with a 16 MB young generation (ENGINE_SEMI_SPACE_MB),
 * so otherwise its first two scavenges — inside the first measured phase — would each copy the
 * megabytes of module state (10–13 ms pauses, V8's --trace-gc). V8 offers a scavenge on demand
 * only through the `gc` function of --expose-gc, which a context created while the flag is on
 * gets; the flag is set back at once. V8's flags are the process's: threads started together
 * (--instances) race, one's `--no-expose-gc` landing before another's context (3 of 40 threads
 * started 8 at a time found no `gc`), so a miss is tried again, then given up: the thread
 * starts unsettled rather than not at all.
 */
function settleHeap(): void {
  let gc: unknown;
  for (let i = 0; i < 3 && typeof gc !== 'function'; i++) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('typeof gc === "function" ? gc : undefined');
  }
  if (!EXPOSED_AT_STARTUP) setFlagsFromString('--no-expose-gc');
  if (typeof gc !== 'function') return;
  const minor = gc as (options: { type: 'minor' }) => void;
  minor({ type: 'minor' });
  minor({ type: 'minor' });
}

/**
 * The kept thread (a run on the local mesh) asks for a higher scheduling priority than the
 * mesh it measures: on a machine with fewer cores than busy threads, a response that arrives
 * while the gateway or the pods hold the cores is timestamped only when the scheduler next
 * runs this thread. Linux keeps a nice value per thread (setpriority(2), "BUGS": per-thread
 * under NPTL), which setPriority sets given the thread's id. Raising it needs CAP_SYS_NICE or
 * RLIMIT_NICE: where not permitted the thread stays as it is. Returns the thread's nice value
 * (undefined where there is no /proc/thread-self: not Linux).
 */
function raisePriority(): number | undefined {
  let tid: number;
  try {
    tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return undefined;
  }
  try {
    setPriority(tid, ENGINE_THREAD_NICE);
  } catch {
    // not permitted: the default priority
  }
  return getPriority(tid);
}

async function runPhase(data: InstanceWorkerData): Promise<void> {
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
}

port.on('message', (m: { type: string; data?: InstanceWorkerData }) => {
  if (m.type === 'abort') abort.abort(), start();
  else if (m.type === 'start') start();
  else if (m.type === 'run' && m.data) {
    abort = new AbortController(); // one per phase: an abort ends the phase, not the thread
    void runPhase(m.data);
  }
});
// undici with the thread's other modules, not in its first phase (http.ts loads it lazily for
// the main thread's sake): settleHeap then promotes its state too, and instances the host starts
// together are all ready to send
await loadClient();
// loaded: the host starts every instance at once, when all are (like the k6 operator's starter)
settleHeap();
port.postMessage({ type: 'ready', nice: 'kept' in boot ? raisePriority() : undefined });
if (!('kept' in boot)) {
  await started;
  await runPhase(boot);
  port.close();
}
