/**
 * The ingress gateway's replicas and their Envoy admin endpoints, reached through the API
 * server's pod proxy (`/api/v1/namespaces/NS/pods/NAME:15000/proxy/PATH`, ecosystem.md
 * "Kubernetes") — one read per replica, because every replica has its own config and its own
 * counters (istio-envoy-semantics.md §0: circuit breakers are per proxy instance).
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { InfraError } from '../cli/exit.js';
import type { Connection } from './kubeconfig.js';
import { explainApiError } from './errors.js';

/** Where Istio's ingress gateway lives and how it is labelled (Istio's default install). */
export const GATEWAY_DEFAULTS = {
  namespace: 'istio-system',
  selector: 'istio=ingressgateway',
  /** Envoy's admin port in every Istio proxy */
  adminPort: 15000,
  /** one admin read may take this long before the replica counts as not answering */
  readTimeoutMs: 5_000,
} as const;

export interface GatewayPod {
  name: string;
  namespace: string;
}

export interface GatewaySelector {
  namespace?: string;
  selector?: string;
}

export async function listGatewayPods(conn: Connection, sel: GatewaySelector = {}): Promise<GatewayPod[]> {
  const namespace = sel.namespace ?? GATEWAY_DEFAULTS.namespace;
  const labelSelector = sel.selector ?? GATEWAY_DEFAULTS.selector;
  let list;
  try {
    list = await conn.kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace, labelSelector });
  } catch (err) {
    throw explainApiError(err, { verb: 'list', resource: 'pods', namespace, server: conn.server });
  }
  const running = list.items.filter((p) => p.status?.phase === 'Running' && p.metadata?.name);
  if (running.length === 0) throw new InfraError(`no running ingress gateway pod (label ${labelSelector}) in namespace ${namespace}`);
  return running.map((p) => ({ name: p.metadata!.name!, namespace })).sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * GET an admin path of one replica through the pod proxy. JSON answers come back parsed,
 * text (`/stats`) as a string; the generated client decides by content type.
 */
export async function readAdmin(conn: Connection, pod: GatewayPod, path: string, timeoutMs: number = GATEWAY_DEFAULTS.readTimeoutMs): Promise<unknown> {
  const api = conn.kc.makeApiClient(CoreV1Api);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from ${pod.name} within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const body: unknown = await Promise.race([
      api.connectGetNamespacedPodProxyWithPath({ name: `${pod.name}:${GATEWAY_DEFAULTS.adminPort}`, namespace: pod.namespace, path }),
      timeout,
    ]);
    return typeof body === 'string' && /^\s*[{[]/.test(body) ? JSON.parse(body) : body;
  } catch (err) {
    const e = explainApiError(err, { verb: 'get', resource: 'pods/proxy', namespace: pod.namespace, name: pod.name, server: conn.server });
    // stock Istio binds Envoy's admin to 127.0.0.1 inside the pod, out of the pod proxy's reach
    if (/connection refused/.test(e.message)) e.message += `; is Envoy's admin port ${GATEWAY_DEFAULTS.adminPort} reachable on the pod IP? (stock Istio binds it to 127.0.0.1)`;
    throw e;
  } finally {
    clearTimeout(timer);
  }
}
