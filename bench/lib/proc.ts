/**
 * Child processes for the benchmarks. Servers, the mesh and memory probes each get their
 * own process so the load generator and the thing it measures do not share one event loop
 * (the machine has 2 cores; one loop serving both halves measures neither).
 */
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** How long a child may take to start and say it is ready. */
export const READY_TIMEOUT_MS = 15_000;
/** How long a child may take to exit after `stop` before it is killed. */
export const STOP_GRACE_MS = 3_000;

/** Child → parent and parent → child messages: `{ type, ...payload }`. */
export interface Message {
  type: string;
  [k: string]: unknown;
}

/** Forks a TypeScript module under tsx's loader, with an IPC channel. */
export function forkTs(moduleUrl: URL, args: string[] = [], execArgv: string[] = []): ChildProcess {
  return fork(fileURLToPath(moduleUrl), args, {
    execArgv: ['--import', import.meta.resolve('tsx'), ...execArgv],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** The next message of `type` from the child; rejects if it exits or errs first, or on timeout. */
export function nextMessage<T extends Message>(
  child: ChildProcess,
  type: string,
  timeoutMs = READY_TIMEOUT_MS,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (m: Message): void => {
      if (m?.type === 'error') {
        done();
        reject(new Error(`child: ${String(m.message)}`));
      } else if (m?.type === type) {
        done();
        resolve(m as T);
      }
    };
    const onExit = (code: number | null): void => {
      done();
      reject(new Error(`child exited with ${code} before sending "${type}"`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`child sent no "${type}" within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** Sends a request and waits for the reply of the same type. */
export function ask<T extends Message>(child: ChildProcess, m: Message, timeoutMs = READY_TIMEOUT_MS): Promise<T> {
  const reply = nextMessage<T>(child, m.type, timeoutMs);
  child.send(m);
  return reply;
}

/** Asks the child to stop, then kills it if it has not exited after STOP_GRACE_MS. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // the callback takes a send error (child already disconnecting) instead of an 'error' event
  if (child.connected) child.send({ type: 'stop' }, () => {});
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

/** In a child: reply to the parent (no-op when run standalone). */
export function tell(m: Message): void {
  process.send?.(m);
}

/** Whether an executable is on PATH (wrk, hey, nginx are optional references). */
export function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command to completion (killed after timeoutMs), timing it. */
export function runCommand(cmd: string, args: string[], timeoutMs: number, cwd?: string): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

/** A free loopback port (for tools like nginx that need one named in advance). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}
