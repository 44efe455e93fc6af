/** Calls against a local Kubernetes API in tests: JSON requests, a watch stream read line by line, the real kubectl. */
import http from 'node:http';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { CoreObjects } from '../../src/kube-api/core.js';

export async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': contentType, 'user-agent': 'kubectl/v1.32.4' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
}

export interface WatchStream {
  status: number;
  /** events received so far */
  events: { type: string; object: any }[];
  /** resolves when `n` events arrived (or rejects after `ms`) */
  until(n: number, ms?: number): Promise<void>;
  /** resolves when the server ended the stream */
  ended: Promise<void>;
  close(): void;
}

/** Opens `GET path` (a watch) and collects its newline-delimited JSON events. */
export function watch(base: string, path: string): Promise<WatchStream> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}${path}`, (res) => {
      const events: { type: string; object: any }[] = [];
      let buf = '';
      const waiters: (() => void)[] = [];
      let endResolve!: () => void;
      const ended = new Promise<void>((r) => (endResolve = r));
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        buf += c;
        let i = buf.indexOf('\n');
        while (i >= 0) {
          events.push(JSON.parse(buf.slice(0, i)));
          buf = buf.slice(i + 1);
          i = buf.indexOf('\n');
        }
        for (const w of waiters.splice(0)) w();
      });
      res.on('end', endResolve);
      res.on('close', endResolve);
      resolve({
        status: res.statusCode ?? 0,
        events,
        ended,
        close: () => req.destroy(),
        until: (n, ms = 5000) =>
          new Promise<void>((ok, fail) => {
            const deadline = setTimeout(() => fail(new Error(`only ${events.length} of ${n} events in ${ms} ms`)), ms);
            const check = () => {
              if (events.length >= n) {
                clearTimeout(deadline);
                ok();
              } else waiters.push(check);
            };
            check();
          }),
      });
    });
    req.on('error', reject);
  });
}

/**
 * The core objects the API tests serve: the default namespace, the gateway's service and pod
 * (istio-system, `istio: ingressgateway`, pod IP 127.0.0.1) and the app's service.
 */
export function coreFixture(): CoreObjects {
  return {
    namespaces: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }],
    services: [
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'gw', namespace: 'istio-system', labels: { istio: 'ingressgateway' } },
      },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'app', namespace: 'default', labels: { app: 'app' } } },
    ],
    pods: [
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'gw-0', namespace: 'istio-system', labels: { istio: 'ingressgateway' } },
        status: { podIP: '127.0.0.1' },
      },
    ],
  };
}

const exec = promisify(execFile);

/** The real kubectl with a kubeconfig: its output and exit code (never throws for a failed command). */
export async function runKubectl(
  kubeconfig: string,
  ...args: string[]
): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    return { ...(await exec('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 20_000 })), code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}
