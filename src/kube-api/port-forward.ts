/**
 * `pods/portforward` of the local Kubernetes API: the WebSocket channel protocol client-node
 * speaks (v4.channel.k8s.io, kubelet's portforward/websocket.go: first byte of each frame =
 * channel, 0 data / 1 error; the first frame of each channel carries the port, little-endian),
 * bridged to the pod's port over TCP. RFC 6455 framing, just enough for binary frames and
 * close. Nothing listening: the upgrade succeeds and the error channel says why (kubelet's
 * "error forwarding port …"). One port per request; SPDY (kubectl port-forward's default
 * before 1.31) is not served.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Status } from './status.js';
import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export function portForward(req: http.IncomingMessage, socket: Socket, target: URL, port: number): void {
  const accept = createHash('sha1')
    .update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
    .digest('base64');
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: v4.channel.k8s.io\r\n\r\n`,
  );
  const portBytes = Buffer.from([port & 0xff, port >> 8]);
  // first frame of each channel carries the port number (data 0, error 1)
  socket.write(wsFrame(0x2, Buffer.concat([Buffer.from([0]), portBytes])));
  socket.write(wsFrame(0x2, Buffer.concat([Buffer.from([1]), portBytes])));
  const upstream = connect(Number(target.port), target.hostname);
  const closeBoth = () => {
    if (!socket.destroyed) socket.end(wsFrame(0x8, Buffer.from([0x03, 0xe8])));
    upstream.destroy();
  };
  upstream.on('data', (d: Buffer) => socket.write(wsFrame(0x2, Buffer.concat([Buffer.from([0]), d]))));
  upstream.on('end', closeBoth);
  upstream.on('error', (err) => {
    socket.write(
      wsFrame(0x2, Buffer.concat([Buffer.from([1]), Buffer.from(`error forwarding port ${port}: ${err.message}`)])),
    );
    closeBoth();
  });
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    for (let f = readFrame(pending); f; f = readFrame(pending)) {
      pending = pending.subarray(f.length);
      if (f.opcode === 0x8) return closeBoth();
      if (f.opcode === 0x2 && f.payload[0] === 0 && f.payload.length > 1) upstream.write(f.payload.subarray(1));
    }
  });
  socket.on('error', () => upstream.destroy());
  socket.on('close', () => upstream.destroy());
}

function wsFrame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  const head =
    n < 126
      ? Buffer.from([0x80 | opcode, n])
      : n < 65536
        ? Buffer.from([0x80 | opcode, 126, n >> 8, n & 0xff])
        : Buffer.concat([Buffer.from([0x80 | opcode, 127]), u64(n)]);
  return Buffer.concat([head, payload]);
}
function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}
/** One client frame (always masked), or undefined when incomplete. */
function readFrame(b: Buffer): { opcode: number; payload: Buffer; length: number } | undefined {
  if (b.length < 2) return undefined;
  let len = b[1] & 0x7f;
  let off = 2;
  if (len === 126) {
    if (b.length < 4) return undefined;
    len = b.readUInt16BE(2);
    off = 4;
  } else if (len === 127) {
    if (b.length < 10) return undefined;
    len = Number(b.readBigUInt64BE(2));
    off = 10;
  }
  const masked = (b[1] & 0x80) !== 0;
  const mask = masked ? b.subarray(off, off + 4) : undefined;
  if (masked) off += 4;
  if (b.length < off + len) return undefined;
  const payload = Buffer.from(b.subarray(off, off + len));
  if (mask) for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4];
  return { opcode: b[0] & 0x0f, payload, length: off + len };
}

/** An upgrade answered with a plain HTTP error instead of 101, as the apiserver's filters do. */
export function refuseUpgrade(socket: Duplex, s: Status): void {
  const body = JSON.stringify(s.json);
  socket.end(
    `HTTP/1.1 ${s.code} ${http.STATUS_CODES[s.code]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** `/api/v1/namespaces/NS/pods/NAME/portforward`: the namespace and pod, or undefined. */
export function portForwardPath(pathname: string): { namespace: string; pod: string } | undefined {
  const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/portforward$/.exec(pathname);
  return m ? { namespace: decodeURIComponent(m[1]), pod: decodeURIComponent(m[2]) } : undefined;
}
