/**
 * Each serialized histogram decoded once. A phase's histograms are read by its statistics
 * (phase.ts), by every percentile difference and ratio (compare.ts, effects.ts), by every
 * duration gate (gates.ts), by the per-subset statistics (subsets.ts, whose histograms a
 * {subset:…} gate reads too) and by the report's latency chart; decoding the compressed HDR
 * payload each time was most of the analysis' cost. The decoded histogram is only read, never
 * changed, so one copy per serialized object serves them all (the cache lets go of it with the
 * object).
 */
import { deserializeHistogram, type Histogram, type SerializedHistogram } from '../load/histogram.js';

const decoded = new WeakMap<SerializedHistogram, Histogram>();

/** The histogram `s` encodes; the same object for the same `s`. Do not record into it. */
export function histogramOf(s: SerializedHistogram): Histogram {
  let h = decoded.get(s);
  if (!h) {
    h = deserializeHistogram(s);
    decoded.set(s, h);
  }
  return h;
}
