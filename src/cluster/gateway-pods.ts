/**
 * The ingress gateway's replicas and their Envoy admin endpoints, reached through the API
 * server's pod proxy (`/api/v1/namespaces/NS/pods/NAME:15000/proxy/PATH`, ecosystem.md
 * "Kubernetes") or, where the pod refuses that, a port-forward — one read per replica, because every replica has its own config and its own
 * counters (istio-envoy-semantics.md §0: circuit breakers are per proxy instance).
 */
import { InfraError } from '../errors.js';
import type { Connection } from './kubeconfig.js';
import { explainApiError, httpCode, statusMessage } from './errors.js';
import { getViaPortForward, PortForwardRefused } from './port-forward.js';
import { README_CLUSTER_SECTION } from './resources.js';
import { apiClient } from './api-client.js';

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
    list = await apiClient(conn, conn.k8s.CoreV1Api).listNamespacedPod({ namespace, labelSelector });
  } catch (err) {
    throw explainApiError(err, { verb: 'list', resource: 'pods', namespace, server: conn.server });
  }
  const running = list.items.filter((p) => p.status?.phase === 'Running' && p.metadata?.name);
  if (running.length === 0)
    throw new InfraError(`no running ingress gateway pod (label ${labelSelector}) in namespace ${namespace}`);
  return running.map((p) => ({ name: p.metadata!.name!, namespace })).sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Reads admin paths of gateway replicas: through the pod proxy first (one plain API call);
 * when the pod refuses it (stock Istio binds Envoy's admin to 127.0.0.1), through a
 * port-forward instead — remembered per replica. JSON answers come back parsed, text
 * (`/stats`) as a string.
 */
export class AdminReader {
  private readonly routes = new Map<string, 'pod proxy' | 'port-forward'>();

  constructor(
    private readonly conn: Connection,
    private readonly timeoutMs: number = GATEWAY_DEFAULTS.readTimeoutMs,
    private readonly port: number = GATEWAY_DEFAULTS.adminPort,
  ) {}

  /** how a replica was last reached, for the run's preamble */
  routeOf(pod: string): string | undefined {
    return this.routes.get(pod);
  }

  async read(pod: GatewayPod, path: string): Promise<unknown> {
    let proxyError: unknown;
    if (this.routes.get(pod.name) !== 'port-forward') {
      try {
        const body = await withTimeout(
          (signal) =>
            apiClient(this.conn, this.conn.k8s.CoreV1Api, { signal }).connectGetNamespacedPodProxyWithPath({
              name: `${pod.name}:${this.port}`,
              namespace: pod.namespace,
              path,
            }),
          this.timeoutMs,
          pod.name,
        );
        this.routes.set(pod.name, 'pod proxy');
        return typeof body === 'string' && /^\s*[{[]/.test(body) ? JSON.parse(body) : body;
      } catch (err) {
        // 503/502 from the proxy = the API server could not dial the pod port; 400 "address not
        // allowed" = it refuses to dial a pod IP that is not global unicast
        // (pkg/registry/core/pod/strategy.go ResourceLocation: `!ip.IsGlobalUnicast()`);
        // a port-forward reaches the pod from its node instead. Anything else is ours to report.
        if (!PROXY_REFUSALS.includes(httpCode(err) ?? 0)) throw this.explain(err, 'get', 'pods/proxy', pod);
        proxyError = err;
      }
    }
    try {
      const res = await getViaPortForward(this.conn, pod.namespace, pod.name, this.port, path, this.timeoutMs);
      if (res.status !== 200) throw new Error(`admin answered ${res.status}: ${res.body.slice(0, 200)}`);
      this.routes.set(pod.name, 'port-forward');
      return /json/.test(res.contentType) ? JSON.parse(res.body) : res.body;
    } catch (err) {
      const e =
        err instanceof PortForwardRefused
          ? portForwardRefused(err, pod)
          : this.explain(err, 'get', 'pods/portforward', pod);
      if (proxyError) e.message += ` (the pod proxy was refused too: ${statusMessage(proxyError)})`;
      throw e;
    }
  }

  private explain(err: unknown, verb: string, resource: string, pod: GatewayPod) {
    return explainApiError(err, { verb, resource, namespace: pod.namespace, name: pod.name, server: this.conn.server });
  }
}

/** Pod-proxy answers that mean "the API server cannot dial that pod port", not "you may not". */
const PROXY_REFUSALS = [400, 502, 503];

/** One sentence naming the pod, the status and what to do (issue 11 items 1 and 6). */
function portForwardRefused(err: PortForwardRefused, pod: GatewayPod): InfraError {
  const where = `pod ${pod.namespace}/${pod.name}`;
  const why =
    err.status === 403
      ? `403 Forbidden: the port-forward is a WebSocket upgrade (an HTTP GET), so the API server checks the verb "get" on pods/portforward; grant "get" and "create" on pods/portforward in namespace ${pod.namespace} (README section "${README_CLUSTER_SECTION}")`
      : err.status === 404
        ? "404 Not Found: the API server or the pod's node does not know the pod (restarted or deleted meanwhile?)"
        : err.status === 401
          ? '401 Unauthorized: the credentials of the kubeconfig context were rejected'
          : `${err.status}`;
  // permanent: polling again cannot help, so the propagation check stops at once (propagation.ts)
  return Object.assign(new InfraError(`port-forward to ${where} (Envoy admin port) was refused with ${why}`), {
    permanent: true,
  });
}

/** `call`'s answer within `ms`; past it, its signal aborts (no retry of it goes on: api-retry.ts). */
async function withTimeout<T>(call: (signal: AbortSignal) => Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const controller = new AbortController();
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`no answer from ${what} within ${ms} ms`));
      controller.abort();
    }, ms);
  });
  try {
    return await Promise.race([call(controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
