/** The interval-carrying numbers every analysis result is made of: a leaf, so model.ts and subset-model.ts share one definition. */

/** A ratio k/n with its Wilson 95 % interval. */
export interface RatioStat {
  count: number;
  n: number;
  ratio: number;
  lo: number;
  hi: number;
}

/** Difference of two ratios (policy − baseline) with its Newcombe 95 % interval. */
export interface DiffStat {
  baseline: number;
  policy: number;
  delta: number;
  lo: number;
  hi: number;
}
/** A percentile estimate (ms) with its distribution-free order-statistic 95 % interval. */
export interface PercentileStat {
  p: number;
  value: number;
  lo: number;
  hi: number;
}
