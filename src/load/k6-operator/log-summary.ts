/**
 * A k6-operator runner's summary, out of its pod log: the one line between the markers
 * scripts/resilience.ts prints for MESHPROOF_SUMMARY=stdout (src/load/k6/metrics/markers.ts).
 */
import { SUMMARY_BEGIN, SUMMARY_END } from '../k6/metrics/markers.js';

/** The summary JSON text, or undefined when the log holds no complete one. */
export function summaryFromLog(log: string): string | undefined {
  const begin = log.lastIndexOf(SUMMARY_BEGIN);
  if (begin < 0) return undefined;
  const end = log.indexOf(SUMMARY_END, begin);
  if (end < 0) return undefined;
  return log.slice(begin + SUMMARY_BEGIN.length, end).trim();
}
