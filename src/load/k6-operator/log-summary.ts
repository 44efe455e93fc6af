/**
 * A k6-operator runner's summary, out of its pod log: the one line between the markers
 * scripts/resilience.ts prints for MESHPROOF_SUMMARY=stdout (src/load/k6/metrics/markers.ts).
 *
 * A summary line longer than the container runtime's 16 KiB line limit is stored as partial
 * entries ("P" tag); the kubelet's reader (pkg/kubelet/kuberuntime/logs/logs.go parseCRILog)
 * trims the newline of each partial entry, so `pods/log` (without timestamps) returns the line
 * whole. Not verified: a stderr line that the runtime writes between two partial entries of
 * the summary would land inside it (k6 logs nothing after handleSummary in a normal run).
 * Kubelet log rotation (containerLogMaxSize) keeps the current file, which holds the summary:
 * it is the last thing a runner prints.
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
