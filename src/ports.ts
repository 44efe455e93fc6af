/**
 * The ports (design.md "Contracts"): the interfaces the experiment runs through and the
 * targets implement — a real cluster and the local mesh, both through src/cluster — plus the
 * one way to name an Istio object. A leaf: it imports only types from below it, so every
 * layer may import it.
 */
import type { PolicyDoc } from './policy/model.js';

/** Kubernetes' default namespace, for objects that name none. */
export const DEFAULT_NAMESPACE = 'default';

/**
 * The label on everything meshproof writes into a cluster (policies it creates, the k6
 * operator's ConfigMap and TestRun): which run it belongs to, so a restore deletes only its own
 * (design.md "Safety rules": label what we apply). Selectable: `kubectl get dr -l meshproof.io/run-id`.
 */
export const RUN_ID_LABEL = 'meshproof.io/run-id';

/** Label values are ≤ 63 characters of [A-Za-z0-9._-], starting and ending alphanumeric. */
export function labelValue(text: string): string {
  const v = text.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 63);
  return v.replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9]+$/, '');
}

/** Identifies one Istio object. */
export interface ObjectKey {
  kind: 'DestinationRule' | 'VirtualService';
  namespace: string;
  name: string;
}

/** The key of a loaded policy document. */
export function keyOf(doc: PolicyDoc, defaultNamespace: string): ObjectKey {
  return {
    kind: doc.kind as ObjectKey['kind'],
    namespace: doc.namespace ?? defaultNamespace,
    name: doc.name,
  };
}

/** The key of a plain object; throws naming the field when it lacks kind or metadata.name. */
export function objectKey(o: Record<string, unknown>, defaultNamespace: string): ObjectKey {
  const meta = (o.metadata ?? {}) as { name?: unknown; namespace?: unknown };
  if (o.kind !== 'DestinationRule' && o.kind !== 'VirtualService') {
    throw new Error(`kind: expected DestinationRule or VirtualService, got ${JSON.stringify(o.kind)}`);
  }
  if (typeof meta.name !== 'string' || meta.name === '')
    throw new Error(`metadata.name: expected a name for ${o.kind}`);
  const namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : defaultNamespace;
  return { kind: o.kind, namespace, name: meta.name };
}

/** "DestinationRule default/productpage" — how keys appear in messages and the journal. */
export function keyText(k: ObjectKey): string {
  return `${k.kind} ${k.namespace}/${k.name}`;
}

/** A map key: equal for equal object keys. */
export function keyString(k: ObjectKey): string {
  return `${k.kind}/${k.namespace}/${k.name}`;
}

export function sameKey(a: ObjectKey, b: ObjectKey): boolean {
  return keyString(a) === keyString(b);
}

/** The keys in order of first appearance, each once (the last one given wins). */
export function uniqueKeys(keys: ObjectKey[]): ObjectKey[] {
  const seen = new Map<string, ObjectKey>();
  for (const k of keys) seen.set(keyString(k), k);
  return [...seen.values()];
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

/**
 * A policy object as the target holds it after the apply: the files' spec merged into what
 * existed, as server-side apply merges (issue 13 item 6) — which is what the gateway was checked against.
 */
export interface EffectivePolicy {
  kind: string;
  namespace: string;
  name: string;
  /** the spec after the merge */
  spec: unknown;
  /** spec fields the policy files did not set, kept from the object that existed (dotted paths) */
  kept: string[];
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

/** The Applier: one interface; the product's one implementation is the cluster's server-side apply (the local mesh serves the Kubernetes API it needs); tests bring fakes. */
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

/** Optional gateway counter source (Envoy `/stats` of every gateway replica, summed). */
export interface CounterSource {
  /**
   * `opensDelta`: this reading is the first of a delta (a phase slot's "before"), so a replica
   * restart since the previous reading spoils no delta — both ends come from the new Envoy; the
   * source tells `note` instead of failing the read.
   */
  read(opts?: { opensDelta?: boolean; note?: (line: string) => void }): Promise<Record<string, number>>;
}

/**
 * Where the target's parts run (report.json `topology`, with the engine's placement): the
 * local mesh's gateway in meshproof's own process, or a cluster's; the upstream pods in the
 * gateway's thread, a thread of their own, or a cluster.
 */
export interface TargetTopology {
  mesh: 'in-process' | 'cluster';
  pods: 'in-process' | 'worker-thread' | 'cluster';
}

/** What an experiment runs against, opened and closed by the session (local mesh or cluster). */
export interface OpenTarget {
  applier: Applier;
  target: { url: string; host?: string; kind: 'local' | 'cluster' };
  topology: TargetTopology;
  /** namespace for policy objects that name none (the applier keys them the same way) */
  namespace: string;
  counters?: CounterSource;
  /** run id the applier labels and journals with (cluster); the report uses the same */
  runId?: string;
  close(): Promise<void>;
}
