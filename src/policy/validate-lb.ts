/**
 * `trafficPolicy.loadBalancer` (top level, port level, subset; istio-envoy-semantics.md §3.4,
 * §7.2): the CRD schema (the `simple` enum, `simple` / `consistentHash` one-of, hash-key one-of,
 * ranges, CEL duration rules) plus Istio's `validateLoadBalancer` (pkg/config/validation/
 * validation.go): cookie name, deprecated `minimumRingSize`, Maglev table size, warmup;
 * `localityLbSetting`: validate-locality.ts (`ValidateLocalityLbSetting`).
 */
import type { FieldPath } from './model.js';
import type { Checker } from './fields.js';
import { validateLocality } from './validate-locality.js';

/** CRD enum; LEAST_CONN is the deprecated alias istiod translates to LEAST_REQUEST. */
export const LB_SIMPLE = [
  'UNSPECIFIED',
  'LEAST_CONN',
  'RANDOM',
  'PASSTHROUGH',
  'ROUND_ROBIN',
  'LEAST_REQUEST',
] as const;
const LB_FIELDS = ['simple', 'consistentHash', 'localityLbSetting', 'warmupDurationSecs', 'warmup'] as const;
const HASH_KEYS = ['httpHeaderName', 'httpCookie', 'useSourceIp', 'httpQueryParameterName'] as const;
const HASH_FIELDS = [...HASH_KEYS, 'ringHash', 'maglev', 'minimumRingSize'] as const;
const COOKIE_FIELDS = ['name', 'path', 'ttl', 'attributes'] as const;
const WARMUP_FIELDS = ['duration', 'minimumPercent', 'aggression'] as const;
/** Envoy's Maglev limit (Istio: "tableSize must be less than 5000011 for maglev"). */
const MAGLEV_TABLE_LIMIT = 5_000_011;

const set = (o: Record<string, unknown>, k: string) => o[k] !== undefined && o[k] !== null;

/** `outlier`: the same traffic policy's outlierDetection (ValidateLocalityLbSetting warns without it). */
export function validateLoadBalancer(c: Checker, path: FieldPath, v: unknown, outlier: unknown): void {
  const lb = c.object(path, v, LB_FIELDS);
  if (!lb) return;
  const at = (f: string): FieldPath => [...path, f];
  c.oneOf(at('simple'), lb.simple, LB_SIMPLE);
  if (set(lb, 'simple') && set(lb, 'consistentHash')) c.error(path, 'only one of simple, consistentHash may be set');
  consistentHash(c, at('consistentHash'), lb.consistentHash);
  validateLocality(c, at('localityLbSetting'), lb.localityLbSetting, outlier);
  c.duration(at('warmupDurationSecs'), lb.warmupDurationSecs);
  const warm = c.object(at('warmup'), lb.warmup, WARMUP_FIELDS);
  if (warm) {
    if (!set(warm, 'duration')) c.error(at('warmup'), 'duration is required');
    c.duration([...at('warmup'), 'duration'], warm.duration);
    const min = c.number([...at('warmup'), 'minimumPercent'], warm.minimumPercent);
    if (min !== undefined && (min < 0 || min > 100))
      c.error([...at('warmup'), 'minimumPercent'], 'minimumPercent value should be less than or equal to 100');
    const aggression = c.number([...at('warmup'), 'aggression'], warm.aggression);
    if (aggression !== undefined && aggression < 1)
      c.error([...at('warmup'), 'aggression'], 'aggression should be greater than or equal to 1');
  }
}

function consistentHash(c: Checker, path: FieldPath, v: unknown): void {
  const h = c.object(path, v, HASH_FIELDS);
  if (!h) return;
  const at = (f: string): FieldPath => [...path, f];
  const keys = HASH_KEYS.filter((k) => set(h, k));
  if (keys.length > 1) c.error(path, `only one of ${HASH_KEYS.join(', ')} may be set, got ${keys.join(' and ')}`);
  c.string(at('httpHeaderName'), h.httpHeaderName);
  c.string(at('httpQueryParameterName'), h.httpQueryParameterName);
  c.bool(at('useSourceIp'), h.useSourceIp);
  const cookie = c.object(at('httpCookie'), h.httpCookie, COOKIE_FIELDS);
  if (cookie) {
    const name = c.string([...at('httpCookie'), 'name'], cookie.name);
    if (!name) c.error([...at('httpCookie'), 'name'], 'name required for HttpCookie');
    c.string([...at('httpCookie'), 'path'], cookie.path);
    c.string([...at('httpCookie'), 'ttl'], cookie.ttl); // Istio does not ValidateDuration it
  }
  if (set(h, 'ringHash') && set(h, 'maglev')) c.error(path, 'only one of ringHash, maglev may be set');
  const ring = c.object(at('ringHash'), h.ringHash, ['minimumRingSize']);
  if (ring) c.integer([...at('ringHash'), 'minimumRingSize'], ring.minimumRingSize, 0, Number.MAX_SAFE_INTEGER);
  const legacy = c.integer(at('minimumRingSize'), h.minimumRingSize, 0, Number.MAX_SAFE_INTEGER);
  if (legacy) {
    c.warn(
      at('minimumRingSize'),
      "consistent hash MinimumRingSize is deprecated, use ConsistentHashLB's RingHash configuration instead",
    );
    if (set(h, 'ringHash') || set(h, 'maglev'))
      c.error(at('minimumRingSize'), 'only one of MinimumRingSize or Maglev/Ringhash can be specified');
  }
  const maglev = c.object(at('maglev'), h.maglev, ['tableSize']);
  if (maglev) {
    const size = c.integer([...at('maglev'), 'tableSize'], maglev.tableSize ?? 0, 0, Number.MAX_SAFE_INTEGER);
    if (size !== undefined) {
      const where: FieldPath = [...at('maglev'), 'tableSize'];
      if (size === 0) c.error(where, 'tableSize must be set for maglev');
      if (size >= MAGLEV_TABLE_LIMIT) c.error(where, `tableSize must be less than ${MAGLEV_TABLE_LIMIT} for maglev`);
      if (!isPrime(size)) c.error(where, 'tableSize must be a prime number for maglev');
    }
  }
}

/** Istio's copy of Envoy's `isPrime` (utility.cc): 0 is not prime, 1–3 are. */
function isPrime(x: number): boolean {
  if (x !== 0 && x < 4) return true;
  if (x % 2 === 0) return false;
  for (let f = 3; f * f <= x; f += 2) if (x % f === 0) return false;
  return true;
}
