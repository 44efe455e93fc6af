/** Per-subset numbers of a phase and the split check (issue 16), as every report format carries them. */
import type { Cause } from '../load/classify.js';
import type { PercentileStat, RatioStat } from './stat-types.js';

export interface SubsetStats {
  /** subset name; "-" = responses no subset was read from */
  subset: string;
  requests: number;
  /** share of the phase's requests, with its Wilson interval */
  share: RatioStat;
  /** failed share within the subset (http_req_failed{subset:…}) */
  failed: RatioStat;
  statuses: Record<string, number>;
  causes: Partial<Record<Cause, number>>;
  /** p50, p90, p95, p99 with order-statistic intervals */
  percentiles: Record<string, PercentileStat>;
}

/** The observed split of a phase against the weights the policy declares for one route. */
export interface SplitCheck {
  route: string;
  /** declared weight as a share (0–1), observed count and share with a simultaneous interval, per subset */
  subsets: {
    subset: string;
    declared: number;
    count: number;
    share: number;
    lo: number;
    hi: number;
    inside: boolean;
  }[];
  /** requests attributed to one of the route's subsets */
  n: number;
  test: 'chi-square';
  statistic: number;
  df: number;
  pValue: number;
  /** the smallest expected count (Cochran's rule wants ≥ 5 for the chi-square approximation) */
  minExpected: number;
}
