/**
 * The one place plain policy objects (parsed YAML, objects read back from an API server) become
 * typed Istio objects: split by `kind`, so translation (src/translate/) is typed on
 * DestinationRule / VirtualService and casts nothing. A DestinationRule without `spec.host`
 * names no service and is left out, as translation always left it out; the field-level types
 * are what validate-dr.ts / validate-vs.ts check, not this split.
 */
import type { DestinationRule, VirtualService } from './types.js';
import { isPlainObject } from './yaml-reader.js';

export interface IstioPolicies {
  drs: DestinationRule[];
  vss: VirtualService[];
}

function isDestinationRule(o: unknown): o is DestinationRule {
  return (
    isPlainObject(o) &&
    o.kind === 'DestinationRule' &&
    isPlainObject(o.spec) &&
    typeof o.spec.host === 'string' &&
    o.spec.host !== ''
  );
}

function isVirtualService(o: unknown): o is VirtualService {
  return isPlainObject(o) && o.kind === 'VirtualService';
}

/** DestinationRules and VirtualServices among `objects`, in list order (≙ creation time); other kinds dropped. */
export function byKind(objects: readonly unknown[]): IstioPolicies {
  return { drs: objects.filter(isDestinationRule), vss: objects.filter(isVirtualService) };
}
