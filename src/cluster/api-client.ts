/**
 * API clients whose every request goes through the retry policy (api-retry.ts). client-node 1.4
 * sends each request once: its `IsomorphicFetchHttpLibrary.send` is one node-fetch call and its
 * generated clients turn any non-2xx answer into an `ApiException` (code, body, headers) —
 * node_modules/@kubernetes/client-node/dist/gen/http/isomorphic-fetch.js, gen/apis/*.js — with
 * no retry anywhere. So this builds the configuration `KubeConfig.makeApiClient` builds
 * (dist/config.js: the cluster's server, the KubeConfig as the "default" auth method) with one
 * change: an HTTP library that wraps client-node's own and sends again as client-go would.
 * The body client-node sends is a string, so a retry re-sends the same bytes (client-go retries
 * `bodyBytes` requests the same way: rest/request.go `newHTTPRequest`).
 */
import type { ApiConstructor, ApiType, KubeConfig, RequestContext, ResponseContext } from '@kubernetes/client-node';
import type { ClientNode } from './client-node.js';
import { sendWithRetry, type ApiRetryOptions } from './api-retry.js';

/** What of a Connection (kubeconfig.ts) an API client needs. */
export interface ApiConnection {
  kc: KubeConfig;
  k8s: ClientNode;
  retry: ApiRetryOptions;
}

/**
 * `conn.kc.makeApiClient(Api)`, retrying as api-retry.ts says. `signal`: a caller that gives up
 * (a read's timeout) aborts it, which cancels the request in flight (node-fetch's signal) and
 * ends its retries and their waits.
 */
export function apiClient<T extends ApiType>(
  conn: ApiConnection,
  Api: ApiConstructor<T>,
  opts: { signal?: AbortSignal } = {},
): T {
  const k8s = conn.k8s;
  const cluster = conn.kc.getCurrentCluster();
  if (!cluster) throw new Error('No active cluster!'); // as makeApiClient; loadConnection checked it
  const inner = new k8s.IsomorphicFetchHttpLibrary();
  const httpApi = k8s.wrapHttpLibrary({
    send: (request: RequestContext): Promise<ResponseContext> => {
      if (opts.signal) request.setSignal(opts.signal);
      return sendWithRetry(
        { method: request.getHttpMethod(), path: new URL(request.getUrl()).pathname, signal: opts.signal },
        () => inner.send(request).toPromise(),
        async (r) => void (await r.body.text().catch(() => '')),
        conn.retry,
      );
    },
  });
  const config = k8s.createConfiguration({
    baseServer: new k8s.ServerConfiguration(cluster.server, {}),
    authMethods: { default: conn.kc },
    httpApi,
  });
  return new Api(config);
}
