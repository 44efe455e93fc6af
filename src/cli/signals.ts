/**
 * The one signal guard of the CLI, used by `run`, `demo`, `load` and `mesh`. SIGINT, SIGTERM
 * and SIGHUP are handled alike (design.md "The flow": restore on SIGINT/SIGTERM; SIGHUP — a
 * closed terminal or a dropped SSH session — must not leave a cluster changed). The first
 * signal aborts `signal`: an experiment's `finally` then restores the policy and the run ends
 * with exit 3 (ExperimentInterrupted); `load` prints what was measured; `mesh` stops. A second
 * signal explains what is still being done rather than killing it halfway; a third gives up
 * (exit 3 right away).
 */
import { setMaxListeners } from 'node:events';
import { ExitCode } from '../errors.js';

export interface SignalGuard {
  signal: AbortSignal;
  /** remove the handlers (always call, in a finally) */
  dispose(): void;
}

/**
 * SIGHUP is handled exactly like SIGTERM. Node's default for SIGHUP is to die at once
 * (exit 129) — with a policy still applied and the journal open.
 */
export const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Output errors that mean "nobody is reading any more": EPIPE (the reader closed the pipe),
 * EIO (the terminal hung up — what a SIGHUP usually announces). While a guard is active they
 * are swallowed: an unhandled 'error' on stderr would end the process before the restore.
 */
const GONE_OUTPUT = new Set(['EPIPE', 'EIO', 'ENOTCONN', 'ECONNRESET']);

/** What the guard says on the first signal and on the second (defaults: an experiment's). */
export interface GuardMessages {
  stopping: (signal: string) => string;
  stillWorking: string;
  quitting: string;
}

const EXPERIMENT_MESSAGES: GuardMessages = {
  stopping: (name) => `meshproof: ${name}: stopping the load and restoring the policy…`,
  stillWorking:
    'meshproof: still restoring — the target is being put back as it was; press Ctrl-C once more to quit anyway (a real cluster keeps its journal for `meshproof restore`)',
  quitting: 'meshproof: quitting before the restore finished',
};

export function guardSignals(
  opts: {
    write?: (line: string) => void;
    exit?: (code: number) => void;
    proc?: NodeJS.EventEmitter;
    messages?: GuardMessages;
  } = {},
): SignalGuard {
  const messages = opts.messages ?? EXPERIMENT_MESSAGES;
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const proc = opts.proc ?? process;
  const controller = new AbortController();
  // every VU of the engine listens on this one signal; hundreds of listeners are expected, not a leak
  setMaxListeners(0, controller.signal);
  let count = 0;
  let hungUp = false;
  const onSignal = (name: string) => {
    count++;
    hungUp ||= name === 'SIGHUP';
    if (count === 1) {
      write(messages.stopping(name));
      controller.abort(name);
    } else if (count === 2) {
      write(messages.stillWorking);
    } else {
      write(messages.quitting);
      // the one exit not decided in main(): main() is still awaiting the restore the user gave up on
      exit(ExitCode.infra);
    }
  };
  const handlers = INTERRUPT_SIGNALS.map((name) => [name, () => onSignal(name)] as const);
  for (const [name, h] of handlers) proc.on(name, h);
  const streams = opts.proc ? [] : [process.stdout, process.stderr];
  for (const s of streams) s.on('error', ignoreGoneOutput);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const [name, h] of handlers) proc.off(name, h);
      // after a hang-up the terminal stays gone: the last lines main() writes must not crash either
      if (!hungUp) for (const s of streams) s.off('error', ignoreGoneOutput);
    },
  };
}

function ignoreGoneOutput(err: NodeJS.ErrnoException): void {
  if (!GONE_OUTPUT.has(err.code ?? '')) throw err;
}
