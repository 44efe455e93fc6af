/**
 * `loadBalancer.localityLbSetting`: the CRD's shape plus Istio's `ValidateLocalityLbSetting`
 * and `validateLocalities` (pkg/config/validation/agent/validation.go), with their messages and
 * their early returns. The warning about failover without outlier detection is Istio's too.
 */
import type { FieldPath } from './model.js';
import { type Checker, UINT32_MAX } from './fields.js';

const LOCALITY_FIELDS = ['enabled', 'distribute', 'failover', 'failoverPriority'] as const;
const DISTRIBUTE_FIELDS = ['from', 'to'] as const;
const FAILOVER_FIELDS = ['from', 'to'] as const;
/**
 * The topology labels failoverPriority may not name together with failover (`label.LabelTopologyRegion`,
 * `…Zone`, `…Subzone` of pilot/pkg/serviceregistry/util/label; the constants' values not re-read [INF]).
 */
const TOPOLOGY_LABELS = ['topology.kubernetes.io/region', 'topology.kubernetes.io/zone', 'topology.istio.io/subzone'];

export function validateLocality(c: Checker, path: FieldPath, v: unknown, outlier: unknown): void {
  const l = c.object(path, v, LOCALITY_FIELDS);
  if (!l) return;
  c.bool([...path, 'enabled'], l.enabled);
  const distribute = (c.list([...path, 'distribute'], l.distribute) ?? []).map((d, i) =>
    c.object([...path, 'distribute', i], d, DISTRIBUTE_FIELDS),
  );
  const failover = (c.list([...path, 'failover'], l.failover) ?? []).map((f, i) =>
    c.object([...path, 'failover', i], f, FAILOVER_FIELDS),
  );
  const priority = (c.list([...path, 'failoverPriority'], l.failoverPriority) ?? []).map((p, i) =>
    c.string([...path, 'failoverPriority', i], p),
  );
  const str = (p: FieldPath, x: unknown) => c.string(p, x) ?? '';

  if (distribute.length > 0 && failover.length > 0) {
    c.error(path, "can not simultaneously specify 'distribute' and 'failover'");
    return;
  }
  if (failover.length > 0) {
    const topology = priority.find((p) => p !== undefined && TOPOLOGY_LABELS.includes(p));
    if (topology) {
      c.error(
        [...path, 'failoverPriority'],
        `can not simultaneously set 'failover' and topology label '${topology}' in 'failover_priority'`,
      );
      return;
    }
  }
  const sources: string[] = [];
  for (const [i, d] of distribute.entries()) {
    if (!d) continue;
    const at: FieldPath = [...path, 'distribute', i];
    sources.push(str([...at, 'from'], d.from));
    const to = c.object([...at, 'to'], d.to) ?? {};
    let total = 0;
    for (const [loc, w] of Object.entries(to)) {
      const weight = c.integer([...at, 'to', loc], w, 0, UINT32_MAX) ?? 0;
      if (weight <= 0 || weight > 100) {
        c.error([...at, 'to', loc], 'locality weight must be in range [1, 100]');
        return;
      }
      total += weight;
    }
    if (total !== 100) {
      c.error([...at, 'to'], `total locality weight ${total} != 100`);
      return;
    }
    const problem = localitiesProblem(Object.keys(to));
    if (problem) c.error([...at, 'to'], problem);
  }
  const problem = localitiesProblem(sources);
  if (problem) c.error([...path, 'distribute'], problem);
  if ((failover.length > 0 || priority.length > 0) && (outlier === undefined || outlier === null)) {
    c.warn(path, 'outlier detection policy must be provided for failover');
  }
  for (const [i, f] of failover.entries()) {
    if (!f) continue;
    const at: FieldPath = [...path, 'failover', i];
    const from = str([...at, 'from'], f.from);
    const to = str([...at, 'to'], f.to);
    if (from === to) c.error(at, 'locality lb failover settings must specify different regions');
    if (from.includes('/') || to.includes('/')) c.error(at, 'locality lb failover only specify region');
    if (from.includes('*') || to.includes('*'))
      c.error(at, "locality lb failover region should not contain '*' wildcard");
  }
}

/** validateLocalities: `region[/zone[/subzone]]`, one trailing `*` at most, no overlaps. */
function localitiesProblem(localities: string[]): string | undefined {
  type Zones = Map<string, Set<string>>;
  const seen = new Map<string, Zones>();
  for (const locality of localities) {
    const stars = locality.split('*').length - 1;
    if (stars > 1 || (stars === 1 && !locality.endsWith('*'))) {
      return `locality ${locality} wildcard '*' number can not exceed 1 and must be in the end`;
    }
    const overlap = `locality ${locality} overlap with previous specified ones`;
    if (seen.has('*')) return overlap;
    const items = splitN(locality, '/', 3);
    if (items.some((x) => x === '')) return `locality ${locality} must not contain empty region/zone/subzone info`;
    const [region, zone, sub] = items;
    const zones = seen.get(region);
    if (items.length === 1) {
      if (zones) return overlap;
      seen.set(region, new Map([['*', new Set(['*'])]]));
    } else if (items.length === 2) {
      if (zones?.has('*') || zones?.has(zone)) return overlap;
      if (zones) zones.set(zone, new Set(['*']));
      else seen.set(region, new Map([[zone, new Set(['*'])]]));
    } else {
      if (zones?.has('*')) return overlap;
      const subs = zones?.get(zone);
      if (subs?.has('*') || subs?.has(sub)) return overlap;
      if (subs) subs.add(sub);
      else if (zones) zones.set(zone, new Set([sub]));
      else seen.set(region, new Map([[zone, new Set([sub])]]));
    }
  }
  return undefined;
}

/** Go's strings.SplitN(s, sep, n). */
function splitN(s: string, sep: string, n: number): string[] {
  const parts = s.split(sep);
  return parts.length <= n ? parts : [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}
