/**
 * Ctrl-C while a policy is applied (issue E item 3): the first SIGINT/SIGTERM aborts the run's
 * signal — load stops, the runner's `finally` restores, the exit code is 3; a second one
 * during the restore does not wait: it says the journal is kept and that `meshproof restore`
 * finishes the job, and exits 3 at once. Safe because every mutation was journaled first.
 */
import { ExitCode, InfraError } from '../cli/exit.js';

export interface InterruptTrap {
  signal: AbortSignal;
  /** removes the handlers (call when the run is over) */
  dispose(): void;
}

export interface TrapOptions {
  /** the journal file of the run, for the second-interrupt message */
  journalPath?: string;
  log?: (line: string) => void;
  /** how the second interrupt leaves (tests replace it) */
  exit?: (code: number) => void;
}

export function trapInterrupts(opts: TrapOptions = {}): InterruptTrap {
  const controller = new AbortController();
  const log = opts.log ?? ((line: string) => process.stderr.write(`meshproof: ${line}\n`));
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const onSignal = (name: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      log(`${name}: stopping the load and restoring the policy (press Ctrl-C again to leave that to \`meshproof restore\`)`);
      controller.abort(new InfraError(`interrupted by ${name}; the policy was restored`));
      return;
    }
    log(`${name} again: not waiting for the restore; the journal is kept${opts.journalPath ? ` at ${opts.journalPath}` : ''} — run \`meshproof restore\` to put the cluster back`);
    exit(ExitCode.infra);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
