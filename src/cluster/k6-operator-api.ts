/**
 * The Kubernetes calls of `--engine k6-operator` (src/load/k6-operator/engine.ts) through
 * `@kubernetes/client-node` 1.4: ConfigMaps and runner pods' logs on the core API, TestRuns
 * (k6.io/v1alpha1) on CustomObjectsApi. Failures become MeshproofErrors naming verb, resource
 * and namespace (errors.ts); a delete of something already gone is not one.
 */
import { CoreV1Api, CustomObjectsApi, type V1ConfigMap } from '@kubernetes/client-node';
import type { OperatorApi } from '../load/k6-operator/engine.js';
import { K6_GROUP, K6_VERSION, TESTRUN_PLURAL } from '../load/k6-operator/objects.js';
import { explainApiError, httpCode } from './errors.js';
import type { Connection } from './kubeconfig.js';

type Obj = Record<string, unknown>;
const TESTRUNS = `${TESTRUN_PLURAL}.${K6_GROUP}`;

export class K8sOperatorApi implements OperatorApi {
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;

  constructor(private readonly conn: Connection) {
    this.core = conn.kc.makeApiClient(CoreV1Api);
    this.custom = conn.kc.makeApiClient(CustomObjectsApi);
  }

  get server(): string {
    return this.conn.server;
  }

  async create(object: Obj): Promise<void> {
    const { name, namespace } = object.metadata as { name: string; namespace: string };
    const isTestRun = object.kind === 'TestRun';
    try {
      if (isTestRun)
        await this.custom.createNamespacedCustomObject({
          group: K6_GROUP,
          version: K6_VERSION,
          namespace,
          plural: TESTRUN_PLURAL,
          body: object,
        });
      else await this.core.createNamespacedConfigMap({ namespace, body: object as V1ConfigMap });
    } catch (err) {
      throw explainApiError(err, {
        verb: 'create',
        resource: isTestRun ? TESTRUNS : 'configmaps',
        namespace,
        name,
        server: this.server,
      });
    }
  }

  async testRunStage(namespace: string, name: string): Promise<string | undefined> {
    try {
      const tr = (await this.custom.getNamespacedCustomObject({
        group: K6_GROUP,
        version: K6_VERSION,
        namespace,
        plural: TESTRUN_PLURAL,
        name,
      })) as Obj;
      return ((tr.status ?? {}) as Obj).stage as string | undefined;
    } catch (err) {
      throw explainApiError(err, { verb: 'get', resource: TESTRUNS, namespace, name, server: this.server });
    }
  }

  async runnerPods(namespace: string, labelSelector: string): Promise<string[]> {
    try {
      const list = await this.core.listNamespacedPod({ namespace, labelSelector });
      return list.items
        .map((p) => p.metadata?.name ?? '')
        .filter(Boolean)
        .sort();
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

  async remove(object: Obj): Promise<void> {
    const { name, namespace } = object.metadata as { name: string; namespace: string };
    const isTestRun = object.kind === 'TestRun';
    try {
      if (isTestRun)
        await this.custom.deleteNamespacedCustomObject({
          group: K6_GROUP,
          version: K6_VERSION,
          namespace,
          plural: TESTRUN_PLURAL,
          name,
          propagationPolicy: 'Background',
        });
      else await this.core.deleteNamespacedConfigMap({ namespace, name });
    } catch (err) {
      if (httpCode(err) === 404) return;
      throw explainApiError(err, {
        verb: 'delete',
        resource: isTestRun ? TESTRUNS : 'configmaps',
        namespace,
        name,
        server: this.server,
      });
    }
  }
}
