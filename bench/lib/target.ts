/**
 * Parent side of bench/children/target-server.ts: start a loopback target in its own
 * process, read its server-side latency truth, stop it.
 */
import type { LatencySummary } from '../../src/load/histogram.js';
import { ask, forkTs, nextMessage, stopChild, type Message } from './proc.js';

export interface Target {
  url: string;
  /** the server's process (its CPU time is in /proc/<pid>/stat) */
  pid: number;
  /** server-side request → response-end latency since start or the last reset (needs `record`) */
  truth(): Promise<LatencySummary>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTarget(opts: { delayMs?: number; record?: boolean } = {}): Promise<Target> {
  const args = [String(opts.delayMs ?? 0), ...(opts.record ? ['--record'] : [])];
  const child = forkTs(new URL('../children/target-server.ts', import.meta.url), args);
  const ready = await nextMessage<Message & { port: number }>(child, 'ready').catch(async (e) => {
    await stopChild(child);
    throw e;
  });
  return {
    url: `http://127.0.0.1:${ready.port}`,
    pid: child.pid!,
    truth: async () => (await ask<Message & { summary: LatencySummary }>(child, { type: 'stats' })).summary,
    reset: async () => void (await ask(child, { type: 'reset' })),
    stop: () => stopChild(child),
  };
}
