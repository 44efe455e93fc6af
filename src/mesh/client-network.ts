/**
 * The client's network (issue 12 item 4): a TCP delay line between load clients and the
 * gateway, so a local run sees the round-trip time a workshop's k6 sees through a real
 * ingress instead of loopback's 0.1 ms. On loopback a shed client retries at once and the
 * connection-pool demo sheds ~99 %; over a ~60 ms network the same 10 VUs see ~60 % (the
 * shed share is set by RTT, service time and client count, not by the policy alone).
 *
 * Each direction is a FIFO delay line at the socket level: bytes written at t arrive at the
 * other end at max(t + oneWay(), the previous arrival) — TCP delivers in order, so jitter
 * never reorders. The handshake costs a round trip before the client's first byte can
 * travel (SYN, SYN-ACK), so the first request reaches the gateway three one-way delays
 * after the client connected. A close (FIN) travels behind the data like any segment; a
 * reset or socket error tears both sides down at once.
 *
 * One-way delay = rtt/2 + jitter·(u − ½), u uniform in [0, 1) from the mesh's seed, never
 * below 0: the round trip varies by up to ±jitter around `rtt`.
 *
 * Not reproduced: the client's own `connect` completes at once (the kernel finishes the
 * loopback handshake before user space sees it), so the handshake's round trip shows in the
 * first request's duration instead of the client's connect time — once per connection,
 * and closed-loop VUs keep theirs. No loss, no bandwidth limit, no MTU.
 */
import net from 'node:net';
import { once } from 'node:events';
import type { Rng } from '../util/random.js';

export interface ClientNetwork {
  /** round-trip time client ↔ gateway, ms */
  rttMs: number;
  /** spread of the round trip, ms: each one-way delay is rtt/2 ± jitter/2 (uniform) */
  jitterMs: number;
}

/** Loopback as it is: no delay line at all (the gateway listens for clients itself). */
export const NO_NETWORK: ClientNetwork = { rttMs: 0, jitterMs: 0 };

export const hasDelay = (n: ClientNetwork): boolean => n.rttMs > 0 || n.jitterMs > 0;

export interface DelayLine {
  port: number;
  /** closes the listener and every connection through it */
  close(): Promise<void>;
}

/** One direction of one connection: chunks (and finally the FIN) leave in order, each at its time. */
class Lane {
  private queue: { at: number; chunk: Buffer | null }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private lastAt = 0;

  constructor(
    private readonly to: net.Socket,
    private readonly oneWay: () => number,
  ) {}

  /** `notBefore`: the earliest time the sender could have put it on the wire. null = FIN. */
  send(chunk: Buffer | null, notBefore = 0): void {
    const at = Math.max(Math.max(performance.now(), notBefore) + this.oneWay(), this.lastAt);
    this.lastAt = at;
    this.queue.push({ at, chunk });
    if (!this.timer) this.arm();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue = [];
  }

  private arm(): void {
    const head = this.queue[0];
    this.timer = setTimeout(() => this.flush(), Math.max(0, head.at - performance.now()));
  }

  private flush(): void {
    this.timer = null;
    const now = performance.now();
    while (this.queue.length && this.queue[0].at <= now + 0.5) {
      const { chunk } = this.queue.shift() as { chunk: Buffer | null };
      if (this.to.destroyed) return this.stop();
      if (chunk) this.to.write(chunk);
      else this.to.end();
    }
    if (this.queue.length) this.arm();
  }
}

/** One-way delays, ms: rtt/2 + jitter·(u − ½), u from `rng`, never below 0. */
export function oneWayDelays(network: ClientNetwork, rng: Rng): () => number {
  return () => Math.max(0, network.rttMs / 2 + network.jitterMs * (rng.next() - 0.5));
}

/**
 * Listens on 127.0.0.1 and forwards every connection to `gatewayPort` through two lanes.
 * `rng` draws the jitter (seeded by the mesh).
 */
export async function startDelayLine(
  gatewayPort: number,
  network: ClientNetwork,
  rng: Rng,
  port = 0,
): Promise<DelayLine> {
  const oneWay = oneWayDelays(network, rng);
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    track(client);
    client.setNoDelay(true);
    // SYN → SYN-ACK: only from here could the client have put its first byte on the wire
    const established = performance.now() + oneWay() + oneWay();
    // an idle connection costs the gateway nothing until its first byte, so it is opened at
    // once; the bytes themselves obey the delay line
    const upstream = net.connect({ port: gatewayPort, host: '127.0.0.1', allowHalfOpen: true, noDelay: true });
    track(upstream);
    const up = new Lane(upstream, oneWay);
    const down = new Lane(client, oneWay);
    const teardown = () => {
      up.stop();
      down.stop();
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (c: Buffer) => up.send(c, established));
    client.on('end', () => up.send(null, established));
    upstream.on('data', (c: Buffer) => down.send(c));
    upstream.on('end', () => down.send(null));
    // a reset (or a socket error) is not delayed: it tears both sides down
    client.on('error', teardown);
    upstream.on('error', teardown);
    client.on('close', (hadError) => hadError && teardown());
    upstream.on('close', (hadError) => hadError && teardown());
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
