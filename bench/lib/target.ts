/**
 * Parent side of bench/children/target-server.ts: start a loopback target in its own
 * process, stop it. (The accuracy benchmarks' self-timing target is kernel-target.ts.)
 */
import { forkTs, nextMessage, stopChild, type Message } from './proc.js';

export interface Target {
  url: string;
  /** the server's process (its CPU time is in /proc/<pid>/stat) */
  pid: number;
  stop(): Promise<void>;
}

export async function startTarget(opts: { delayMs?: number } = {}): Promise<Target> {
  const child = forkTs(new URL('../children/target-server.ts', import.meta.url), [String(opts.delayMs ?? 0)]);
  const ready = await nextMessage<Message & { port: number }>(child, 'ready').catch(async (e) => {
    await stopChild(child);
    throw e;
  });
  return {
    url: `http://127.0.0.1:${ready.port}`,
    pid: child.pid!,
    stop: () => stopChild(child),
  };
}
