/**
 * Parent side of bench/children/kernel-timed-server.py: the known-latency server of the accuracy
 * benchmarks, whose truth is timed by the kernel (request's first byte in its socket → response's
 * bytes leaving it), so the truth leaves nothing out but the client's own doing. Needs python3 on
 * Linux; `hasKernelTarget()` says whether it can run here.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createHistogram, summarize, type LatencySummary } from '../../src/load/histogram.js';
import { hasCommand, READY_TIMEOUT_MS, STOP_GRACE_MS } from './proc.js';
import type { Target } from './target.js';

/** What a machine without it needs (Debian/Ubuntu). */
export const INSTALL_PYTHON = 'apt-get install -y python3';

export function hasKernelTarget(): boolean {
  return process.platform === 'linux' && hasCommand('python3');
}

export interface TimedTarget extends Target {
  /** the kernel-timed latency of every request answered since start or the last reset */
  truth(): Promise<LatencySummary>;
  reset(): Promise<void>;
}

interface Reply {
  type: string;
  port?: number;
  us?: number[];
  untimed?: number;
}

/** Answers "ok" `delayMs` after it reads each request. */
export async function startKernelTarget(delayMs: number): Promise<TimedTarget> {
  const script = fileURLToPath(new URL('../children/kernel-timed-server.py', import.meta.url));
  const child = spawn('python3', [script, String(delayMs)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting: ((r: Reply) => void)[] = [];
  let exited: Error | undefined;
  const fail = (e: Error) => {
    exited ??= e;
    for (const w of waiting.splice(0)) w({ type: 'error' });
  };
  child.on('error', fail);
  child.on('exit', (code) => fail(new Error(`kernel-timed server exited (${code})`)));
  createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.(JSON.parse(line) as Reply));
  const next = (type: string): Promise<Reply> =>
    new Promise<Reply>((resolve, reject) => {
      if (exited) return reject(exited);
      const timer = setTimeout(() => reject(new Error(`kernel-timed server sent no "${type}"`)), READY_TIMEOUT_MS);
      waiting.push((r) => {
        clearTimeout(timer);
        if (r.type === type) resolve(r);
        else reject(exited ?? new Error(`kernel-timed server: "${r.type}" instead of "${type}"`));
      });
    });
  const ask = (type: string) => {
    const reply = next(type);
    child.stdin.write(`${type}\n`);
    return reply;
  };
  const ready = await next('ready').catch((e) => {
    child.kill('SIGKILL');
    throw e;
  });
  return {
    url: `http://127.0.0.1:${ready.port}`,
    pid: child.pid!,
    truth: async () => {
      const r = await ask('stats');
      // a request the kernel did not stamp has no truth: fail rather than measure fewer requests
      if (r.untimed) throw new Error(`kernel-timed server: ${r.untimed} requests without kernel timestamps`);
      const h = createHistogram();
      for (const us of r.us ?? []) h.recordValue(us);
      return summarize(h);
    },
    reset: async () => void (await ask('reset')),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.stdin.end('stop\n');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await gone;
      clearTimeout(timer);
    },
  };
}
