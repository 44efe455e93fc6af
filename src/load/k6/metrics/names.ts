/**
 * The k6 metric-name contract: names the k6 script (scripts/resilience.ts) defines and the
 * Node side reads (src/load/k6/summary.ts). scripts/ imports this; src/ never imports scripts/.
 *
 * Why one Counter per status and per cause instead of one tagged Counter: k6 puts a
 * sub-metric such as `reqs{status:503}` into handleSummary's data only when a threshold
 * names it (ecosystem.md), and declaring a threshold for every possible code would make k6
 * match each sample against hundreds of sub-metrics. Plain Counters always reach
 * handleSummary and are summed by k6 across VUs. So: `status_<code>` for every registered
 * HTTP status (IANA), `status_0` for no response, and `status_<n>xx` for unregistered codes
 * of class n (the status map then says "5xx"); `cause_<cause>` per cause; `latency_<cause>`
 * Trends per outcome. ES2017, no Node APIs.
 */
export const STATUS_PREFIX = 'status_';
export const CAUSE_PREFIX = 'cause_';
export const LATENCY_PREFIX = 'latency_';
export const SECOND_PREFIX = 'second_';

/** Registered HTTP status codes (IANA) plus 0 = no response. */
export const KNOWN_STATUSES = [
  0, 100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308, 400,
  401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423, 424, 425,
  426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
];

/** Status classes for unregistered codes. */
export const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'];

/** The status-counter key for a code: "503", or "5xx" when the code is not registered. */
export function statusKey(status: number): string {
  if (KNOWN_STATUSES.indexOf(status) >= 0) return String(status);
  const cls = Math.floor(status / 100);
  return cls >= 1 && cls <= 5 ? `${cls}xx` : '0';
}

/** The per-second Counter of one cause: "second_3_overflow" (the Trend "second_3" holds that second's latencies). */
export function secondCauseName(t: number, cause: string): string {
  return `${SECOND_PREFIX}${t}_${cause}`;
}

/** The per-second metrics stop here: an hour of timeline. */
export const MAX_TIMELINE_SECONDS = 3600;

/** Trend stats in handleSummary's data: everything LatencySummary needs, incl. p(99.9). */
export const SUMMARY_TREND_STATS = ['count', 'avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'p(99.9)'];
