/**
 * The Istio objects meshproof touches, through `@kubernetes/client-node` 1.4's
 * CustomObjectsApi (object-style parameters). Discovery first (ecosystem.md "Kubernetes"):
 * `/apis/networking.istio.io` says which versions the cluster serves, and doubles as the
 * reachability check. Every failure comes back as a MeshproofError naming verb, resource and
 * namespace (errors.ts).
 */
import type { CustomObjectsApi } from '@kubernetes/client-node';
import type { ObjectKey } from '../ports.js';
import { ISTIO_VERSIONS } from '../policy/model.js';
import { InfraError } from '../errors.js';
import type { Connection } from './kubeconfig.js';
import { explainApiError, httpCode, statusMessage, type CallContext } from './errors.js';
import { FIELD_MANAGER, ISTIO_GROUP, PLURALS } from './resources.js';
import { apiClient } from './api-client.js';

type Obj = Record<string, unknown>;

export class IstioApi {
  private readonly api: CustomObjectsApi;
  private served: string[] | undefined;
  private preferred = 'v1';
  /** per served version, the plurals it lists (GET /apis/networking.istio.io/VERSION) */
  private readonly resources = new Map<string, Promise<string[]>>();

  constructor(readonly conn: Connection) {
    this.api = apiClient(conn, conn.k8s.CustomObjectsApi);
  }

  /** Which networking.istio.io versions are served; InfraError when none or unreachable. */
  async discover(): Promise<string> {
    if (this.served) return this.preferred;
    let groups;
    try {
      groups = await apiClient(this.conn, this.conn.k8s.ApisApi).getAPIVersions();
    } catch (err) {
      throw explainApiError(err, { verb: 'get', resource: 'API groups (/apis)', server: this.conn.server });
    }
    const istio = groups.groups.find((g) => g.name === ISTIO_GROUP);
    if (!istio)
      throw new InfraError(`the cluster at ${this.conn.server} does not serve ${ISTIO_GROUP}: is Istio installed?`);
    this.served = istio.versions.map((v) => v.version);
    this.preferred = istio.preferredVersion?.version ?? this.served[0];
    return this.preferred;
  }

  /**
   * The version to talk to a resource in (issue 11 item 4): the object's own when the cluster
   * serves it for that resource, else the preferred version, else any served version that
   * lists the resource. Istio before 1.22 serves no v1; DestinationRule and VirtualService
   * have the same fields in v1alpha3, v1beta1 and v1, so a body is re-labelled, not converted.
   */
  async versionFor(kind: ObjectKey['kind'], apiVersion?: string): Promise<string> {
    await this.discover();
    const own = apiVersion?.split('/')[1];
    const candidates = [own, this.preferred, ...(this.served ?? [])].filter(
      (v): v is string => Boolean(v) && this.served!.includes(v!) && (ISTIO_VERSIONS as readonly string[]).includes(v!),
    );
    for (const v of candidates) if ((await this.resourcesOf(v)).includes(PLURALS[kind])) return v;
    throw new InfraError(
      `the cluster at ${this.conn.server} serves ${ISTIO_GROUP} ${this.served!.join(', ')} but none of them lists ${PLURALS[kind]}: is Istio installed completely?`,
    );
  }

  private resourcesOf(version: string): Promise<string[]> {
    let p = this.resources.get(version);
    if (!p) {
      p = this.api.getAPIResources({ group: ISTIO_GROUP, version }).then(
        (list) => list.resources.map((r) => r.name),
        (err) => {
          this.resources.delete(version);
          throw explainApiError(err, {
            verb: 'get',
            resource: `API resources (/apis/${ISTIO_GROUP}/${version})`,
            server: this.conn.server,
          });
        },
      );
      this.resources.set(version, p);
    }
    return p;
  }

  /** The body as the chosen version: same fields, that version's apiVersion. */
  private async versioned(key: ObjectKey, body: Obj): Promise<{ version: string; body: Obj }> {
    const version = await this.versionFor(key.kind, body.apiVersion as string | undefined);
    return { version, body: { ...body, apiVersion: `${ISTIO_GROUP}/${version}` } };
  }

  /** The object, or null when it does not exist (404). */
  async get(key: ObjectKey): Promise<Obj | null> {
    const version = await this.versionFor(key.kind);
    try {
      return (await this.api.getNamespacedCustomObject(this.params(key, version))) as Obj;
    } catch (err) {
      if (httpCode(err) === 404) return null;
      throw this.explain(err, 'get', key);
    }
  }

  /** Server-side apply (`fieldManager: meshproof`, force); `dryRun` asks the server to only validate. */
  async apply(key: ObjectKey, doc: Obj, opts: { dryRun: boolean; source?: string }): Promise<Obj> {
    const { version, body } = await this.versioned(key, doc);
    try {
      return (await this.api.patchNamespacedCustomObject(
        {
          ...this.params(key, version),
          body,
          fieldManager: FIELD_MANAGER,
          force: true,
          dryRun: opts.dryRun ? 'All' : undefined,
        },
        // the generated default is JSON Patch; server-side apply needs its own content type
        this.conn.k8s.setHeaderOptions('Content-Type', this.conn.k8s.PatchStrategy.ServerSideApply),
      )) as Obj;
    } catch (err) {
      throw this.explain(err, 'patch', key, opts.source);
    }
  }

  async create(key: ObjectKey, doc: Obj): Promise<Obj> {
    const { version, body } = await this.versioned(key, doc);
    const { name: _n, ...p } = this.params(key, version);
    try {
      return (await this.api.createNamespacedCustomObject({ ...p, body, fieldManager: FIELD_MANAGER })) as Obj;
    } catch (err) {
      throw this.explain(err, 'create', key);
    }
  }

  /** PUT; `body.metadata.resourceVersion` makes it conditional (409 when stale). */
  async replace(key: ObjectKey, doc: Obj): Promise<Obj> {
    const { version, body } = await this.versioned(key, doc);
    try {
      return (await this.api.replaceNamespacedCustomObject({
        ...this.params(key, version),
        body,
        fieldManager: FIELD_MANAGER,
      })) as Obj;
    } catch (err) {
      throw this.explain(err, 'update', key);
    }
  }

  /**
   * DELETE; an object already gone counts as deleted. With `resourceVersion` the delete is
   * conditional (DeleteOptions.preconditions): 409 when someone wrote since that read.
   */
  async delete(key: ObjectKey, resourceVersion?: string): Promise<void> {
    const version = await this.versionFor(key.kind);
    try {
      await this.api.deleteNamespacedCustomObject({
        ...this.params(key, version),
        body: resourceVersion ? { preconditions: { resourceVersion } } : undefined,
      });
    } catch (err) {
      if (httpCode(err) === 404) return;
      throw this.explain(err, 'delete', key);
    }
  }

  private params(key: ObjectKey, version: string) {
    return { group: ISTIO_GROUP, version, namespace: key.namespace, plural: PLURALS[key.kind], name: key.name };
  }

  private explain(err: unknown, verb: string, key: ObjectKey, source?: string) {
    const c: CallContext = {
      verb,
      resource: `${PLURALS[key.kind]}.${ISTIO_GROUP}`,
      namespace: key.namespace,
      name: key.name,
      server: this.conn.server,
      source,
    };
    const e = explainApiError(err, c);
    // keep the HTTP code reachable for the 409 retry loop
    return Object.assign(e, { httpCode: httpCode(err), vanished: vanishedUnderApply(err) });
  }
}

/**
 * The storage's 500 when an apply carrying a resourceVersion finds no object and so creates
 * one (apiserver storage ErrResourceVersionSetOnCreate, "resourceVersion should not be set on
 * objects to be created"; a real server answered a forced apply so — java-operator-sdk#2033):
 * the object was deleted after our read. Not a server fault — like a 409, read again.
 */
function vanishedUnderApply(err: unknown): boolean {
  return httpCode(err) === 500 && statusMessage(err) === 'resourceVersion should not be set on objects to be created';
}

/** The HTTP status behind an IstioApi error (409 → re-read and retry). */
export function codeOf(err: unknown): number | undefined {
  return (err as { httpCode?: number } | undefined)?.httpCode;
}

/** The object changed under a conditional write (409, or deleted under an apply): re-read and redo. */
export function changedUnderWrite(err: unknown): boolean {
  return codeOf(err) === 409 || (err as { vanished?: boolean } | undefined)?.vanished === true;
}
