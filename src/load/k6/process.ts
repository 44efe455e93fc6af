/**
 * Running the k6 binary: spawn, keep the tail of its output, and map its exit code
 * (ecosystem.md): 0 and 99 (thresholds failed) mean the data is valid; everything else is
 * an infrastructure error carrying k6's stderr tail.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { InfraError } from '../../errors.js';

/** k6's exit codes that mean the run itself broke (k6 errext/exitcodes). */
export const K6_EXIT_CODES: Record<number, string> = {
  97: 'cloud test run failed',
  98: 'cloud progress unavailable',
  100: 'setup timed out',
  101: 'teardown timed out',
  102: 'timed out',
  103: 'engine error',
  104: 'invalid configuration',
  105: 'aborted by a signal',
  106: 'could not start the REST API',
  107: 'script exception',
  108: 'aborted by the script',
  109: 'Go panic',
  110: 'marked as failed by the script',
  // an error that carries no exit code: internal/cmd/root.go execute() exits with -1 — an unknown
  // flag (pflag), a bad --execution-segment, a script with no exported function
  255: 'k6 error without an exit code',
};
/** Exit codes after which the summary is valid data. */
export const K6_DATA_VALID = [0, 99] as const;
/** How much of k6's stderr an error message quotes. */
export const STDERR_TAIL_BYTES = 2048;

export interface K6Exit {
  code: number;
  stdout: string;
  stderrTail: string;
}

/**
 * The environment k6 runs with: the caller's, without any `K6_*` variable. k6 reads its own
 * configuration from those (internal/cmd/config.go getConsolidatedConfig: readEnvConfig's
 * layer lies above the script's options; internal/cmd/runtime_options.go
 * populateRuntimeOptionsFromEnv), so one left in a user's shell or CI would change the run
 * behind meshproof's back: K6_DURATION / K6_ITERATIONS / K6_STAGES replace the
 * scenario ("env level configuration overrode scenarios configuration entirely",
 * warnOnShortHandOverride), K6_NO_SUMMARY / K6_SUMMARY_MODE=disabled skip handleSummary
 * (run.go: no summary file), K6_NEW_MACHINE_READABLE_SUMMARY changes handleSummary's data,
 * K6_SUMMARY_TREND_STATS drops the percentiles the summary needs, K6_DISCARD_RESPONSE_BODIES
 * blinds classify(), K6_RPS / K6_PAUSED / K6_NO_SETUP throttle, stall or break it.
 * Everything meshproof wants from k6 it passes as flags and script options — with one
 * exception: K6_NO_USAGE_REPORT=true (config.go Config.NoUsageReport, envconfig
 * "K6_NO_USAGE_REPORT"). `k6 run` also gets --no-usage-report, but `k6 version` takes no such
 * flag (it is in run's configFlagSet only), and k6 v2 reports the use of every subcommand
 * (internal/cmd/root.go execute: reportSubcommandUsage after each command) — the variable is
 * the opt-out a flagless subcommand can read. (reportSubcommandUsage's body is not in the
 * sources this was checked against: that it honours the variable is not verified; on v0.4x–v1.x,
 * whose `k6 version` reports nothing, the variable changes nothing.)
 */
export function k6Environment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const own = Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('K6_')));
  return { ...own, K6_NO_USAGE_REPORT: 'true' };
}

/**
 * The k6 processes still running, each the leader of its own process group. One `exit` hook
 * kills them all: one listener per run would pass Node's default of 10 listeners with
 * `--instances` > 10 and print a MaxListenersExceededWarning. The hook is added with the first
 * live k6 and removed with the last, so an idle meshproof (or a library caller) keeps none.
 */
const live = new Set<ChildProcess>();

/** `exit` listeners run synchronously: SIGKILL to each live k6's group (the whole group: k6 is its leader). */
function killLive(): void {
  for (const child of live) {
    try {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null)
        process.kill(process.platform === 'win32' ? child.pid : -child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

function track(child: ChildProcess): void {
  if (live.size === 0) process.on('exit', killLive);
  live.add(child);
}

function untrack(child: ChildProcess): void {
  if (!live.delete(child)) return;
  if (live.size === 0) process.off('exit', killLive);
}

/** Runs `k6 <args>`; resolves when it exits (whatever the code). An abort sends SIGINT, which k6 handles gracefully. */
export function runK6Process(
  k6: string,
  args: string[],
  signal?: AbortSignal,
  env?: NodeJS.ProcessEnv,
): Promise<K6Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(k6, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: k6Environment(env ?? process.env),
      // its own process group: a terminal's Ctrl-C (or hang-up) goes to the foreground group, and
      // k6 would take it as its first signal and meshproof's SIGINT below as the second, on which
      // k6 exits 105 at once, without handleSummary (internal/cmd/common.go
      // handleTestAbortSignals) — the partial data an interrupted run keeps would be lost
      detached: process.platform !== 'win32',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout = tail(stdout + b.toString('utf8'), 64 * 1024)));
    child.stderr.on('data', (b: Buffer) => (stderr = tail(stderr + b.toString('utf8'), STDERR_TAIL_BYTES)));
    const onAbort = () => child.kill('SIGINT');
    signal?.addEventListener('abort', onAbort, { once: true });
    // an abort that came before the listener (while the caller was still preparing) fires no event
    if (signal?.aborted) onAbort();
    // out of the terminal's group, k6 would outlive a meshproof that exits under it (a third
    // Ctrl-C's immediate exit, a crash) and go on sending load: its group goes with this process
    track(child);
    const done = () => {
      signal?.removeEventListener('abort', onAbort);
      untrack(child);
    };
    child.on('error', (err) => {
      done();
      reject(new InfraError(`could not run k6 at ${k6}: ${err.message}`));
    });
    child.on('close', (code, sig) => {
      done();
      resolve({ code: code ?? (sig ? 128 : 1), stdout, stderrTail: stderr.trim() });
    });
  });
}

/** Throws the InfraError for an exit code after which the data cannot be trusted. */
export function checkK6Exit(exit: K6Exit): void {
  if ((K6_DATA_VALID as readonly number[]).includes(exit.code)) return;
  const meaning = K6_EXIT_CODES[exit.code] ?? 'unexpected exit';
  const quoted = exit.stderrTail ? `:\n${exit.stderrTail}` : ' (no stderr output)';
  throw new InfraError(`k6 exited with code ${exit.code} (${meaning})${quoted}`);
}

function tail(text: string, max: number): string {
  return text.length > max ? text.slice(text.length - max) : text;
}
