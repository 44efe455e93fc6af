/**
 * The built-in engine: k6's four executors in Node on undici, producing the same PhaseResult
 * as the k6 path. Use it where k6 is not installed, and in tests.
 */
import { addCounts } from '../counts.js';
import { runInstances } from '../instances.js';
import type { Engine, LoadProfile, PhaseResult, Progress, RequestPlan, RunOptions } from '../model.js';
import type { Tuple } from '../segments.js';
import { profileDurationMs } from '../profile.js';
import { PROGRESS_INTERVAL_MS } from '../progress.js';
import { threadId } from 'node:worker_threads';
import { VERSION } from '../../version.js';
import { runArrivalRate } from './arrival-rate.js';
import { runClosedLoop } from './closed-loop.js';
import { EngineThread } from './engine-thread.js';
import { runInWorker, startGate } from './instance-host.js';
import { Phase } from './phase.js';
import { Recorder } from './recorder.js';
import { Vu } from './vu.js';
import { loadClient } from './http.js';

export class BuiltinEngine implements Engine {
  readonly name = 'builtin' as const;
  private thread?: EngineThread;

  /** The nice value of the thread isolated phases run in, once started (undefined: none yet, or not Linux). */
  get threadNice(): number | undefined {
    return this.thread?.nice;
  }

  /** Ends the thread isolated phases ran in, if any. */
  async close(): Promise<void> {
    await this.thread?.close();
    this.thread = undefined;
  }

  async version(): Promise<string> {
    return VERSION;
  }

  /**
   * Runs one phase. An aborted `signal` stops at once and resolves with what was measured so far.
   * With `instances` N > 1: N worker threads, each with its k6 execution segment, merged exactly.
   * With `isolate`, one instance runs in a worker thread kept for the next phases (`close()` ends it).
   */
  async run(profile: LoadProfile, plan: RequestPlan, options: RunOptions = {}): Promise<PhaseResult> {
    const instances = options.instances ?? 1;
    if (instances <= 1 && !options.isolate) return runBuiltinPhase(profile, plan, options);
    // one isolated instance: the engine's kept thread, started once for all of a run's phases
    if (instances <= 1) return (this.thread ??= new EngineThread()).run(profile, plan, options);
    const latest: Progress[] = [];
    const onProgress =
      options.onProgress &&
      ((i: number) => (p: Progress) => {
        latest[i] = p;
        options.onProgress?.(sumProgress(latest.filter(Boolean)));
      });
    // a failed instance never arrives: the others are aborted, and an abort starts a waiting worker
    const gate = startGate(instances);
    return runInstances(instances, options.signal, (slot) =>
      runInWorker(profile, plan, slot, options.seed, gate, onProgress?.(slot.index)),
    );
  }
}

/** One phase in this thread; with `tuple`, only that execution segment's share of it. */
export async function runBuiltinPhase(
  profile: LoadProfile,
  plan: RequestPlan,
  options: RunOptions = {},
  tuple?: Tuple,
): Promise<PhaseResult> {
  // before the phase's clock starts: the first phase of a process imports undici here
  const Client = await loadClient();
  const arrival = profile.executor === 'constant-arrival-rate' || profile.executor === 'ramping-arrival-rate';
  const phase = new Phase(new Recorder(arrival, plan.subsetFrom !== undefined, plan.subsets ?? []));
  const totalMs = profileDurationMs(profile);
  const onAbort = () => phase.stopHard();
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const progress = options.onProgress
    ? setInterval(
        () => options.onProgress?.(phase.recorder.progress(Math.min(totalMs, phase.elapsed()), totalMs)),
        PROGRESS_INTERVAL_MS,
      )
    : undefined;
  const vus: Vu[] = [];
  const makeVu = () => new Vu(plan, Client, phase.hard.signal);
  try {
    if (profile.executor === 'constant-arrival-rate' || profile.executor === 'ramping-arrival-rate')
      await runArrivalRate(phase, profile, vus, makeVu, tuple);
    else await runClosedLoop(phase, profile, vus, makeVu, tuple);
  } finally {
    clearInterval(progress);
    options.signal?.removeEventListener('abort', onAbort);
    await Promise.all(vus.map((vu) => vu.close(true)));
  }
  const durationMs = phase.elapsed();
  options.onProgress?.(phase.recorder.progress(Math.min(totalMs, durationMs), totalMs));
  const result = phase.recorder.result({
    profile,
    plan,
    engine: { name: 'builtin', version: VERSION },
    startedAt: phase.startedAt,
    durationMs,
  });
  // the thread the load came from: report.json's topology and the issue-18 test read it
  result.threads = [threadId];
  return result;
}

function sumProgress(parts: Progress[]): Progress {
  const statuses: Record<string, number> = {};
  for (const p of parts) addCounts(statuses, p.statuses);
  return {
    elapsedMs: Math.max(...parts.map((p) => p.elapsedMs)),
    totalMs: parts[0].totalMs,
    requests: parts.reduce((a, p) => a + p.requests, 0),
    statuses,
  };
}
