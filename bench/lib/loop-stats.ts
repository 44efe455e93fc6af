/**
 * What this process's event loop went through while a measurement ran: GC pauses and
 * timer lateness. A client timestamps a response only when its loop gets to it, so these
 * are what a client-side latency error is made of.
 */
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

export interface LoopStats {
  gcPauses: number;
  gcMaxMs: number;
  gcTotalMs: number;
  /** p99 of timer lateness sampled every 1 ms, ms */
  loopDelayP99Ms: number;
}

/** Starts watching; the returned function stops and reports. */
export function watchLoop(): () => LoopStats {
  const stats = { gcPauses: 0, gcMaxMs: 0, gcTotalMs: 0 };
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      stats.gcPauses++;
      stats.gcTotalMs += e.duration;
      stats.gcMaxMs = Math.max(stats.gcMaxMs, e.duration);
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  return () => {
    gc.disconnect();
    delay.disable();
    return { ...stats, loopDelayP99Ms: delay.percentile(99) / 1e6 };
  };
}

export function formatLoopStats(s: LoopStats): string {
  return `client GC ${s.gcPauses} pauses (max ${s.gcMaxMs.toFixed(2)} ms, total ${s.gcTotalMs.toFixed(0)} ms), loop delay p99 ${s.loopDelayP99Ms.toFixed(2)} ms`;
}
