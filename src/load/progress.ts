/**
 * Engine progress as text: elapsed/total, req/s, status counts. src/cli/progress-line.ts draws it.
 */
import type { Progress } from './model.js';

/** How often the engines call RunOptions.onProgress: 4 redraws a second read as live without flicker. */
export const PROGRESS_INTERVAL_MS = 250;

/** "3.2s/10.0s  412 req/s  1210 reqs  200:1123 503:87" */
export function formatProgress(p: Progress, reqPerSec: number): string {
  const statuses = Object.entries(p.statuses)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([code, n]) => `${code}:${n}`)
    .join(' ');
  return `${(p.elapsedMs / 1000).toFixed(1)}s/${(p.totalMs / 1000).toFixed(1)}s  ${Math.round(reqPerSec)} req/s  ${p.requests} reqs  ${statuses}`.trimEnd();
}
