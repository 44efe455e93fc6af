/**
 * The Applier for the local mesh (design.md "Contracts"): snapshot, apply and restore through
 * the mesh's object store, and verify the way a real gateway is verified — by reading the
 * mesh's Envoy-format `/config_dump` over HTTP until it shows the policy, with the cluster
 * module's own propagation check (src/translate/propagation.ts), so both paths are one code.
 * A policy is merged into an object that already exists, as server-side apply merges it on a
 * cluster (apply-merge.ts), and verify compares the gateway with the merged object.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Applier, ObjectKey, Snapshot, VerifyResult } from '../ports.js';
import type { LocalMesh } from '../mesh/index.js';
import type { PolicyDoc } from '../policy/model.js';
import { InfraError } from '../errors.js';
import { expectedConfig } from '../translate/config-dump.js';
import { waitForPropagation } from '../translate/propagation.js';
import { applyMerge, effectivePolicy } from '../policy/apply-merge.js';
import { keyOf } from '../ports.js';

/** The local gateway answers in microseconds; poll its config_dump often so verify adds no visible wait. */
export const LOCAL_POLL_MS = 10;
/** The one gateway replica of the local mesh, as the propagation result names it. */
export const LOCAL_REPLICA = 'local-gateway';

type Mesh = Pick<LocalMesh, 'adminUrl' | 'app' | 'getObject' | 'applyPolicies' | 'deleteObjects' | 'proxyRule'>;

export class LocalApplier implements Applier {
  /**
   * names the emulated proxy's version-dependent rule, so every report says which one ran
   * (§3.2), and the gateway's workers and client network when given (local-gateway.ts)
   */
  readonly description: string;

  constructor(
    private readonly mesh: Mesh,
    gateway?: string,
  ) {
    this.description = `local mesh${gateway ? ` · ${gateway}` : ''}, ${mesh.proxyRule}`;
  }

  async snapshot(keys: ObjectKey[]): Promise<Snapshot> {
    return {
      takenAt: new Date().toISOString(),
      entries: keys.map((key) => ({ key, object: this.mesh.getObject(key) })),
    };
  }

  /** Each policy merged into the object that exists (one write per object, in order: a later doc merges over an earlier). */
  async apply(docs: PolicyDoc[]): Promise<void> {
    const merged = new Map<string, Record<string, unknown>>();
    for (const doc of docs) {
      const key = this.keyOf(doc);
      const id = `${key.kind}/${key.namespace}/${key.name}`;
      merged.set(id, applyMerge(merged.get(id) ?? this.mesh.getObject(key), doc.object));
    }
    await this.mesh.applyPolicies([...merged.values()]);
  }

  /** Existing objects are written back in place (keeping store order), absent ones deleted; then read back. */
  async restore(snapshot: Snapshot): Promise<void> {
    const existed = snapshot.entries.filter((e) => e.object !== null).map((e) => e.object!);
    const absent = snapshot.entries.filter((e) => e.object === null).map((e) => e.key);
    if (existed.length) await this.mesh.applyPolicies(existed);
    if (absent.length) await this.mesh.deleteObjects(absent);
    const wrong = snapshot.entries.filter((e) => !isDeepStrictEqual(this.mesh.getObject(e.key), e.object));
    if (wrong.length)
      throw new InfraError(
        `local mesh restore did not take: ${wrong.map((e) => `${e.key.kind} ${e.key.namespace}/${e.key.name}`).join(', ')}`,
      );
  }

  /** The gateway is compared with the objects as stored — merged — not with the files alone. */
  async verify(docs: PolicyDoc[], options: { timeoutMs: number; signal?: AbortSignal }): Promise<VerifyResult> {
    const stored = docs
      .map((d) => ({ doc: d, key: this.keyOf(d) }))
      .map(({ doc, key }) => ({ doc, key, object: this.mesh.getObject(key) ?? doc.object }));
    const result = await waitForPropagation({
      replicas: [LOCAL_REPLICA],
      readConfigDump: () => this.readConfigDump(),
      expected: expectedConfig(
        stored.map((s) => s.object),
        this.mesh.app.service.namespace,
      ),
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      pollMs: LOCAL_POLL_MS,
    });
    return { ...result, effective: stored.map((s) => effectivePolicy(s.doc, s.object, s.key.namespace)) };
  }

  private keyOf(doc: PolicyDoc): ObjectKey {
    return keyOf(doc, this.mesh.app.service.namespace);
  }

  private async readConfigDump(): Promise<unknown> {
    const res = await fetch(`${this.mesh.adminUrl}/config_dump`);
    if (!res.ok) throw new Error(`GET /config_dump: HTTP ${res.status}`);
    return res.json();
  }
}
