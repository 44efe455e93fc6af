/**
 * The pod proxy of the local Kubernetes API: `/api/v1/namespaces/NS/pods/NAME[:PORT]/proxy[/PATH]`
 * forwarded to the pod's port, as kube-apiserver's pod proxy forwards it — how meshproof reads
 * a gateway replica's Envoy admin (`/config_dump`, `/stats`: src/cluster/gateway-pods.ts), so a
 * run on the local mesh reads its gateway exactly as it reads a cluster's.
 *
 * What the real server does, and this one too:
 *  - the pod is looked up first: an unknown pod is 404 `pods "NAME" not found`
 *    (pkg/registry/core/pod/strategy.go ResourceLocation → getPod);
 *  - no PORT: the first port the pod's containers declare (ResourceLocation, the loop over
 *    `pod.Spec.Containers` … `Ports[0].ContainerPort`);
 *  - the request goes on with its method, path below `/proxy`, query and body; the answer comes
 *    back with the upstream's status, content type and body as they are (apimachinery
 *    pkg/util/proxy/transport.go `RoundTrip`: anything but text/html passes through untouched);
 *  - nothing listening: 503 ServiceUnavailable `error trying to reach service: <dial error>`
 *    (the same `RoundTrip`, `errors.NewServiceUnavailable`).
 *
 * Not imitated: the 400 "address not allowed" a real server gives for a pod IP that is not
 * global unicast (ResourceLocation) — every local pod listens on 127.0.0.1, so the local API
 * stands for a cluster whose pod IPs are routable; HTML link rewriting; upgrades (WebSocket,
 * SPDY) through the proxy; `pods/portforward` (404: src/cluster/gateway-pods.ts reads through
 * the proxy first and never needs it here).
 */
import http from 'node:http';
import type { Interceptor } from './index.js';
import { notFound, send, status } from './status.js';

/** Where a pod's port listens: base URL; `undefined` = no such pod; `null` = the pod has no such port (nothing listens). */
export type PodPortResolver = (namespace: string, pod: string, port: number | undefined) => string | null | undefined;

const PROXY_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/proxy(\/.*)?$/;

export function podProxy(resolve: PodPortResolver): Interceptor {
  return (req, res, url, body) => {
    const m = PROXY_PATH.exec(url.pathname);
    if (!m) return false;
    const namespace = decodeURIComponent(m[1]);
    const [pod, portText] = decodeURIComponent(m[2]).split(':');
    const port = portText === undefined || portText === '' ? undefined : Number(portText);
    const base = resolve(namespace, pod, port);
    if (base === undefined) return (send(res, notFound('pods', pod)), true);
    if (base === null) {
      send(
        res,
        status(
          503,
          'ServiceUnavailable',
          `error trying to reach service: dial tcp 127.0.0.1:${port ?? 0}: connect: connection refused`,
        ),
      );
      return true;
    }
    const upstream = http.request(
      `${base}${m[3] ?? '/'}${url.search}`,
      { method: req.method, headers: { 'content-type': req.headers['content-type'] ?? 'text/plain' } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, { 'content-type': up.headers['content-type'] ?? 'text/plain' });
        up.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent)
        send(res, status(503, 'ServiceUnavailable', `error trying to reach service: ${err.message}`));
      else res.destroy();
    });
    upstream.end(body);
    return true;
  };
}
