/**
 * Phase order for `repeat: N` (design.md "The flow"): A B, B A, A B, … so a slow drift of
 * the target (warming caches, a neighbour's load) hits both phases equally and cancels out
 * in the pooled statistics. A = baseline, B = policy.
 */
import type { PhaseName } from '../report/model.js';

export function phaseOrder(repeat: number): PhaseName[] {
  const order: PhaseName[] = [];
  for (let i = 0; i < repeat; i++) {
    order.push(...(i % 2 === 0 ? (['baseline', 'policy'] as const) : (['policy', 'baseline'] as const)));
  }
  return order;
}
