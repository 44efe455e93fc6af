/** The vocabulary of `meshproof diff`: tolerances, change kinds and one change (src/report/diff.ts decides them). */
export interface DiffTolerance {
  /** shares and effects on shares, as a fraction (0.02 = 2 pp) */
  ratio: number;
  /** absolute percentiles, ms */
  ms: number;
  /** latency effects: policy ÷ baseline ratios */
  latencyRatio: number;
  /** effects: a fraction of the old effect's size (distance from neutral) it must also move by */
  effect: number;
}

export type DiffMode = 'effects' | 'absolute';
export type ChangeKind = 'regression' | 'improvement' | 'change' | 'unchanged';

export interface Change {
  kind: ChangeKind;
  /** "overflow share", "p95 latency", "gate policy cause_overflow rate>=0.3", "policy p95" (absolute) */
  what: string;
  old: string;
  new: string;
  change: string;
  /** why it is classed as it is, in words a pipeline log can show */
  why: string;
}
