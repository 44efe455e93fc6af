/**
 * Go `time.ParseDuration` grammar, which Istio uses for every Duration field
 * (istio-envoy-semantics.md §7.1) and k6 uses for `duration`, `gracefulStop`, stages.
 * "500ms", "1.5s", "1h30m", "-2s"; units ns us µs ms s m h; no "d"; a bare "0" is allowed.
 */
const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3, // U+00B5 micro sign
  μs: 1e3, // U+03BC greek mu
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/**
 * Parses a Go duration into nanoseconds; returns undefined when the text is not one. It does not
 * refuse what lies beyond int64 nanoseconds, as Go does: that check needs BigInt, which the k6
 * script (ES2017, scripts/tsconfig.json) this file is bundled into cannot use — see
 * go-duration-range.ts `parseGoDurationNsInRange` for the Go-exact parse.
 */
export function parseGoDurationNs(text: string): number | undefined {
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return undefined;
  let total = 0;
  const re = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  while (s.length > 0) {
    const m = re.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_NS[m[2]];
    s = s.slice(m[0].length);
  }
  return sign * total;
}

/** Parses a Go duration into milliseconds (may be fractional); undefined when invalid. */
export function parseDurationMs(text: string): number | undefined {
  const ns = parseGoDurationNs(text);
  return ns === undefined ? undefined : ns / 1e6;
}

/**
 * The longest delay Node's timers honour: 2^31 − 1 ms (≈ 24.8 days, "596h31m23.647s").
 * setTimeout turns anything longer into 1 ms (Node's timers docs, "setTimeout(callback,
 * delay)": "When delay is larger than 2147483647 … the delay will be set to 1"), so a
 * 100-year duration would end at once. Every duration that becomes a timer is checked
 * against it.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** MAX_TIMER_MS written as a Go duration, for messages. */
export const MAX_TIMER_TEXT = '596h31m23.647s';

/**
 * A duration meant for a timer: ms, or why not — not a Go duration, negative, zero when
 * `positive`, or above MAX_TIMER_MS. The problem reads after "expected …, got …" is added
 * by the caller, e.g. `a duration like "30s" up to 596h31m23.647s (Node's timer limit)`.
 */
export function parseTimerMs(
  text: unknown,
  opts: { positive?: boolean; example?: string } = {},
): { ms: number } | { expected: string } {
  const ms = typeof text === 'string' ? parseDurationMs(text) : undefined;
  const kind = opts.positive
    ? `a positive duration like "${opts.example ?? '30s'}"`
    : `a duration like "${opts.example ?? '30s'}"`;
  if (ms === undefined || ms < 0 || (opts.positive && ms === 0)) return { expected: kind };
  if (ms > MAX_TIMER_MS) return { expected: `${kind} up to ${MAX_TIMER_TEXT} (Node's timer limit)` };
  return { ms };
}

/**
 * A Duration that may be valid far beyond Node's timer limit (an Istio policy field: a real
 * Envoy then effectively never fires it), in ms for a timer: `fallback` when unset or invalid,
 * clamped to MAX_TIMER_MS. Every run is bounded by that limit (src/load/profile.ts), so the
 * clamped timer still never fires within it, where an unclamped one would fire after 1 ms.
 */
export function clampedTimerMs(text: string | undefined, fallback: number): number {
  return Math.min(MAX_TIMER_MS, text === undefined ? fallback : (parseDurationMs(text) ?? fallback));
}

/** Like parseDurationMs but throws a message naming the field; for already-validated input. */
export function durationMs(text: string, field = 'duration'): number {
  const ms = parseDurationMs(text);
  if (ms === undefined) throw new Error(`${field}: expected a duration like "10s", got ${JSON.stringify(text)}`);
  return ms;
}

/** Formats milliseconds as a short Go/k6 duration in seconds: 500 → "0.5s", 30000 → "30s". */
export function formatDuration(ms: number): string {
  return `${Number((ms / 1000).toFixed(6))}s`;
}

/**
 * Formats milliseconds as protobuf JSON prints a google.protobuf.Duration, which is what
 * Envoy's /config_dump shows: 0, 3, 6 or 9 fractional digits — "10s", "0.500s", "0.000100s".
 */
export function formatProtoDuration(ms: number): string {
  const ns = Math.round(ms * 1e6);
  const whole = Math.trunc(ns / 1e9);
  const frac = ns % 1e9;
  if (frac === 0) return `${whole}s`;
  let digits = String(frac).padStart(9, '0');
  if (digits.endsWith('000000')) digits = digits.slice(0, 3);
  else if (digits.endsWith('000')) digits = digits.slice(0, 6);
  return `${whole}.${digits}s`;
}
