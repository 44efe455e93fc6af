/** Scripted loopback HTTP servers for the load tests (127.0.0.1 only; closed by the test). */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestServer {
  url: string;
  /** requests received so far */
  received: number;
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

export async function startServer(handler: Handler): Promise<TestServer> {
  const timers = new Set<NodeJS.Timeout>();
  const s: TestServer = { url: '', received: 0, close: async () => {} };
  const server = createServer((req, res) => {
    const n = s.received++;
    req.resume();
    req.on('end', () => handler(req, res, n));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  s.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  s.close = async () => {
    for (const t of timers) clearTimeout(t);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return s;
}

/** Replies 200 "ok" after `ms` (timer cleared if the client goes away first). */
export function delayed(ms: number): Handler {
  return (_req, res) => {
    const t = setTimeout(() => res.end('ok'), ms);
    res.on('close', () => clearTimeout(t));
  };
}

export const ok: Handler = (_req, res) => res.end('ok');
