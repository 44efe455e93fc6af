/**
 * The local mesh described as Kubernetes core objects, for the local Kubernetes API's
 * read-only `namespaces`, `services` and `pods` — the shapes `--target auto` discovery
 * (src/cluster/discovery.ts) and the gateway replica listing (src/cluster/gateway-pods.ts)
 * read:
 *
 *  - the ingress gateway as Istio's chart installs it: Service `istio-ingressgateway` in
 *    `istio-system` labelled `istio=ingressgateway`, type LoadBalancer whose load-balancer
 *    address is 127.0.0.1 and whose `http2` port is the gateway's own port (a cluster's
 *    Service maps port 80 to the pod's 8080; here clients reach the gateway port directly),
 *    and one Running, Ready pod with the same labels;
 *  - the app's Service (ClusterIP, its port, selector `app`) and one Running pod per mesh pod,
 *    with the pod's labels; every pod IP is 127.0.0.1, where the pods really listen — so the
 *    pod proxy refuses them as kube-apiserver does, and `pods/portforward` reaches them
 *    (`localPodPort`: the gateway pod's admin port 15000 is the mesh's admin server).
 */
import type { CoreObjects, Obj } from '../kube-api/index.js';
import type { LocalMesh } from '../mesh/index.js';
import { GATEWAY_DEFAULTS } from '../cluster/gateway-pods.js';

export const GATEWAY_NAME = 'istio-ingressgateway';
export const GATEWAY_POD = `${GATEWAY_NAME}-0`;
const GATEWAY_LABELS = { app: GATEWAY_NAME, istio: 'ingressgateway' };
const LOOPBACK = '127.0.0.1';

/**
 * Where a local pod's port listens, for `pods/portforward`: the gateway pod's Envoy admin port
 * (15000, as in every Istio proxy) is the mesh's admin server, its gateway port the gateway;
 * an app pod's port is the pod. Anything else: nothing listens.
 */
export function localPodPort(mesh: LocalMesh): (namespace: string, pod: string, port: number) => URL | undefined {
  const gateway = new URL(mesh.gatewayUrl);
  const admin = new URL(mesh.adminUrl);
  return (namespace, pod, port) => {
    if (namespace === GATEWAY_DEFAULTS.namespace && pod === GATEWAY_POD) {
      if (port === GATEWAY_DEFAULTS.adminPort || port === Number(admin.port)) return admin;
      return port === Number(gateway.port) ? gateway : undefined;
    }
    const p = mesh.pods.find((x) => x.name === pod && x.port === port);
    return namespace === mesh.app.service.namespace && p ? new URL(p.url) : undefined;
  };
}

export function localClusterObjects(mesh: LocalMesh, created = new Date().toISOString()): CoreObjects {
  const gatewayPort = Number(new URL(mesh.gatewayUrl).port);
  const gwNs = GATEWAY_DEFAULTS.namespace;
  const app = mesh.app.service;
  const meta = (name: string, namespace: string | undefined, labels: Record<string, string>) => ({
    name,
    ...(namespace ? { namespace } : {}),
    labels,
    uid: `meshproof-${namespace ?? 'cluster'}-${name}`,
    creationTimestamp: created,
  });
  const pod = (name: string, namespace: string, labels: Record<string, string>, ports: number[]) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta(name, namespace, labels),
    spec: {
      nodeName: 'meshproof-local',
      containers: [{ name: 'main', ports: ports.map((containerPort) => ({ containerPort, protocol: 'TCP' })) }],
    },
    status: {
      phase: 'Running',
      podIP: LOOPBACK,
      podIPs: [{ ip: LOOPBACK }],
      hostIP: LOOPBACK,
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  });
  const namespaces = [...new Set([app.namespace, gwNs])].map((name) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: meta(name, undefined, { 'kubernetes.io/metadata.name': name }),
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  }));
  const services: Obj[] = [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(GATEWAY_NAME, gwNs, GATEWAY_LABELS),
      spec: {
        type: 'LoadBalancer',
        selector: GATEWAY_LABELS,
        ports: [{ name: 'http2', port: gatewayPort, targetPort: gatewayPort, protocol: 'TCP' }],
      },
      status: { loadBalancer: { ingress: [{ ip: LOOPBACK }] } },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(app.name, app.namespace, { app: app.name }),
      spec: {
        type: 'ClusterIP',
        selector: { app: app.name },
        ports: [{ name: 'http', port: app.port, targetPort: app.port, protocol: 'TCP' }],
      },
      status: { loadBalancer: {} },
    },
  ];
  const pods: Obj[] = [
    pod(GATEWAY_POD, gwNs, GATEWAY_LABELS, [gatewayPort, GATEWAY_DEFAULTS.adminPort]),
    ...mesh.pods.map((p) => pod(p.name, app.namespace, p.labels, [p.port])),
  ];
  return { namespaces, services, pods };
}
