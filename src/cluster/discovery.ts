/**
 * `--target auto`: find the ingress gateway Service (label
 * `istio=ingressgateway` in `istio-system` by default) and derive the URL load goes to — the
 * load-balancer IP or hostname, else a NodePort on a node address — with one sentence saying
 * how it decided. The Host header comes from the scenario, else the VirtualService's hosts.
 */
import type { V1Service } from '@kubernetes/client-node';
import { InfraError } from '../errors.js';
import type { PolicyDoc } from '../policy/model.js';
import type { Connection } from './kubeconfig.js';
import { explainApiError } from './errors.js';
import { GATEWAY_DEFAULTS, type GatewaySelector } from './gateway-pods.js';
import { apiClient } from './api-client.js';

export interface Decided {
  value: string;
  /** how it was decided, for the run's preamble */
  because: string;
}

/** Port names Istio's gateway charts give the plain-HTTP port, best first. */
const HTTP_PORT_NAMES = ['http2', 'http', 'http-80'];

export async function discoverGatewayUrl(conn: Connection, sel: GatewaySelector = {}): Promise<Decided> {
  const namespace = sel.namespace ?? GATEWAY_DEFAULTS.namespace;
  const labelSelector = sel.selector ?? GATEWAY_DEFAULTS.selector;
  const api = apiClient(conn, conn.k8s.CoreV1Api);
  let services: V1Service[];
  try {
    services = (await api.listNamespacedService({ namespace, labelSelector })).items;
  } catch (err) {
    throw explainApiError(err, { verb: 'list', resource: 'services', namespace, server: conn.server });
  }
  if (services.length === 0)
    throw new InfraError(
      `--target auto: no Service labelled ${labelSelector} in namespace ${namespace}; pass --target http://HOST:PORT`,
    );
  const svc = [...services].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))[0];
  const name = `${namespace}/${svc.metadata?.name}`;
  const more = services.length > 1 ? ` (first of ${services.length} by name)` : '';
  const ports = svc.spec?.ports ?? [];
  const port =
    HTTP_PORT_NAMES.map((n) => ports.find((p) => p.name === n)).find(Boolean) ??
    ports.find((p) => p.port === 80) ??
    ports[0];
  if (!port) throw new InfraError(`--target auto: Service ${name} has no ports`);
  const ingress = svc.status?.loadBalancer?.ingress?.[0];
  const lbAddress = ingress?.ip ?? ingress?.hostname;
  if (lbAddress) {
    const url = `http://${hostPart(lbAddress)}:${port.port}`;
    return {
      value: url,
      because: `Service ${name}${more} has load-balancer address ${lbAddress}; port ${port.name ?? port.port} → ${url}`,
    };
  }
  if (port.nodePort) {
    const node = await nodeAddress(conn);
    const url = `http://${hostPart(node.address)}:${port.nodePort}`;
    return {
      value: url,
      because: `Service ${name}${more} has no load-balancer address; NodePort ${port.nodePort} (port ${port.name ?? port.port}) on node ${node.node} (${node.type} ${node.address}) → ${url}`,
    };
  }
  throw new InfraError(
    `--target auto: Service ${name} has neither a load-balancer address nor a NodePort; run \`kubectl -n ${namespace} port-forward svc/${svc.metadata?.name} 8080:${port.port}\` and pass --target http://127.0.0.1:8080`,
  );
}

async function nodeAddress(conn: Connection): Promise<{ node: string; type: string; address: string }> {
  let nodes;
  try {
    nodes = (await apiClient(conn, conn.k8s.CoreV1Api).listNode()).items;
  } catch (err) {
    throw explainApiError(err, { verb: 'list', resource: 'nodes', server: conn.server });
  }
  // an external address is reachable from outside the cluster; an internal one often only from inside
  for (const type of ['ExternalIP', 'InternalIP']) {
    for (const n of nodes) {
      const a = n.status?.addresses?.find((x) => x.type === type);
      if (a) return { node: n.metadata?.name ?? '?', type, address: a.address };
    }
  }
  throw new InfraError('--target auto: no node has an ExternalIP or InternalIP address to reach the NodePort on');
}

function hostPart(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/** The Host header: the scenario's, else the first concrete host of a VirtualService we apply. */
export function decideHost(scenarioHost: string | undefined, docs: PolicyDoc[]): Decided | undefined {
  if (scenarioHost) return { value: scenarioHost, because: `Host ${scenarioHost} from the scenario` };
  for (const d of docs) {
    if (d.kind !== 'VirtualService') continue;
    const hosts = ((d.object.spec as { hosts?: string[] } | undefined)?.hosts ?? []).filter((h) => !h.includes('*'));
    if (hosts.length > 0)
      return { value: hosts[0], because: `Host ${hosts[0]} from VirtualService ${d.name} (${d.file}:${d.line})` };
  }
  return undefined;
}
