/**
 * A stand-in Envoy admin server for one gateway replica: `/config_dump` in Envoy's shape
 * (ClustersConfigDump + RoutesConfigDump) holding what istiod would push for the objects in
 * the fake API server, updated `pushDelayMs` after each change (an xDS push that reaches
 * this replica late); `/stats` in Envoy's text format from a counter map the test sets.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { translateCluster, translateVirtualHosts } from '../../src/translate/index.js';
import type { FakeApiServer } from './fake-apiserver.js';

export interface FakeEnvoyAdmin {
  url: string;
  stats: Map<string, number>;
  /** config_dump reads served so far */
  reads: number;
  close(): Promise<void>;
}

const SERVICE = { fqdn: 'productpage.default.svc.cluster.local', port: 9080 };

export async function startFakeEnvoyAdmin(api: FakeApiServer, pushDelayMs: number): Promise<FakeEnvoyAdmin> {
  let dump = buildDump(api);
  const timers = new Set<NodeJS.Timeout>();
  const onChange = () => {
    const t = setTimeout(() => {
      timers.delete(t);
      dump = buildDump(api);
    }, pushDelayMs);
    timers.add(t);
  };
  api.events.on('change', onChange);
  const admin: FakeEnvoyAdmin = {
    url: '',
    stats: new Map(),
    reads: 0,
    close: () =>
      new Promise((resolve) => {
        api.events.off('change', onChange);
        for (const t of timers) clearTimeout(t);
        server.close(() => resolve());
      }),
  };
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith('/config_dump')) {
      admin.reads++;
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify(dump));
    }
    if (req.url?.startsWith('/stats')) {
      res.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8' });
      return void res.end([...admin.stats].map(([k, v]) => `${k}: ${v}\n`).join(''));
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('invalid path');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  admin.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return admin;
}

function buildDump(api: FakeApiServer): unknown {
  const drs = api.list('destinationrules');
  const vss = api.list('virtualservices');
  const cluster = { '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', ...translateCluster(drs, SERVICE) };
  return {
    configs: [
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.BootstrapConfigDump',
        bootstrap: { node: { id: 'router~10.0.0.1~gw~istio-system.svc.cluster.local' } },
      },
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
        dynamic_active_clusters: [{ version_info: 'v1', cluster, last_updated: new Date().toISOString() }],
      },
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
        dynamic_route_configs: [
          {
            version_info: 'v1',
            route_config: {
              '@type': 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
              name: 'http.8080',
              virtual_hosts: translateVirtualHosts(vss, 'default'),
            },
          },
        ],
      },
    ],
  };
}
