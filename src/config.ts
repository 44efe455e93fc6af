/**
 * Environment overrides: one prefix, MESHPROOF_, read here and nowhere else (style.md habit 5).
 */
export interface EnvConfig {
  /** path to the k6 executable (MESHPROOF_K6) */
  k6?: string;
  /** default output folder for reports (MESHPROOF_OUT) */
  out?: string;
  /** default engine: auto | builtin | k6 (MESHPROOF_ENGINE) */
  engine?: string;
  /** no colour, no progress line: CI=true or NO_COLOR set */
  plain: boolean;
  /** GitHub Actions step summary file, when set */
  githubStepSummary?: string;
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): EnvConfig {
  const nonEmpty = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);
  return {
    k6: nonEmpty(env.MESHPROOF_K6),
    out: nonEmpty(env.MESHPROOF_OUT),
    engine: nonEmpty(env.MESHPROOF_ENGINE),
    plain: env.CI === 'true' || env.NO_COLOR !== undefined,
    githubStepSummary: nonEmpty(env.GITHUB_STEP_SUMMARY),
  };
}

/** Colour and live progress only on a TTY, never under NO_COLOR or CI=true (style.md habit 7). */
export function useColor(stream: NodeJS.WriteStream = process.stderr, env = readEnv()): boolean {
  return Boolean(stream.isTTY) && !env.plain;
}
