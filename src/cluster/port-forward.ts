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
import { PortForward, type KubeConfig } from '@kubernetes/client-node';

export interface ForwardedResponse {
  status: number;
  contentType: string;
  body: string;
}

export async function getViaPortForward(kc: KubeConfig, namespace: string, pod: string, port: number, path: string, timeoutMs: number): Promise<ForwardedResponse> {
  const forward = new PortForward(kc);
  const remoteErrors: string[] = [];
  const sockets = new Set<net.Socket>();
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
      (err: Error) => socket.destroy(err),
    );
  });
  await new Promise<void>((resolve) => bridge.listen(0, '127.0.0.1', resolve));
  const local = (bridge.address() as AddressInfo).port;
  try {
    return await new Promise<ForwardedResponse>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: local, path: `/${path}`, headers: { connection: 'close' }, timeout: timeoutMs }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer from ${pod}:${port} within ${timeoutMs} ms`)));
      req.on('error', (err) => reject(new Error(`port-forward to ${pod}:${port}: ${remoteErrors.join(' ').trim() || err.message}`)));
    });
  } finally {
    for (const s of sockets) s.destroy();
    bridge.close();
  }
}
