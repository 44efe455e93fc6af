/**
 * Exit codes, decided in one place (design.md "Exit codes"). Any layer may import these (contracts at the bottom); command handlers return an
 * `Outcome` or throw one of the errors below; only `src/cli/` turns them into a process exit.
 */
export const ExitCode = {
  /** every gate passed (or the verb had nothing to judge and succeeded) */
  ok: 0,
  /** a gate failed / a regression was found */
  gateFailed: 1,
  /** usage, config or policy error: the input is wrong */
  usage: 2,
  /** infrastructure error: cluster unreachable, forbidden, k6 missing or crashed */
  infra: 3,
  /** inconclusive: the data cannot decide at the requested confidence */
  inconclusive: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** What a command handler hands back to `main()`. */
export interface Outcome {
  exitCode: ExitCode;
}

/** Base class: an error that already knows its exit code and has a one-line, user-facing message. */
export class MeshproofError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad flags or arguments (exit 2). */
export class UsageError extends MeshproofError {
  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}

/** A file the user gave us is wrong (exit 2). The message should start with `file:line:col:`. */
export class ConfigError extends MeshproofError {
  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}

/** Something outside the user's input failed: cluster, network, k6 (exit 3). */
export class InfraError extends MeshproofError {
  constructor(message: string) {
    super(message, ExitCode.infra);
  }
}

/** Verdict → exit code; the one mapping every verb that judges uses. */
export function exitCodeForVerdict(verdict: 'pass' | 'fail' | 'inconclusive'): ExitCode {
  return verdict === 'pass' ? ExitCode.ok : verdict === 'fail' ? ExitCode.gateFailed : ExitCode.inconclusive;
}
