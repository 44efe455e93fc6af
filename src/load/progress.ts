/**
 * The one-line live progress display on stderr: elapsed/total, req/s, status counts. Only on
 * a TTY and never under CI=true, NO_COLOR or --quiet (style.md habit 7, via useColor).
 */
import { useColor } from '../config.js';
import type { Progress } from './model.js';

/** How often the engines call RunOptions.onProgress: 4 redraws a second read as live without flicker. */
export const PROGRESS_INTERVAL_MS = 250;

export interface ProgressLine {
  /** redraws the line; pass it as RunOptions.onProgress */
  update(p: Progress): void;
  /** erases the line so the result prints on a clean row */
  done(): void;
}

export interface ProgressOptions {
  quiet?: boolean;
  stream?: NodeJS.WriteStream;
  /** force on/off (tests); default: useColor(stream) */
  enabled?: boolean;
}

/** Returns undefined when no progress should be shown, so callers can pass it straight on. */
export function createProgressLine(opts: ProgressOptions = {}): ProgressLine | undefined {
  const stream = opts.stream ?? process.stderr;
  if (opts.quiet || !(opts.enabled ?? useColor(stream))) return undefined;
  let last: Progress | undefined;
  let rate = 0;
  return {
    update(p) {
      if (last && p.elapsedMs > last.elapsedMs) rate = ((p.requests - last.requests) * 1000) / (p.elapsedMs - last.elapsedMs);
      last = p;
      stream.write(`\r\x1b[2K${formatProgress(p, rate)}`);
    },
    done() {
      if (last) stream.write('\r\x1b[2K');
    },
  };
}

/** "3.2s/10.0s  412 req/s  1210 reqs  200:1123 503:87" */
export function formatProgress(p: Progress, reqPerSec: number): string {
  const statuses = Object.entries(p.statuses)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([code, n]) => `${code}:${n}`)
    .join(' ');
  return `${(p.elapsedMs / 1000).toFixed(1)}s/${(p.totalMs / 1000).toFixed(1)}s  ${Math.round(reqPerSec)} req/s  ${p.requests} reqs  ${statuses}`.trimEnd();
}
