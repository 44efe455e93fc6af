/**
 * The object store behind the local Kubernetes API: Istio objects keyed by resource,
 * namespace and name, with the metadata the server owns — `resourceVersion` (one counter for
 * every write, as etcd's revision), `uid`, `generation` (bumped when `spec` changes),
 * `creationTimestamp`, `managedFields` (managed-fields.ts) — and the writes kube-apiserver makes:
 * create, update (PUT and merge/JSON patch), server-side apply, delete, status. Every stored
 * change is handed to the listeners (watch.ts, and the composition layer's push to the mesh).
 * Nothing persists: a restart starts empty.
 */
import { randomUUID } from 'node:crypto';
import { clone, deepEqual, stripServerFields, type Obj } from './fields.js';
import { decodeLiveOrNew, now, recordApply, recordUpdate, type Entry } from './managed-fields.js';
import { applyConflict, ISTIO_GROUP, staleConflict, type Status } from './status.js';
import { RESOURCES, pluralOf } from './resources.js';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';
export interface StoreChange {
  type: ChangeType;
  plural: string;
  /** the object as stored after the change (for DELETED: as it was, with the deletion's resourceVersion) */
  object: Obj;
  /** MODIFIED: the object as stored before (the watch cache's PrevObject, for filtered watches) */
  prev?: Obj;
}

export class ObjectStore {
  private readonly objects = new Map<string, Obj>();
  private rv: number;
  private readonly listeners: ((c: StoreChange) => void)[] = [];

  constructor(firstResourceVersion = 1000) {
    this.rv = firstResourceVersion;
  }

  /** the newest resourceVersion handed out (a list's metadata.resourceVersion) */
  resourceVersion(): string {
    return String(this.rv);
  }

  onChange(listener: (c: StoreChange) => void): void {
    this.listeners.push(listener);
  }

  get(plural: string, namespace: string, name: string): Obj | undefined {
    return clone(this.objects.get(key(plural, namespace, name)));
  }

  /** every stored object of a resource, in one namespace or all (undefined) */
  list(plural: string, namespace?: string): Obj[] {
    const prefix = namespace === undefined ? `${plural}/` : `${plural}/${namespace}/`;
    return [...this.objects.entries()].filter(([k]) => k.startsWith(prefix)).map(([, o]) => clone(o));
  }

  /** every stored Istio object, in creation order */
  all(): Obj[] {
    return [...this.objects.values()].map(clone);
  }

  /** stores an object as `kubectl create` would, by `manager` */
  seed(object: Obj, manager = 'kubectl-create'): Obj {
    const plural = pluralOf(object.kind);
    return this.create(object, plural, object.metadata?.namespace ?? 'default', manager, false);
  }

  create(body: Obj, plural: string, namespace: string, manager: string, dryRun: boolean): Obj {
    const managed = recordUpdate(
      decodeLiveOrNew(undefined, body.metadata?.managedFields),
      undefined,
      body,
      manager,
      body.apiVersion,
    );
    return this.commit(plural, namespace, undefined, body, managed, dryRun);
  }

  /** PUT / merge patch / JSON patch: an Update by `manager` (fieldmanager.go Update). */
  update(prev: Obj, next: Obj, plural: string, manager: string, version: string, dryRun: boolean): Obj {
    // Istio's CRDs enable the status subresource, so a write to the main resource cannot set
    // status: the old one is kept (apiextensions-apiserver customresource strategy.go
    // PrepareForUpdate, as every built-in strategy's "update is not allowed to set status";
    // the CRD strategy's own text was not read)
    next = { ...next };
    if (prev.status !== undefined) next.status = clone(prev.status);
    else delete next.status;
    const managed = recordUpdate(
      decodeLiveOrNew(prev.metadata.managedFields, next.metadata?.managedFields),
      prev,
      next,
      manager,
      `${ISTIO_GROUP}/${version}`,
    );
    return this.commit(plural, prev.metadata.namespace, prev, next, managed, dryRun);
  }

  /**
   * Server-side apply after the request checks (apply.ts): SMD Updater.Apply's conflicts (409,
   * conflict.go NewConflictError), then a stale metadata.resourceVersion (409).
   */
  apply(
    prev: Obj | undefined,
    applied: Obj,
    plural: string,
    namespace: string,
    version: string,
    manager: string,
    force: boolean,
    dryRun: boolean,
  ): Obj | Status {
    const result = recordApply(prev?.metadata.managedFields ?? [], prev, applied, manager, force);
    if ('conflicts' in result) return applyConflict(result.conflicts);
    // the merged object keeps the patch's resourceVersion, which the registry store then
    // compares (store.go Update): a stale one fails after the field manager's own checks
    const sentRv = applied.metadata?.resourceVersion;
    if (sentRv !== undefined && sentRv !== prev?.metadata.resourceVersion)
      return staleConflict(`${plural}.${ISTIO_GROUP}`, applied.metadata.name);
    result.object.apiVersion = `${ISTIO_GROUP}/${version}`;
    result.object.kind = RESOURCES[plural].kind;
    result.object.metadata = {
      ...(prev?.metadata ?? {}),
      ...(result.object.metadata ?? {}),
      name: applied.metadata.name,
    };
    return this.commit(plural, namespace, prev, result.object, result.managed, dryRun);
  }

  /** Removes a stored object; the deletion takes a resourceVersion of its own (etcd's revision). */
  remove(plural: string, namespace: string, name: string, dryRun: boolean): void {
    const k = key(plural, namespace, name);
    const prev = this.objects.get(k);
    if (!prev || dryRun) return;
    this.objects.delete(k);
    const gone = clone(prev);
    gone.metadata.resourceVersion = this.nextRv();
    this.emit({ type: 'DELETED', plural, object: gone });
  }

  /**
   * A write to the `status` subresource, as istiod's status controller makes (PILOT_ENABLE_STATUS):
   * `status` replaced, the manager's entry recorded with `subresource: status` (fieldmanager
   * keeps subresource managers apart — ManagedFieldsEntry.subresource), a new
   * resourceVersion, spec and generation untouched. The entry's fieldsV1 is the status map's
   * own keys with a "." marker; not captured from a real server.
   */
  writeStatus(plural: string, namespace: string, name: string, newStatus: Obj, manager = 'pilot-discovery'): Obj {
    const k = key(plural, namespace, name);
    const before = this.objects.get(k);
    const obj = clone(before);
    if (!obj) throw new Error(`kube-api: no ${k}`);
    obj.status = clone(newStatus);
    const own = {
      manager,
      operation: 'Update',
      apiVersion: obj.apiVersion,
      time: now(),
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:status': { '.': {}, ...Object.fromEntries(Object.keys(newStatus).map((x) => [`f:${x}`, {}])) } },
      subresource: 'status',
    };
    obj.metadata.managedFields = [
      ...(obj.metadata.managedFields as Entry[]).filter((e) => !(e.manager === manager && e.subresource === 'status')),
      own,
    ];
    obj.metadata.resourceVersion = this.nextRv();
    this.objects.set(k, obj);
    this.emit({ type: 'MODIFIED', plural, object: obj, prev: before });
    return clone(obj);
  }

  private nextRv(): string {
    this.rv += 1;
    return String(this.rv);
  }

  private emit(change: StoreChange): void {
    for (const l of this.listeners)
      l({ ...change, object: clone(change.object), ...(change.prev ? { prev: clone(change.prev) } : {}) });
  }

  /**
   * Stores `next` (with `managed` as its managedFields) over `prev`; server-owned metadata is
   * the server's. Like etcd3's GuaranteedUpdate, an unchanged object is not written and keeps
   * its resourceVersion; a dry run computes the answer, keeps the stored resourceVersion and
   * mints none on create (handlers' dryRun: the registry stops before storage).
   */
  private commit(
    plural: string,
    namespace: string,
    prev: Obj | undefined,
    next: Obj,
    managed: Entry[],
    dryRun: boolean,
  ): Obj {
    const obj = clone(next);
    obj.metadata = { ...(obj.metadata ?? {}), namespace };
    stripServerFields(obj.metadata);
    // ObjectMeta's labels/annotations are `omitempty`: an empty map is not stored
    for (const f of ['labels', 'annotations'])
      if (obj.metadata[f] && Object.keys(obj.metadata[f]).length === 0) delete obj.metadata[f];
    if (prev) {
      for (const f of ['uid', 'creationTimestamp', 'generation', 'resourceVersion'] as const)
        obj.metadata[f] = prev.metadata[f];
      if (!deepEqual(prev.spec, obj.spec)) obj.metadata.generation = prev.metadata.generation + 1;
    } else Object.assign(obj.metadata, { creationTimestamp: now(), generation: 1, uid: randomUUID() });
    obj.metadata.managedFields = managed;
    const changed =
      !prev ||
      !deepEqual(
        { ...prev, metadata: { ...prev.metadata, resourceVersion: 0 } },
        { ...obj, metadata: { ...obj.metadata, resourceVersion: 0 } },
      );
    if (changed && !dryRun) {
      obj.metadata.resourceVersion = this.nextRv();
      this.objects.set(key(plural, namespace, obj.metadata.name), obj);
      this.emit(prev ? { type: 'MODIFIED', plural, object: obj, prev } : { type: 'ADDED', plural, object: obj });
    }
    if (dryRun && !prev) delete obj.metadata.resourceVersion;
    return clone(obj);
  }
}

function key(plural: string, namespace: string, name: string): string {
  return `${plural}/${namespace}/${name}`;
}
