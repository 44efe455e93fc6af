/** Count maps (status → n, cause → n): one way to add to them, for recorders, merges and progress. */

/** Adds `n` to a count map entry. */
export function addCount<K extends string>(map: Partial<Record<K, number>>, key: K, n = 1): void {
  map[key] = (map[key] ?? 0) + n;
}

/** Adds every entry of `from` into `into`. */
export function addCounts<K extends string>(into: Partial<Record<K, number>>, from: Partial<Record<K, number>>): void {
  for (const [k, n] of Object.entries(from) as [K, number | undefined][]) addCount(into, k, n ?? 0);
}
