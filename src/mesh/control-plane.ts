/**
 * The local mesh's control plane, as istiod behaves towards one gateway: an object store of
 * Istio objects (in creation order: Istio orders same-host VirtualServices by creation time)
 * and an xDS-like push. Every mutation rebuilds the whole config from the store and swaps it
 * atomically after `pushDelayMs`; clusters the new config replaced are retired (in-flight
 * requests finish under the config they started with).
 */
import { keyString, objectKey, type ObjectKey } from '../ports.js';
import type { ClusterState } from './cluster.js';
import { buildConfig, retiredClusters, type BuildDeps, type MeshConfig } from './config.js';

type Obj = Record<string, unknown>;

export class ControlPlane {
  private readonly store = new Map<string, Obj>();
  private version = 1;
  private current: MeshConfig;
  private updated = new Date().toISOString();
  /** every cluster any config had, so stop() reaches retired ones still draining */
  private readonly everCreated = new Set<ClusterState>();
  /** pushes waiting for their delay: timer → resolve (stop() resolves them without swapping) */
  private readonly pushTimers = new Map<NodeJS.Timeout, () => void>();

  constructor(
    objects: Obj[],
    /** namespace of objects that name none */
    private readonly namespace: string,
    private readonly deps: BuildDeps,
    private readonly pushDelayMs: number,
  ) {
    for (const o of objects) this.upsert(o);
    this.current = this.track(buildConfig([...this.store.values()], this.version, deps, null));
  }

  config(): MeshConfig {
    return this.current;
  }

  /** ISO time of the last swap (the admin's config_dump reports it) */
  updatedAt(): string {
    return this.updated;
  }

  get(key: ObjectKey): Obj | null {
    const o = this.store.get(keyString(key));
    return o ? structuredClone(o) : null;
  }

  list(): Obj[] {
    return [...this.store.values()].map((o) => structuredClone(o));
  }

  /** Upsert; every object is validated before any changes. Resolves when the new config is live. */
  async apply(objects: Obj[]): Promise<void> {
    for (const o of objects) objectKey(o, this.namespace);
    for (const o of objects) this.upsert(o);
    await this.push();
  }

  /**
   * The whole object set, as istiod receives it from its Kubernetes informers (the local
   * Kubernetes API's every change): every object is validated before any changes, the store
   * becomes exactly `objects` in their order (creation order, which orders same-host
   * VirtualServices), and one push follows. Resolves when the new config is live.
   */
  async replace(objects: Obj[]): Promise<void> {
    for (const o of objects) objectKey(o, this.namespace);
    this.store.clear();
    for (const o of objects) this.upsert(o);
    await this.push();
  }

  async delete(keys: ObjectKey[]): Promise<void> {
    for (const k of keys) this.store.delete(keyString(k));
    await this.push();
  }

  /** Resolves waiting pushes without swapping. */
  cancelPushes(): void {
    for (const [t, resolve] of this.pushTimers) {
      clearTimeout(t);
      resolve();
    }
    this.pushTimers.clear();
  }

  /** Stops every cluster any config had (timers, connections). */
  stopClusters(): void {
    for (const c of this.everCreated) c.stop();
  }

  private upsert(o: Obj): void {
    this.store.set(keyString(objectKey(o, this.namespace)), structuredClone(o));
  }

  private track(cfg: MeshConfig): MeshConfig {
    for (const c of cfg.clusters.values()) this.everCreated.add(c);
    return cfg;
  }

  private swap(v: number): void {
    if (v < this.current.version) return;
    const next = this.track(buildConfig([...this.store.values()], v, this.deps, this.current));
    for (const c of retiredClusters(this.current, next)) c.retire();
    this.current = next;
    this.updated = new Date().toISOString();
  }

  /** An xDS-like push: rebuild from the whole store after the push delay. */
  private push(): Promise<void> {
    return new Promise<void>((resolve) => {
      const v = ++this.version;
      if (this.pushDelayMs <= 0) {
        this.swap(v);
        return resolve();
      }
      const t = setTimeout(() => {
        this.pushTimers.delete(t);
        this.swap(v);
        resolve();
      }, this.pushDelayMs);
      this.pushTimers.set(t, resolve);
    });
  }
}
