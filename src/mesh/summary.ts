/**
 * What `meshproof mesh` tells a workshop about a running mesh: URLs, pods, and a curl that
 * works as pasted (the gateway routes by Host header, so the curl carries it).
 */
import type { LocalMesh } from './index.js';

export interface MeshSummary {
  gatewayUrl: string;
  adminUrl: string;
  host: string;
  path: string;
  workers: number;
  /** ms; 0 and 0 = loopback */
  network: { rttMs: number; jitterMs: number };
  curl: string;
  service: string;
  /** the emulated proxy version and its version-dependent rule (src/mesh/proxy.ts) */
  proxy: string;
  proxyRule: string;
  pods: { name: string; url: string; labels: Record<string, string> }[];
  objects: { kind: string; namespace: string; name: string }[];
  /** the local Kubernetes API serving these objects, when one runs (src/kube-api) */
  api?: LocalApiSummary;
}

export interface LocalApiSummary {
  url: string;
  kubeconfig: string;
  context: string;
  /** a kubectl line that works as pasted */
  kubectl: string;
}

/** The demo path clients request (design: `/productpage`). */
export const DEMO_PATH = '/productpage';

export function meshSummary(mesh: LocalMesh, api?: LocalApiSummary): MeshSummary {
  const { app } = mesh;
  const curl = `curl -si -H 'Host: ${app.gatewayHost}' ${mesh.gatewayUrl}${DEMO_PATH}`;
  return {
    gatewayUrl: mesh.gatewayUrl,
    adminUrl: mesh.adminUrl,
    host: app.gatewayHost,
    path: DEMO_PATH,
    workers: mesh.workers,
    network: { ...mesh.network },
    curl,
    service: `${app.service.name}.${app.service.namespace}.svc.cluster.local:${app.service.port}`,
    proxy: mesh.proxy,
    proxyRule: mesh.proxyRule,
    pods: mesh.pods.map((p) => ({ name: p.name, url: p.url, labels: p.labels })),
    objects: mesh.listObjects().map((o) => {
      const meta = (o.metadata ?? {}) as { name?: string; namespace?: string };
      return { kind: String(o.kind), namespace: meta.namespace ?? app.service.namespace, name: meta.name ?? '' };
    }),
    ...(api ? { api } : {}),
  };
}

export function formatSummary(s: MeshSummary): string {
  const pods = s.pods.map(
    (p) =>
      `  ${p.name.padEnd(22)} ${p.url}  ${Object.entries(p.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')}`,
  );
  const objects = s.objects.map((o) => `  ${o.kind}/${o.namespace}/${o.name}`);
  return [
    `local mesh up — service ${s.service}`,
    `gateway  ${s.gatewayUrl}   (Host: ${s.host}) · ${s.workers} worker${s.workers === 1 ? '' : 's'}${s.network.rttMs || s.network.jitterMs ? ` · client RTT ${s.network.rttMs} ms ± ${s.network.jitterMs} ms` : ''}`,
    `admin    ${s.adminUrl}   (/stats /config_dump /clusters /ready)`,
    ...(s.api
      ? [
          `api      ${s.api.url}   (Kubernetes API for destinationrules, virtualservices; every change is pushed to the gateway)`,
          `kubeconfig ${s.api.kubeconfig}   (context ${s.api.context})`,
        ]
      : []),
    `${s.proxyRule}`,
    'pods:',
    ...pods,
    'objects:',
    ...objects,
    'try:',
    `  ${s.curl}`,
    ...(s.api ? [`  ${s.api.kubectl}`] : []),
    'Ctrl-C stops the mesh.',
    '',
  ].join('\n');
}
