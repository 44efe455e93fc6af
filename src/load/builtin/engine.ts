/**
 * The built-in engine: k6's four executors in Node on undici, producing the same PhaseResult
 * as the k6 path. Use it where k6 is not installed, and in tests.
 */
import type { Engine, LoadProfile, PhaseResult, RequestPlan, RunOptions } from '../model.js';
import { profileDurationMs } from '../profile.js';
import { PROGRESS_INTERVAL_MS } from '../progress.js';
import { VERSION } from '../../version.js';
import { runArrivalRate } from './arrival-rate.js';
import { runClosedLoop } from './closed-loop.js';
import { Phase } from './phase.js';
import { Recorder } from './recorder.js';
import { Vu } from './vu.js';

export class BuiltinEngine implements Engine {
  readonly name = 'builtin' as const;

  async version(): Promise<string> {
    return VERSION;
  }

  /** Runs one phase. An aborted `signal` stops at once and resolves with what was measured so far. */
  async run(profile: LoadProfile, plan: RequestPlan, options: RunOptions = {}): Promise<PhaseResult> {
    const arrival = profile.executor === 'constant-arrival-rate' || profile.executor === 'ramping-arrival-rate';
    const phase = new Phase(new Recorder(arrival, plan.subsetFrom !== undefined));
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
    const makeVu = () => new Vu(plan, phase.hard.signal);
    try {
      if (profile.executor === 'constant-arrival-rate' || profile.executor === 'ramping-arrival-rate')
        await runArrivalRate(phase, profile, vus, makeVu);
      else await runClosedLoop(phase, profile, vus, makeVu);
    } finally {
      clearInterval(progress);
      options.signal?.removeEventListener('abort', onAbort);
      await Promise.all(vus.map((vu) => vu.close(true)));
    }
    const durationMs = phase.elapsed();
    options.onProgress?.(phase.recorder.progress(Math.min(totalMs, durationMs), totalMs));
    return phase.recorder.result({
      profile,
      plan,
      engine: { name: 'builtin', version: await this.version() },
      startedAt: phase.startedAt,
      durationMs,
    });
  }
}
