/**
 * The one worker thread a run on the local mesh generates its load from (issue 18): the mesh's
 * gateway serves from the main thread, and an engine on that event loop would time each
 * response late by whatever the gateway and its pods were doing. Started on the first phase
 * and kept for the next ones (a thread's start costs hundreds of milliseconds on a loaded
 * machine, paid once per run instead of once per phase — once per demo, whose scenarios share
 * one engine, SessionOptions.sharedEngine); unref'd between phases, so a process that forgets
 * `close()` still exits.
 */
import type { Worker } from 'node:worker_threads';
import { InfraError } from '../../errors.js';
import type { LoadProfile, PhaseResult, Progress, RequestPlan, RunOptions } from '../model.js';
import { ENGINE_SEMI_SPACE_MB, workerError, type InstanceWorkerData, type WorkerMessage } from './instance-host.js';
import { startWorker } from '../../util/worker.js';

interface Pending {
  resolve(r: PhaseResult): void;
  reject(e: Error): void;
  onProgress?: (p: Progress) => void;
}

export class EngineThread {
  private worker?: Worker;
  private ready?: Promise<void>;
  private pending?: Pending;
  /** the thread's nice value once started (instance-worker.ts raisePriority); undefined: not Linux */
  nice?: number;

  /** One phase, whole (segment 0:1), in the thread; one at a time. */
  async run(profile: LoadProfile, plan: RequestPlan, options: RunOptions = {}): Promise<PhaseResult> {
    if (this.pending) throw new Error('EngineThread: one phase at a time');
    const worker = await this.start();
    const data: InstanceWorkerData = {
      profile,
      plan,
      segment: '0:1',
      sequence: '0,1',
      seed: options.seed,
      progress: options.onProgress !== undefined,
    };
    const onAbort = () => worker.postMessage({ type: 'abort' });
    return new Promise<PhaseResult>((resolve, reject) => {
      this.pending = { resolve, reject, onProgress: options.onProgress };
      worker.ref(); // a phase keeps the process alive; an idle thread does not
      worker.postMessage({ type: 'run', data });
      if (options.signal?.aborted) onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
    }).finally(() => {
      options.signal?.removeEventListener('abort', onAbort);
      this.pending = undefined;
      this.worker?.unref();
    });
  }

  /** Ends the thread (idempotent). */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.ready = undefined;
    if (worker) await worker.terminate();
  }

  private async start(): Promise<Worker> {
    if (!this.worker) {
      const worker = startWorker(
        { caller: import.meta.url, source: 'instance-worker.ts', bundle: 'load-worker.js' },
        { kept: true },
        { semiSpaceMb: ENGINE_SEMI_SPACE_MB },
      );
      this.worker = worker;
      this.ready = new Promise<void>((resolve, reject) => {
        worker.on('message', (m: WorkerMessage) => {
          if (m.type !== 'ready') return this.onMessage(m);
          this.nice = m.nice;
          resolve();
        });
        const fail = (why: string) => {
          const err = new InfraError(`built-in engine thread: ${why}`);
          reject(err);
          this.pending?.reject(err);
          if (this.worker === worker) (this.worker = undefined), (this.ready = undefined);
        };
        worker.on('error', (err) => fail(err.message));
        worker.on('exit', (code) => fail(`exited (${code}) without a result`));
      });
    }
    await this.ready;
    return this.worker!;
  }

  private onMessage(m: WorkerMessage): void {
    const p = this.pending;
    if (!p) return;
    if (m.type === 'progress' && m.progress) p.onProgress?.(m.progress);
    else if (m.type === 'result') p.resolve(this.nice === undefined ? m.result! : { ...m.result!, nice: this.nice });
    else if (m.type === 'error') p.reject(workerError(m, 'built-in engine thread'));
  }
}
