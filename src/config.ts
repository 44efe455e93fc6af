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
  /** no colour, no progress line: CI=true or NO_COLOR set and non-empty (no-color.org), unless FORCE_COLOR */
  plain: boolean;
  /** FORCE_COLOR: true = colour even without a TTY, false = never; undefined = not set */
  forced?: boolean;
  /** GitHub Actions step summary file, when set */
  githubStepSummary?: string;
  /** the CI job's checkout (GITHUB_WORKSPACE, else GitLab's CI_PROJECT_DIR): junit.xml names files relative to it */
  checkoutRoot?: string;
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): EnvConfig {
  const nonEmpty = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);
  return {
    k6: nonEmpty(env.MESHPROOF_K6),
    out: nonEmpty(env.MESHPROOF_OUT),
    engine: nonEmpty(env.MESHPROOF_ENGINE),
    plain: forceColor(env.FORCE_COLOR) ?? (env.CI === 'true' || nonEmpty(env.NO_COLOR) !== undefined),
    forced: forceColor(env.FORCE_COLOR) === undefined ? undefined : !forceColor(env.FORCE_COLOR),
    githubStepSummary: nonEmpty(env.GITHUB_STEP_SUMMARY),
    checkoutRoot: nonEmpty(env.GITHUB_WORKSPACE) ?? nonEmpty(env.CI_PROJECT_DIR),
  };
}

/**
 * FORCE_COLOR as Node reads it (lib/internal/tty.js `getColorDepth`): '', '1', 'true', '2'
 * or '3' force colour on, any other value forces it off, unset decides nothing; when set it
 * beats NO_COLOR. Returns the resulting `plain`: false when forced on, true when forced off.
 */
function forceColor(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  return !['', '1', 'true', '2', '3'].includes(v);
}

/**
 * Colour and live progress only on a TTY, never under NO_COLOR (non-empty) or CI=true
 * (style.md habit 7); FORCE_COLOR turns them on even without a TTY, or off.
 */
export function useColor(stream: NodeJS.WriteStream = process.stderr, env = readEnv()): boolean {
  if (env.forced !== undefined) return env.forced;
  return Boolean(stream.isTTY) && !env.plain;
}
