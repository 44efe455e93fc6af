/**
 * The local mesh with its Kubernetes API, wired the way a cluster is (issue 19): the API
 * (src/kube-api) starts with the mesh's own objects, every change it accepts is pushed to the
 * mesh's gateway as istiod pushes what its informers see, the ingress gateway is a pod in
 * `istio-system` labelled `istio=ingressgateway` whose Envoy admin port (15000) the API's pod
 * proxy reaches, and a kubeconfig (context `meshproof-local`) says where the API is. Anything
 * that talks to a cluster — src/cluster, kubectl — talks to this unchanged.
 *
 *   startLocalCluster({ mesh, dir? }) → { mesh, api, kubeconfig, dir, stop }
 *
 * Nothing outlives `stop()`: the objects live in the API's memory, the mesh's config is built
 * from them, and a folder this call made (kubeconfig, journal) is removed with them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startMesh, type LocalMesh, type MeshOptions } from '../mesh/index.js';
import { startKubeApi, type KubeApi, type Obj } from '../kube-api/index.js';
import { podProxy } from '../kube-api/pod-proxy.js';
import { GATEWAY_DEFAULTS } from '../cluster/gateway-pods.js';

/** The local gateway as a pod: Istio's default install names and labels (GATEWAY_DEFAULTS). */
export const LOCAL_GATEWAY_POD = 'istio-ingressgateway-local';
/** The gateway container's HTTP port, as Istio's gateway chart declares it (`http2`, 8080). */
const GATEWAY_HTTP_PORT = 8080;

export interface LocalCluster {
  mesh: LocalMesh;
  api: KubeApi;
  /** the kubeconfig file pointing at `api` (context `meshproof-local`) */
  kubeconfig: string;
  /** the folder holding it */
  dir: string;
  stop(): Promise<void>;
}

export interface LocalClusterOptions {
  mesh?: MeshOptions;
  /** where the kubeconfig is written (kept on stop); default a private temp folder removed on stop */
  dir?: string;
  /** errors pushing a change to the mesh (one the API accepted but the mesh refused) */
  log?: (line: string) => void;
}

export async function startLocalCluster(opts: LocalClusterOptions = {}): Promise<LocalCluster> {
  const mesh = await startMesh(opts.mesh);
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  let api: KubeApi | undefined;
  let made: string | undefined;
  try {
    api = await startKubeApi({
      seed: mesh.listObjects(),
      core: () => ({ namespaces: namespaces(mesh), services: [], pods: [gatewayPod()] }),
      onChange: (objects) => push(mesh, objects).catch((err) => log(`local mesh: push refused: ${String(err)}`)),
    });
    api.interceptors.push(
      podProxy((namespace, pod, port) => {
        if (namespace !== GATEWAY_DEFAULTS.namespace || pod !== LOCAL_GATEWAY_POD) return undefined;
        const p = port ?? GATEWAY_HTTP_PORT;
        if (p === GATEWAY_DEFAULTS.adminPort) return mesh.adminUrl;
        return p === GATEWAY_HTTP_PORT ? mesh.gatewayUrl : null;
      }),
    );
    made = opts.dir ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'meshproof-local-'));
    const dir = opts.dir ?? made!;
    fs.mkdirSync(dir, { recursive: true });
    const kubeconfig = path.join(dir, 'kubeconfig');
    fs.writeFileSync(kubeconfig, kubeconfigText(api.url, mesh.app.service.namespace), { mode: 0o600 });
    const running = api;
    let stopped = false;
    return {
      mesh,
      api,
      kubeconfig,
      dir,
      async stop() {
        if (stopped) return;
        stopped = true;
        await running.stop();
        await mesh.stop();
        if (made) fs.rmSync(made, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await api?.stop();
    await mesh.stop();
    if (made) fs.rmSync(made, { recursive: true, force: true });
    throw err;
  }
}

/** The API's whole object set becomes the mesh's, as istiod rebuilds from its informers' cache. */
async function push(mesh: LocalMesh, objects: Obj[]): Promise<void> {
  const keep = new Set(objects.map(keyOf));
  const gone = mesh.listObjects().filter((o) => !keep.has(keyOf(o)));
  await mesh.applyPolicies(objects);
  if (gone.length > 0)
    await mesh.deleteObjects(
      gone.map((o) => ({ kind: o.kind as never, namespace: (o.metadata as Obj).namespace, name: (o.metadata as Obj).name })),
    );
}

function keyOf(o: Obj): string {
  return `${o.kind}/${o.metadata?.namespace}/${o.metadata?.name}`;
}

function namespaces(mesh: LocalMesh): Obj[] {
  return [...new Set([GATEWAY_DEFAULTS.namespace, mesh.app.service.namespace])].map((name) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
    status: { phase: 'Active' },
  }));
}

/** The gateway pod as `kubectl get pod -o yaml` would show it: Running, Ready, on loopback. */
function gatewayPod(): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: LOCAL_GATEWAY_POD,
      namespace: GATEWAY_DEFAULTS.namespace,
      labels: { istio: 'ingressgateway', app: 'istio-ingressgateway' },
    },
    spec: {
      nodeName: 'meshproof-local',
      containers: [
        {
          name: 'istio-proxy',
          ports: [
            { name: 'http2', containerPort: GATEWAY_HTTP_PORT, protocol: 'TCP' },
            { name: 'status-port', containerPort: 15021, protocol: 'TCP' },
          ],
        },
      ],
    },
    status: { phase: 'Running', podIP: '127.0.0.1', conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

/** TEMPORARY until 19a's kube-api/kubeconfig.ts lands. */
function kubeconfigText(server: string, namespace: string): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: meshproof-local
  cluster:
    server: ${server}
    insecure-skip-tls-verify: true
users:
- name: meshproof-local
  user: {}
contexts:
- name: meshproof-local
  context:
    cluster: meshproof-local
    user: meshproof-local
    namespace: ${namespace}
current-context: meshproof-local
`;
}
