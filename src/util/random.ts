/**
 * Seedable randomness. Every random choice in meshproof (fault draws, pod latency, error
 * injection, retry backoff jitter) comes from a `Rng` built from a seed, so a failing
 * test or a surprising run can be replayed exactly.
 */
export interface Rng {
  /** uniform in [0, 1) */
  next(): number;
  /** uniform integer in [0, n) */
  int(n: number): number;
  /** standard normal N(0, 1) */
  normal(): number;
  /** an independent stream derived from this one (e.g. one per pod) */
  fork(label: string): Rng;
  /**
   * The seed of the stream `fork(label)` would return (it draws as `fork` does): for a stream
   * rebuilt in another thread with `createRng(seed)`.
   */
  forkSeed(label: string): number;
}

/**
 * The largest seed: the generator's state is 32 bits (`seed >>> 0` below), so larger seeds
 * (and 1e300) would silently collide with small ones.
 */
export const MAX_SEED = 2 ** 32 - 1;

/** mulberry32: tiny, fast, good enough statistically for load simulation; 32-bit state. */
export function createRng(seed: number | string = 1): Rng {
  let a = typeof seed === 'number' ? seed >>> 0 : hashString(seed);
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let spare: number | undefined;
  const forkSeed = (label: string) => (hashString(label) ^ Math.floor(next() * 4294967296)) >>> 0;
  return {
    next,
    int: (n) => Math.floor(next() * n),
    normal() {
      if (spare !== undefined) {
        const v = spare;
        spare = undefined;
        return v;
      }
      // Box–Muller; 1 - next() avoids log(0)
      const u = 1 - next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    fork: (label) => createRng(forkSeed(label)),
    forkSeed,
  };
}

/** FNV-1a 32-bit: turns a string seed or label into a number. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Default seed when the user gives none: fixed, so two runs of the same scenario match. */
export const DEFAULT_SEED = 42;
