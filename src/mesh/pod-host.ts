/**
 * The local mesh's pods off the gateway's event loop (issue 18 item 1): pod-worker.ts serves
 * them on a worker thread, so a pod's timers and HTTP parsing never stall the gateway, and the
 * gateway's never delay a pod's answer. Envoy's upstreams are other processes; one thread for all
 * pods is the cheap half of that on two cores (src/mesh/README.md "Threads" has the numbers).
 *
 * The handles keep the pods' API on this thread: `requestsSeen` reads a counter the worker bumps
 * (SharedArrayBuffer + Atomics), exact at any time; `behaviour` is this thread's copy (the
 * gateway reads `connectDelayMs` on every connect); `setBehaviour` and `lastRequests` are
 * messages answered by the worker.
 */
import type { Worker } from 'node:worker_threads';
import type { PodBehaviour, PodSpec } from './app-model.js';
import { startPod, type Pod, type PodHandle, type SeenRequest } from './pods.js';
import { createRng } from '../util/random.js';
import { startWorker } from '../util/worker.js';

/** What pod-worker.ts gets: its pods, the seed of each one's stream, its slots in `seen`. */
export interface PodWorkerData {
  specs: PodSpec[];
  seeds: number[];
  slots: number[];
  /** one Uint32 request counter per pod of the mesh */
  seen: SharedArrayBuffer;
  /** performance.timeOrigin of the thread reading SeenRequest.at */
  timeOrigin: number;
}

export type ToPods =
  | { type: 'behaviour'; id: number; pod: number; behaviour: PodBehaviour }
  | { type: 'requests'; id: number; pod: number }
  | { type: 'stop'; id: number };
type FromPods =
  | { type: 'ready'; ports: number[] }
  | { type: 'error'; message: string }
  | { type: 'done'; id: number; requests?: SeenRequest[] };
/** each kind of message to the pods without its id (PodThread.call numbers it) */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
type Request = WithoutId<ToPods>;

/**
 * How the pods are spread over threads: all on one (the default), one thread per pod, or none —
 * on the caller's event loop, as before issue 18, kept so that a benchmark can compare.
 */
export type PodThreads = 'one' | 'per-pod' | 'none';

export interface PodGroup {
  pods: PodHandle[];
  /** worker threads serving the pods (0: they share the caller's loop) */
  threads: number;
  /** stops every pod and ends its thread */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
/** how long stop() lets the pods close their servers before it terminates their thread */
const STOP_WAIT_MS = 2000;

/** Starts `specs` (pod i draws from `createRng(seeds[i])`) on worker threads. */
export async function startPods(specs: PodSpec[], seeds: number[], threads: PodThreads = 'one'): Promise<PodGroup> {
  if (threads === 'none') return startOnThisLoop(specs, seeds);
  const seen = new SharedArrayBuffer(4 * Math.max(1, specs.length));
  const counters = new Uint32Array(seen);
  const groups = threads === 'per-pod' ? specs.map((_, i) => [i]) : [specs.map((_, i) => i)];
  const started = await Promise.allSettled(
    groups.map((slots) =>
      PodThread.start({
        specs: slots.map((i) => specs[i]),
        seeds: slots.map((i) => seeds[i]),
        slots,
        seen,
        timeOrigin: performance.timeOrigin,
      }),
    ),
  );
  const live = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(live.map((t) => t.stop()));
    throw failed.reason;
  }
  const pods: PodHandle[] = [];
  for (const [t, thread] of live.entries())
    for (const [k, slot] of groups[t].entries()) {
      const spec = specs[slot];
      const port = thread.ports[k];
      let behaviour: PodBehaviour = { ...spec.behaviour };
      pods[slot] = {
        name: spec.name,
        url: `http://${HOST}:${port}`,
        port,
        labels: { ...spec.labels },
        async setBehaviour(b) {
          behaviour = { ...b };
          await thread.call({ type: 'behaviour', pod: k, behaviour: b });
        },
        requestsSeen: () => Atomics.load(counters, slot),
        behaviour: () => behaviour,
        lastRequests: async () => (await thread.call({ type: 'requests', pod: k })).requests ?? [],
      };
    }
  let stopping: Promise<void> | null = null;
  return {
    pods,
    threads: live.length,
    stop: () => (stopping ??= Promise.all(live.map((t) => t.stop())).then(() => undefined)),
  };
}

async function startOnThisLoop(specs: PodSpec[], seeds: number[]): Promise<PodGroup> {
  const pods: Pod[] = [];
  const stop = () => Promise.all(pods.map((p) => p.stop())).then(() => undefined);
  try {
    for (const [i, spec] of specs.entries()) pods.push(await startPod(spec, createRng(seeds[i])));
  } catch (e) {
    await stop();
    throw e;
  }
  return { pods, threads: 0, stop };
}

/** One worker and its calls in flight. */
class PodThread {
  private next = 0;
  private readonly waiting = new Map<number, { resolve(m: FromPods): void; reject(e: Error): void }>();
  private failure: Error | null = null;

  private constructor(
    private readonly worker: Worker,
    readonly ports: number[],
  ) {
    worker.on('message', (m: FromPods) => {
      if (m.type !== 'done') return;
      this.waiting.get(m.id)?.resolve(m);
      this.waiting.delete(m.id);
    });
    const fail = (e: Error) => {
      this.failure ??= e;
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    };
    worker.on('error', (e) => fail(new Error(`local mesh: the pods' thread failed: ${e.message}`)));
    worker.on('exit', (code) => fail(new Error(`local mesh: the pods' thread exited (${code})`)));
  }

  static start(data: PodWorkerData): Promise<PodThread> {
    const worker = startWorker({ caller: import.meta.url, source: 'pod-worker.ts', bundle: 'pod-worker.js' }, data);
    return new Promise((resolve, reject) => {
      const early = (e: Error) => reject(e);
      const exit = (code: number) =>
        reject(new Error(`local mesh: the pods' thread exited (${code}) before its pods listened`));
      worker.once('error', early);
      worker.once('exit', exit);
      worker.once('message', (m: FromPods) => {
        worker.off('error', early);
        worker.off('exit', exit);
        if (m.type === 'ready') return resolve(new PodThread(worker, m.ports));
        void worker.terminate();
        reject(new Error(m.type === 'error' ? m.message : `local mesh: unexpected ${m.type} from the pods' thread`));
      });
    });
  }

  call(req: Request): Promise<Extract<FromPods, { type: 'done' }>> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (m: FromPods) => void, reject });
      this.worker.postMessage({ ...req, id });
    });
  }

  /** Closes the pods' servers and sockets, then ends the thread (at once if they take over STOP_WAIT_MS). */
  async stop(): Promise<void> {
    if (!this.failure) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_WAIT_MS)));
      await Promise.race([this.call({ type: 'stop' }).catch(() => undefined), late]);
      clearTimeout(timer);
    }
    await this.worker.terminate();
  }
}
