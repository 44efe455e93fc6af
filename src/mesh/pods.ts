/**
 * Simulated upstream pods: each a real HTTP/1.1 server (pod-http.ts: node's http server's bytes) on 127.0.0.1 with its own port, labels
 * and a behaviour that can change while running (app-model.ts PodBehaviour): serve with a
 * latency model and an error rate, refuse (port closed), hang (accept, never answer), close
 * (read the request, close before headers). Randomness comes from a seeded Rng per pod.
 *
 * startPod runs a pod on the calling thread; the mesh runs its pods on their own thread
 * (pod-worker.ts, started by pod-host.ts), where the same startPod serves them.
 */
import type http from 'node:http';
import net, { type Socket } from 'node:net';
import type { PodBehaviour, PodSpec } from './app-model.js';
import { latencySampler } from './latency.js';
import { PodConnection, type PodRequest, type PodResponse } from './pod-http.js';
import type { Rng } from '../util/random.js';

/** What a pod remembers of a request it received (the last MAX_SEEN are kept). */
export interface SeenRequest {
  at: number;
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  /** in `serve` mode, what the pod drew for this request: its status and its service time */
  status?: number;
  latencyMs?: number;
}
const MAX_SEEN = 64;

export interface PodHandle {
  name: string;
  url: string;
  port: number;
  labels: Record<string, string>;
  /**
   * Resolves once the pod applied it (its port closed for `refuse`, open again after it): a
   * request sent after that sees the new behaviour.
   */
  setBehaviour(b: PodBehaviour): Promise<void>;
  /** requests received (headers parsed) since start; exact at any time */
  requestsSeen(): number;
  /** current behaviour (the gateway reads `connectDelayMs` from it) */
  behaviour(): PodBehaviour;
  /** the last requests received, oldest first (at most 64) */
  lastRequests(): Promise<SeenRequest[]>;
}

/** A pod plus its lifecycle, for the mesh that owns it. */
export interface Pod extends PodHandle {
  stop(): Promise<void>;
}

/** Where a pod counts and dates what it sees: a hosting thread shares its counter and clock. */
export interface PodOptions {
  /** 0 = any free port */
  port?: number;
  /** slot 0 counts requests (Atomics.add), so another thread can read it with Atomics.load */
  seen?: Uint32Array;
  /** the clock of `SeenRequest.at`; default performance.now() */
  now?: () => number;
}

const HOST = '127.0.0.1';

export async function startPod(spec: PodSpec, rng: Rng, opts: PodOptions = {}): Promise<Pod> {
  let behaviour: PodBehaviour = { ...spec.behaviour };
  let sample = latencySampler(behaviour.latency, rng);
  const seen = opts.seen ?? new Uint32Array(1);
  const now = opts.now ?? (() => performance.now());
  let port = opts.port ?? 0;
  const log: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let listening = false;
  let stopped = false;

  const onRequest = (req: PodRequest, res: PodResponse) => {
    Atomics.add(seen, 0, 1);
    if (log.length === MAX_SEEN) log.shift();
    const entry: SeenRequest = { at: now(), method: req.method, url: req.url, headers: req.headers };
    log.push(entry);
    const mode = behaviour.mode ?? 'serve';
    if (mode === 'close') return void req.socket.destroy();
    if (mode === 'hang') return;
    const err = behaviour.errors;
    const status = err && rng.next() < err.rate ? err.status : 200;
    const body = `${spec.name} ${status}\n`;
    const answer = () => {
      if (res.destroyed) return;
      res.writeHead(status, {
        'content-type': 'text/plain',
        'content-length': Buffer.byteLength(body),
        'x-meshproof-pod': spec.name,
      });
      res.end(body);
    };
    const ms = sample();
    entry.status = status;
    entry.latencyMs = ms;
    // no latency means no timer: node clamps setTimeout(0) to 1 ms, which would add a
    // millisecond of noise to every "instant" pod (and to the gateway-overhead benchmark)
    if (ms <= 0) return answer();
    const timer = setTimeout(() => {
      timers.delete(timer);
      answer();
    }, ms);
    timers.add(timer);
  };
  // No idle timeout: upstream keep-alive must outlive the gateway's (Envoy's idle timeout is 1 h);
  // a pod closing an idle pooled connection would race with a request being sent on it.
  const server = net.createServer((s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    new PodConnection(s, onRequest);
  });

  const listen = (p: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(p, HOST, () => {
        server.off('error', reject);
        listening = true;
        resolve();
      });
    });
  const dropAll = () => {
    for (const s of sockets) s.destroy();
    for (const t of timers) clearTimeout(t);
    timers.clear();
  };
  const close = () =>
    new Promise<void>((resolve) => {
      if (!listening) return resolve();
      listening = false;
      server.close(() => resolve());
      dropAll();
    });

  if ((behaviour.mode ?? 'serve') !== 'refuse') await listen(port);
  else {
    // reserve a port number, then close it: connects to it are refused
    await listen(port);
    port = (server.address() as { port: number }).port;
    await close();
  }
  if (listening) port = (server.address() as { port: number }).port;

  return {
    name: spec.name,
    url: `http://${HOST}:${port}`,
    port,
    labels: { ...spec.labels },
    async setBehaviour(b: PodBehaviour) {
      const was = behaviour.mode ?? 'serve';
      behaviour = { ...b };
      sample = latencySampler(behaviour.latency, rng);
      const mode = behaviour.mode ?? 'serve';
      if (stopped || was === mode) return;
      // "refuse" = pod down: the port closes and its connections drop; leaving it re-listens
      // (a port taken meanwhile by someone else leaves the pod down, as before)
      if (mode === 'refuse') await close();
      else if (was === 'refuse') await listen(port).catch(() => undefined);
    },
    requestsSeen: () => Atomics.load(seen, 0),
    behaviour: () => behaviour,
    lastRequests: async () => log.slice(),
    async stop() {
      stopped = true;
      await close();
    },
  };
}
