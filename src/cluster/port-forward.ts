/**
 * One HTTP GET to a pod port through the API server's port-forward (client-node's
 * `PortForward`, WebSocket channel protocol). Needed because stock Istio binds Envoy's admin
 * (15000) to 127.0.0.1 inside the pod: the pod proxy (which dials the pod IP) is refused,
 * while a port-forward connects from inside the pod's network namespace — what
 * `istioctl proxy-config` does. A loopback listener bridges node's HTTP client to the stream.
 */
import http from 'node:http';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import type { AddressInfo } from 'node:net';
import type { Connection } from './kubeconfig.js';

/**
 * The API server answered the port-forward upgrade with an HTTP status instead of 101: 401
 * (credentials), 403 (RBAC: the WebSocket upgrade is a GET, so the verb checked is **get** on
 * `pods/portforward` — derailed/k9s#4144, devantler-tech/platform#2499), 404 (no such pod, or
 * its node does not know it). client-node 1.4's `WebSocketHandler.connect` rejects with the
 * `ws` library's ErrorEvent, whose message is "Unexpected server response: 403"
 * (node_modules/@kubernetes/client-node/dist/web-socket-handler.js, `client.onerror`); the
 * Status body is not passed on, so the status code is all there is to go by.
 */
export class PortForwardRefused extends Error {
  constructor(readonly status: number) {
    super(`the API server answered ${status} to the port-forward upgrade`);
  }
}

/** The HTTP status of a refused upgrade, from the error client-node hands back; else undefined. */
function refusedStatus(err: unknown): number | undefined {
  const message = (err as { message?: unknown } | undefined)?.message;
  const m = typeof message === 'string' ? /Unexpected server response: (\d{3})/.exec(message) : null;
  return m ? Number(m[1]) : undefined;
}

export interface ForwardedResponse {
  status: number;
  contentType: string;
  body: string;
}

export async function getViaPortForward(
  conn: Pick<Connection, 'kc' | 'k8s'>,
  namespace: string,
  pod: string,
  port: number,
  path: string,
  timeoutMs: number,
): Promise<ForwardedResponse> {
  const forward = new conn.k8s.PortForward(conn.kc);
  const remoteErrors: string[] = [];
  const sockets = new Set<net.Socket>();
  // set when the upgrade itself is refused: the HTTP request below then fails with it
  let refused: Error | undefined;
  const bridge = net.createServer((socket) => {
    sockets.add(socket);
    const errors = new PassThrough();
    errors.on('data', (d: Buffer) => remoteErrors.push(d.toString('utf8')));
    forward.portForward(namespace, pod, [port], socket, errors, socket).then(
      (ws) => {
        const w = typeof ws === 'function' ? ws() : ws;
        // the pod side closed (response complete, or refused): end our side too
        w?.on('close', () => socket.end());
        socket.on('close', () => w?.close());
      },
      (err: unknown) => {
        // never destroy(err): this socket has no 'error' listener, and an ErrorEvent is not
        // an Error — node would crash the process with ERR_UNHANDLED_ERROR (issue 11 item 1)
        const status = refusedStatus(err);
        refused =
          status !== undefined
            ? new PortForwardRefused(status)
            : new Error(`port-forward to ${pod}:${port}: ${(err as { message?: string })?.message ?? String(err)}`);
        socket.destroy();
      },
    );
  });
  await new Promise<void>((resolve) => bridge.listen(0, '127.0.0.1', resolve));
  const local = (bridge.address() as AddressInfo).port;
  try {
    return await new Promise<ForwardedResponse>((resolve, reject) => {
      const req = http.get(
        { host: '127.0.0.1', port: local, path: `/${path}`, headers: { connection: 'close' }, timeout: timeoutMs },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer from ${pod}:${port} within ${timeoutMs} ms`)));
      req.on('error', (err) =>
        reject(refused ?? new Error(`port-forward to ${pod}:${port}: ${remoteErrors.join(' ').trim() || err.message}`)),
      );
    });
  } finally {
    for (const s of sockets) s.destroy();
    bridge.close();
  }
}
