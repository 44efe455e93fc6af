/**
 * Finding k6: `--k6 <path>`, then MESHPROOF_K6, then `k6` on PATH (ecosystem.md: k6 is a Go
 * binary users install themselves; nothing here downloads it).
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { readEnv } from '../../config.js';
import { InfraError } from '../../errors.js';

export const K6_INSTALL_HINT =
  'install k6 (https://grafana.com/docs/k6/latest/set-up/install-k6/) or pass its path with --k6 / MESHPROOF_K6, or use --engine builtin';

export interface LocateOptions {
  /** explicit path (the --k6 flag) */
  k6?: string;
  env?: NodeJS.ProcessEnv;
}

/** The k6 executable to use, or undefined when none is found. An explicit path is returned as given. */
export function findK6(opts: LocateOptions = {}): string | undefined {
  const env = opts.env ?? process.env;
  const explicit = opts.k6 ?? readEnv(env).k6;
  if (explicit) return explicit;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, process.platform === 'win32' ? 'k6.exe' : 'k6');
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Like findK6, but a missing or unusable k6 is an InfraError (exit 3) that says what to do. */
export function requireK6(opts: LocateOptions = {}): string {
  const path = findK6(opts);
  if (!path) throw new InfraError(`k6 not found on PATH; ${K6_INSTALL_HINT}`);
  if (!isExecutable(path)) throw new InfraError(`k6 at ${path} is missing or not executable; ${K6_INSTALL_HINT}`);
  return path;
}

function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
