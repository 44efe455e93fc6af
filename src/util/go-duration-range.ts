/**
 * Go's time.ParseDuration with its range: a duration beyond int64 nanoseconds is an error
 * ("invalid duration"), ±2^63 ns ≈ 2562047h47m16.854775808s, decided in exact integers since a
 * float sum cannot tell 2^63 − 1 from 2^63. Apart from duration.ts because it needs BigInt, which
 * the k6 script that bundles duration.ts (ES2017, scripts/tsconfig.json) cannot use. Used where
 * Go itself parses the text: Istio's duration fields (policy/fields.ts) and the CEL `duration()`
 * of the local kube API (kube-api/cel-rules.ts).
 */
import { parseGoDurationNs } from './duration.js';

/** Nanoseconds, or undefined where Go's ParseDuration errors, range included. */
export function parseGoDurationNsInRange(text: string): number | undefined {
  const ns = parseGoDurationNs(text);
  if (ns === undefined || Math.abs(ns) < 2 ** 62) return ns; // far from the edge: the float sum decides
  const exact = exactMagnitudeNs(text);
  return exact === undefined || exact > (ns < 0 ? 2n ** 63n : 2n ** 63n - 1n) ? undefined : ns;
}

const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n,
  μs: 1000n,
  ms: 10n ** 6n,
  s: 10n ** 9n,
  m: 60n * 10n ** 9n,
  h: 3600n * 10n ** 9n,
};

/**
 * The magnitude Go's time.ParseDuration sums (time/format.go: each integer part times its unit
 * exactly, plus `uint64(float64(f) * (float64(unit) / scale))` for its fraction); undefined
 * when a part overflows (leadingInt past 2^63, `v > 1<<63/unit`). `text` already parsed.
 */
function exactMagnitudeNs(text: string): bigint | undefined {
  let total = 0n;
  for (const [, int, frac = '', unit] of text
    .replace(/^[+-]/, '')
    .matchAll(/(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/g)) {
    const v = BigInt(int || '0');
    if (v > 2n ** 63n || v > 2n ** 63n / UNIT_NS[unit]) return undefined;
    // leadingFraction keeps the digits while f fits (at most 18 here), and scales by as many
    const digits = frac.slice(0, 18);
    const f = digits ? Number(digits) * (Number(UNIT_NS[unit]) / 10 ** digits.length) : 0;
    total += v * UNIT_NS[unit] + BigInt(Math.trunc(f));
  }
  return total;
}
