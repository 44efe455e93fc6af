/**
 * Per-subset results (issue 16 item 4): for each subset that served responses — requests,
 * statuses, causes and a mergeable latency histogram. Built by the built-in engine's recorder,
 * rebuilt from the k6 summary's per-subset Counters, merged across repeats like the rest.
 */
import type { Cause } from './classify.js';
import { addCount, addCounts } from './counts.js';
import { UNATTRIBUTED } from './subset-from.js';
import {
  createHistogram,
  deserializeHistogram,
  mergeHistograms,
  recordMs,
  serializedWithSummary,
  summarize,
  type Histogram,
  type LatencySummary,
  type SerializedHistogram,
} from './histogram.js';

export interface SubsetResult {
  requests: number;
  /** status (as a string) → count */
  statuses: Record<string, number>;
  causes: Partial<Record<Cause, number>>;
  latency: LatencySummary;
  histogram: SerializedHistogram;
}
/** subset name → its results; `-` = responses no subset could be read from */
export type SubsetResults = Record<string, SubsetResult>;

interface Live {
  requests: number;
  statuses: Record<string, number>;
  causes: Partial<Record<Cause, number>>;
  histogram: Histogram;
}

export class SubsetRecorder {
  private readonly live = new Map<string, Live>();

  /**
   * `declared`: the plan's subsets; a response from any other counts as UNATTRIBUTED, as the k6
   * script counts it (scripts/resilience.ts defines per-subset metrics for the declared ones only).
   */
  constructor(private readonly declared?: ReadonlySet<string>) {}

  add(subset: string, status: number, cause: Cause, latencyMs: number): void {
    if (this.declared && !this.declared.has(subset)) subset = UNATTRIBUTED;
    let s = this.live.get(subset);
    if (!s) this.live.set(subset, (s = { requests: 0, statuses: {}, causes: {}, histogram: createHistogram() }));
    s.requests++;
    addCount(s.statuses, String(status));
    addCount(s.causes, cause);
    recordMs(s.histogram, latencyMs);
  }

  /** Builds live counts into a result (`counts` from the k6 summary go through here too). */
  static fromParts(
    parts: {
      subset: string;
      statuses: Record<string, number>;
      causes: Partial<Record<Cause, number>>;
      histogram: Histogram;
    }[],
  ): SubsetResults {
    const out: SubsetResults = {};
    for (const p of parts) {
      const requests = Object.values(p.causes).reduce((a: number, n) => a + (n ?? 0), 0);
      if (requests > 0)
        out[p.subset] = resultOf({ requests, statuses: p.statuses, causes: p.causes, histogram: p.histogram });
    }
    return out;
  }

  result(): SubsetResults {
    const out: SubsetResults = {};
    for (const [name, s] of [...this.live].sort(([a], [b]) => a.localeCompare(b))) out[name] = resultOf(s);
    return out;
  }
}

function resultOf(s: Live): SubsetResult {
  const [histogram, latency] = serializedWithSummary(s.histogram);
  return { requests: s.requests, statuses: s.statuses, causes: s.causes, latency, histogram };
}

/** Repeats of one phase → one result per subset (counts added, histograms merged). */
export function mergeSubsetResults(parts: (SubsetResults | undefined)[]): SubsetResults | undefined {
  const present = parts.filter((p): p is SubsetResults => p !== undefined);
  if (present.length === 0) return undefined;
  const names = [...new Set(present.reduce((all: string[], p) => all.concat(Object.keys(p)), []))].sort();
  const out: SubsetResults = {};
  for (const name of names) {
    const each = present.map((p) => p[name]).filter((x): x is SubsetResult => x !== undefined);
    const statuses: Record<string, number> = {};
    const causes: Partial<Record<Cause, number>> = {};
    for (const e of each) {
      addCounts(statuses, e.statuses);
      addCounts(causes, e.causes);
    }
    const histogram = mergeHistograms(each.map((e) => e.histogram));
    out[name] = {
      requests: each.reduce((a, e) => a + e.requests, 0),
      statuses,
      causes,
      latency: summarize(deserializeHistogram(histogram)),
      histogram,
    };
  }
  return out;
}
