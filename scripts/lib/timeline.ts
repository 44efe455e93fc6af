/**
 * How many per-second request Counters the k6 script defines: the whole run, gracefulStop
 * included. Parses k6 durations itself because the script cannot import Node-side helpers
 * beyond pure modules. ES2017, no Node APIs.
 */
import type { LoadProfile } from '../../src/load/model.js';

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };

/** "1m30s" → 90000; unparsable → 0. */
export function k6DurationMs(text: string | undefined): number {
  if (!text) return 0;
  let total = 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) total += Number(m[1]) * UNIT_MS[m[2]];
  return total;
}

export function timelineSeconds(profile: LoadProfile): number {
  const scheduled = 'stages' in profile ? profile.stages.reduce((s, st) => s + k6DurationMs(st.duration), 0) : k6DurationMs(profile.duration);
  const grace = profile.gracefulStop === undefined ? 30000 : k6DurationMs(profile.gracefulStop);
  return Math.ceil((scheduled + grace) / 1000) + 1;
}
