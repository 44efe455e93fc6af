/**
 * The Kubernetes calls of `--engine k6-operator` (src/load/k6-operator/engine.ts) and of its
 * restore (k6-operator-restore.ts) through `@kubernetes/client-node` 1.4: ConfigMaps and runner
 * pods (list, log) on the core API, TestRuns (k6.io/v1alpha1) on CustomObjectsApi. Failures
 * become MeshproofErrors naming verb, resource and namespace (errors.ts) and keep the HTTP code
 * (`httpCode`, for the 409 of a failed delete precondition); a delete of something already
 * gone is not one.
 */
import type { CoreV1Api, CustomObjectsApi, V1ConfigMap, V1Pod } from '@kubernetes/client-node';
import type { DeletePreconditions, OperatorApi, RunnerPod } from '../load/k6-operator/engine.js';
import { K6_GROUP, K6_VERSION, TESTRUN_PLURAL } from '../load/k6-operator/objects.js';
import { explainApiError, httpCode } from './errors.js';
import type { Connection } from './kubeconfig.js';
import { apiClient } from './api-client.js';

type Obj = Record<string, unknown>;
const TESTRUNS = `${TESTRUN_PLURAL}.${K6_GROUP}`;

export class K8sOperatorApi implements OperatorApi {
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;

  constructor(private readonly conn: Connection) {
    this.core = apiClient(conn, conn.k8s.CoreV1Api);
    this.custom = apiClient(conn, conn.k8s.CustomObjectsApi);
  }

  get server(): string {
    return this.conn.server;
  }

  get context(): string {
    return this.conn.context;
  }

  async create(object: Obj): Promise<Obj> {
    const { namespace } = object.metadata as { namespace: string };
    const isTestRun = object.kind === 'TestRun';
    try {
      if (isTestRun)
        return (await this.custom.createNamespacedCustomObject({
          group: K6_GROUP,
          version: K6_VERSION,
          namespace,
          plural: TESTRUN_PLURAL,
          body: object,
        })) as Obj;
      return plain(await this.core.createNamespacedConfigMap({ namespace, body: object as V1ConfigMap }));
    } catch (err) {
      throw this.explain(err, 'create', object);
    }
  }

  async get(object: Obj): Promise<Obj | null> {
    const { name, namespace } = object.metadata as { name: string; namespace: string };
    try {
      if (object.kind === 'TestRun') return await this.readTestRun(namespace, name);
      return plain(await this.core.readNamespacedConfigMap({ namespace, name }));
    } catch (err) {
      if (httpCode(err) === 404) return null;
      throw this.explain(err, 'get', object);
    }
  }

  async testRunStage(namespace: string, name: string): Promise<string | undefined> {
    try {
      const tr = await this.readTestRun(namespace, name);
      return ((tr.status ?? {}) as Obj).stage as string | undefined;
    } catch (err) {
      throw explainApiError(err, { verb: 'get', resource: TESTRUNS, namespace, name, server: this.server });
    }
  }

  async patchTestRun(namespace: string, name: string, ops: Obj[]): Promise<void> {
    try {
      // the generated client's default content type for this call is JSON Patch
      await this.custom.patchNamespacedCustomObject(
        { group: K6_GROUP, version: K6_VERSION, namespace, plural: TESTRUN_PLURAL, name, body: ops },
        this.conn.k8s.setHeaderOptions('Content-Type', this.conn.k8s.PatchStrategy.JsonPatch),
      );
    } catch (err) {
      throw this.explain(err, 'patch', { kind: 'TestRun', metadata: { name, namespace } });
    }
  }

  async runnerPods(namespace: string, labelSelector: string): Promise<RunnerPod[]> {
    try {
      const list = await this.core.listNamespacedPod({ namespace, labelSelector });
      return list.items
        .filter((p) => p.metadata?.name)
        .map(runnerPod)
        .sort((a, b) => a.name.localeCompare(b.name));
    } catch (err) {
      throw explainApiError(err, { verb: 'list', resource: 'pods', namespace, server: this.server });
    }
  }

  async podLog(namespace: string, name: string): Promise<string> {
    try {
      return await this.core.readNamespacedPodLog({ namespace, name });
    } catch (err) {
      throw explainApiError(err, { verb: 'get', resource: 'pods/log', namespace, name, server: this.server });
    }
  }

  async remove(object: Obj, preconditions: DeletePreconditions): Promise<void> {
    const { name, namespace } = object.metadata as { name: string; namespace: string };
    // DeleteOptions.preconditions: the server deletes only the object with this uid (and
    // resourceVersion), else 409 Conflict — never a same-named object someone else made since
    const body = { preconditions };
    try {
      if (object.kind === 'TestRun')
        await this.custom.deleteNamespacedCustomObject({
          group: K6_GROUP,
          version: K6_VERSION,
          namespace,
          plural: TESTRUN_PLURAL,
          name,
          propagationPolicy: 'Background',
          body,
        });
      else await this.core.deleteNamespacedConfigMap({ namespace, name, body });
    } catch (err) {
      if (httpCode(err) === 404) return;
      throw this.explain(err, 'delete', object);
    }
  }

  private async readTestRun(namespace: string, name: string): Promise<Obj> {
    return (await this.custom.getNamespacedCustomObject({
      group: K6_GROUP,
      version: K6_VERSION,
      namespace,
      plural: TESTRUN_PLURAL,
      name,
    })) as Obj;
  }

  private explain(err: unknown, verb: string, object: Obj) {
    const { name, namespace } = object.metadata as { name: string; namespace: string };
    const resource = object.kind === 'TestRun' ? TESTRUNS : 'configmaps';
    return Object.assign(explainApiError(err, { verb, resource, namespace, name, server: this.server }), {
      httpCode: httpCode(err),
    });
  }
}

/** A typed ConfigMap as the JSON the server sent (managedFields' times as RFC 3339 strings, not Dates). */
function plain(cm: V1ConfigMap): Obj {
  const managedFields = cm.metadata?.managedFields?.map((e) => ({
    ...e,
    time: e.time instanceof Date ? e.time.toISOString().replace(/\.\d+Z$/, 'Z') : e.time,
  }));
  return { ...cm, metadata: { ...cm.metadata, ...(managedFields ? { managedFields } : {}) } } as Obj;
}

/**
 * The pod's phase and, once its k6 container ended, the exit code (the runner's verdict); the
 * container's reason (terminated: OOMKilled, Error; waiting: ImagePullBackOff…). The operator
 * names the container "k6" in the runner and the initializer (jobs/runner.go, initializer.go).
 */
function runnerPod(p: V1Pod): RunnerPod {
  const k6 = p.status?.containerStatuses?.find((c) => c.name === 'k6') ?? p.status?.containerStatuses?.[0];
  const state = k6?.state;
  const reason = state?.terminated?.reason ?? state?.waiting?.reason;
  return {
    name: p.metadata?.name ?? '',
    phase: p.status?.phase,
    exitCode: state?.terminated?.exitCode,
    ...(reason ? { reason } : {}),
  };
}
