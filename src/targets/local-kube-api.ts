/**
 * The local mesh behind the local Kubernetes API (issue 19): the API serves the mesh's Istio
 * objects and its gateway and app as core objects, and every change accepted there is pushed
 * to the mesh's control plane with the full object set, as istiod pushes what its informers
 * see. The kubeconfig (context `meshproof-local`) is written where asked, else in the OS
 * temp dir (and removed on stop).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startKubeApi, type CrdSet, type KubeApi } from '../kube-api/index.js';
import { kubeconfigText, LOCAL_CONTEXT } from '../kube-api/kubeconfig.js';
import type { LocalMesh } from '../mesh/index.js';
import { localClusterObjects, localPodPort } from './local-cluster-objects.js';
import { shellQuote } from '../util/text.js';

export interface LocalKubeApiOptions {
  /** 0 / unset = any free port */
  port?: number;
  /** Istio's CRDs (readCrdFile), for served versions and schema checks */
  crds?: CrdSet;
  /** where to write the kubeconfig; default a file in the OS temp dir, removed on stop */
  kubeconfigOut?: string;
}

export interface LocalKubeApi {
  api: KubeApi;
  url: string;
  kubeconfig: string;
  context: string;
  /** a kubectl line that works as pasted */
  kubectl: string;
  /** the push of the latest change (resolves when the gateway runs it) */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

/** The manager of the objects the mesh started with (scenario, `--policy`), as if applied client-side. */
export const SEED_MANAGER = 'meshproof';

export async function startLocalKubeApi(mesh: LocalMesh, opts: LocalKubeApiOptions = {}): Promise<LocalKubeApi> {
  const core = localClusterObjects(mesh);
  let last: Promise<void> = Promise.resolve();
  const api = await startKubeApi({
    port: opts.port,
    crds: opts.crds,
    core: () => core,
    portForward: localPodPort(mesh),
    seed: mesh.listObjects().map((o) => withNamespace(o, mesh.app.service.namespace)),
    seedManager: SEED_MANAGER,
    onChange: (objects) => {
      last = mesh.replaceObjects(objects);
    },
  });
  // the store's objects now carry server metadata; the mesh runs exactly what the API holds
  last = mesh.replaceObjects(api.store.all());
  const file = opts.kubeconfigOut ?? path.join(os.tmpdir(), `meshproof-local-${process.pid}.kubeconfig`);
  try {
    fs.writeFileSync(file, kubeconfigText(api.url, mesh.app.service.namespace), { mode: 0o600 });
  } catch (err) {
    await api.stop();
    throw err;
  }
  return {
    api,
    url: api.url,
    kubeconfig: file,
    context: LOCAL_CONTEXT,
    kubectl: `kubectl --kubeconfig ${shellQuote(file)} get destinationrules -A`,
    settled: () => last,
    async stop() {
      await api.stop();
      if (!opts.kubeconfigOut) fs.rmSync(file, { force: true });
    },
  };
}

/** An object that names no namespace lives in the app's, as the control plane keys it. */
function withNamespace(o: Record<string, unknown>, namespace: string): Record<string, unknown> {
  const meta = (o.metadata ?? {}) as Record<string, unknown>;
  return meta.namespace ? o : { ...o, metadata: { ...meta, namespace } };
}
