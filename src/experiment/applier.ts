/**
 * The Applier (design.md "Contracts"): one interface, two implementations — the local mesh
 * (in memory, src/mesh) and a real cluster (server-side apply, src/cluster). The experiment
 * runner only ever talks to this.
 */
import type { PolicyDoc } from '../policy/model.js';
import type { EffectivePolicy } from '../report/model.js';

/** Identifies one Istio object. */
export interface ObjectKey {
  kind: 'DestinationRule' | 'VirtualService';
  namespace: string;
  name: string;
}

/** What an object looked like before we touched it; `object: null` = it did not exist. */
export interface SnapshotEntry {
  key: ObjectKey;
  object: Record<string, unknown> | null;
}
export interface Snapshot {
  takenAt: string;
  entries: SnapshotEntry[];
}

/** Result of a propagation check: did every proxy (replica) pick the policy up, and when. */
export interface VerifyResult {
  ok: boolean;
  /** ms from apply to the last replica showing the policy */
  elapsedMs: number;
  /** per replica / proxy: name → ok, with a reason when not */
  replicas: { name: string; ok: boolean; reason?: string }[];
  /** the objects as applied (merged into what existed), which the check compared the data plane with */
  effective?: EffectivePolicy[];
}

export interface Applier {
  /** human-readable target description, e.g. "local mesh" or "cluster kind-dev, namespace shop" */
  readonly description: string;
  snapshot(keys: ObjectKey[]): Promise<Snapshot>;
  apply(docs: PolicyDoc[]): Promise<void>;
  /** Put everything back exactly as in the snapshot, then read back and compare. */
  restore(snapshot: Snapshot): Promise<void>;
  /** Wait until the data plane shows the policy (or the timeout passes). */
  verify(docs: PolicyDoc[], options: { timeoutMs: number; signal?: AbortSignal }): Promise<VerifyResult>;
}

export function keyOf(doc: PolicyDoc, defaultNamespace: string): ObjectKey {
  return {
    kind: doc.kind as ObjectKey['kind'],
    namespace: doc.namespace ?? defaultNamespace,
    name: doc.name,
  };
}
