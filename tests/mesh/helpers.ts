/**
 * Test helpers for the local mesh: a one-request-per-connection HTTP client that measures
 * latency, an app model with chosen pods, and policy builders in Istio's YAML shape.
 */
import http from 'node:http';
import net from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { AppModel, PodBehaviour } from '../../src/mesh/app-model.js';

export const HOST = 'bookinfo.example.com';
export const CLUSTER = 'outbound|9080||productpage.default.svc.cluster.local';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** ms from send to complete response; for a network error, to the error */
  ms: number;
  /** performance.now() when the request was sent */
  sentAt: number;
  error?: string;
}

/** One request on its own connection (agent: false), so concurrency at the gateway is real. */
export function send(
  base: string,
  opts: { path?: string; host?: string; headers?: Record<string, string>; agent?: http.Agent } = {},
): Promise<Reply> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const u = new URL(opts.path ?? '/productpage', base);
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        agent: opts.agent ?? false,
        headers: { host: opts.host ?? HOST, ...opts.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
            ms: performance.now() - t0,
            sentAt: t0,
          }),
        );
        res.on('error', (e) =>
          resolve({ status: 0, headers: {}, body: '', ms: performance.now() - t0, sentAt: t0, error: String(e) }),
        );
      },
    );
    req.on('error', (e) =>
      resolve({ status: 0, headers: {}, body: '', ms: performance.now() - t0, sentAt: t0, error: String(e) }),
    );
    req.end();
  });
}

/**
 * `clients` closed-loop clients (each one keep-alive connection, like fortio/k6 VUs) sending
 * until `total` requests were sent in all, or for `forMs`; bounded either way.
 */
export async function closedLoop(
  url: string,
  clients: number,
  limit: { total?: number; forMs?: number },
): Promise<Reply[]> {
  const out: Reply[] = [];
  let left = limit.total ?? Infinity;
  const end = performance.now() + (limit.forMs ?? 60_000);
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      while (left > 0 && performance.now() < end) {
        left--;
        out.push(await send(url, { agent }));
      }
      agent.destroy();
    }),
  );
  return out;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The demo app with `n` pods of the given behaviours (default: fixed 200 ms). */
export function appWith(behaviours: PodBehaviour[], objects?: Record<string, unknown>[]): AppModel {
  return {
    service: { name: 'productpage', namespace: 'default', port: 9080 },
    gatewayHost: HOST,
    pods: behaviours.map((b, i) => ({
      name: `productpage-v1-${i}`,
      labels: { app: 'productpage', version: 'v1' },
      behaviour: b,
    })),
    objects: objects ?? [vs({})],
  };
}

export const fixed = (ms: number): PodBehaviour => ({ mode: 'serve', latency: { kind: 'fixed', ms } });

/** The pre-existing VirtualService plus `extra` fields on its single http route. */
export function vs(extra: Record<string, unknown>, name = 'productpage'): Record<string, unknown> {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace: 'default' },
    spec: {
      hosts: [HOST],
      gateways: ['bookinfo-gateway'],
      http: [
        {
          match: [{ uri: { prefix: '/' } }],
          route: [{ destination: { host: 'productpage', port: { number: 9080 } } }],
          ...extra,
        },
      ],
    },
  };
}

export function dr(
  trafficPolicy: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: 'productpage', namespace: 'default' },
    spec: { host: 'productpage', trafficPolicy, ...extra },
  };
}

/** productpage v1 and v2, one pod each (labels app, version), all with `behaviour`. */
export function twoVersions(objects: Record<string, unknown>[], behaviour = fixed(0)): AppModel {
  return {
    service: { name: 'productpage', namespace: 'default', port: 9080 },
    gatewayHost: HOST,
    pods: ['v1', 'v2'].map((v) => ({
      name: `productpage-${v}-0`,
      labels: { app: 'productpage', version: v },
      behaviour,
    })),
    objects,
  };
}

/** A DestinationRule with subsets v1 and v2 by the `version` label. */
export const SUBSETS = dr(
  { connectionPool: { tcp: { maxConnections: 100 } } },
  {
    subsets: [
      { name: 'v1', labels: { version: 'v1' } },
      { name: 'v2', labels: { version: 'v2' } },
    ],
  },
);

/** A VirtualService `pp` on the gateway with these http routes. */
export function routes(http: Record<string, unknown>[], hosts = [HOST]) {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'pp', namespace: 'default' },
    spec: { hosts, gateways: ['bookinfo-gateway'], http },
  };
}

/** A route destination: productpage's `subset`, with a weight and §6.3 headers if given. */
export const to = (subset: string, weight?: number, headers?: unknown) => ({
  destination: { host: 'productpage', subset },
  ...(weight === undefined ? {} : { weight }),
  ...(headers ? { headers } : {}),
});

/** Fetches an admin path as text. */
export async function admin(base: string, path: string): Promise<string> {
  const r = await send(base, { path, host: 'admin' });
  return r.body;
}

/** Waits until `cond()` or the deadline; returns whether it held. */
export async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (cond()) return true;
    await sleep(5);
  }
  return cond();
}

/**
 * Event-loop stalls. Client, gateway and pods share one event loop on a shared 2-core CI
 * machine; a stall (GC, another process) delays every timer alike, so timing assertions add
 * the longest stall seen to their upper bounds. Lower bounds need no allowance: timers never
 * fire early.
 */
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
export const stall = {
  /** call at the start of a timed test */
  reset: () => loop.reset(),
  /** longest stall since reset, in ms, beyond the 5 ms sampling resolution */
  ms: () => Math.max(0, loop.max / 1e6 - 5),
};

/** lo ≤ x < hi + stalls since the last stall.reset() */
export function within(x: number, lo: number, hi: number): boolean {
  return x >= lo && x < hi + stall.ms();
}

/**
 * Writes raw bytes to a port (or a URL's port) on 127.0.0.1 and collects what comes back for
 * `ms`: the bytes, their latin1 text with every `date:` value as `<now>`, and whether the server
 * closed the connection in that time.
 */
export function rawExchange(
  to: string | number,
  data: string | Buffer,
  ms = 300,
): Promise<{ text: string; bytes: Buffer; closed: boolean }> {
  const port = typeof to === 'number' ? to : Number(new URL(to).port);
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(t);
      s.destroy();
      const bytes = Buffer.concat(got);
      resolve({ bytes, text: bytes.toString('latin1').replace(/date: [^\r]+/gi, 'date: <now>'), closed });
    };
    const t = setTimeout(() => finish(false), ms);
    s.on('data', (d: Buffer) => got.push(d));
    s.on('close', () => finish(true));
    s.on('error', () => undefined);
    s.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  });
}
