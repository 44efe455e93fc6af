/**
 * The pod proxy (`/api/v1/namespaces/NS/pods/NAME[:PORT]/proxy/PATH`) of the local
 * Kubernetes API: every local pod's IP is 127.0.0.1, and kube-apiserver refuses to dial a pod
 * IP that is not global unicast before any dial — 400 "address not allowed"
 * (pkg/registry/core/pod/strategy.go ResourceLocation: `!ip.IsGlobalUnicast()`). Clients then
 * use `pods/portforward` (port-forward.ts), as meshproof's gateway reader does. An unknown pod
 * is 404.
 */
import { isIP } from 'node:net';
import type { Obj } from './fields.js';
import { notFound, status, type Status } from './status.js';

/** `/api/v1/namespaces/NS/pods/NAME[:PORT]/proxy[/PATH]`: namespace, pod, port and path, or undefined. */
export function podProxyPath(pathname: string): { namespace: string; pod: string; path: string } | undefined {
  const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/proxy(?:\/(.*))?$/.exec(pathname);
  if (!m) return undefined;
  return { namespace: decodeURIComponent(m[1]), pod: decodeURIComponent(m[2]).split(':')[0], path: m[3] ?? '' };
}

/** The answer of the pod proxy for a pod the server cannot dial (or does not know). */
export function podProxyRefusal(pods: Obj[], namespace: string, pod: string): Status {
  const found = pods.find((p) => p.metadata?.namespace === namespace && p.metadata?.name === pod);
  if (!found) return notFound('pods', pod);
  const ip = String(found.status?.podIP ?? '');
  if (!isGlobalUnicast(ip)) return status(400, 'BadRequest', 'address not allowed');
  return status(503, 'ServiceUnavailable', `error trying to reach service: dial tcp ${ip}: no route from this server`);
}

/** Go's net.IP.IsGlobalUnicast: not loopback, link-local, multicast, unspecified or broadcast. */
export function isGlobalUnicast(ip: string): boolean {
  if (isIP(ip) === 4) {
    const [a, b] = ip.split('.').map(Number);
    return !(a === 0 || a === 127 || (a === 169 && b === 254) || a >= 224);
  }
  if (isIP(ip) === 6) {
    const low = ip.toLowerCase();
    return !(
      low === '::' ||
      low === '::1' ||
      low.startsWith('fe8') ||
      low.startsWith('fe9') ||
      low.startsWith('fea') ||
      low.startsWith('feb') ||
      low.startsWith('ff')
    );
  }
  return false;
}
