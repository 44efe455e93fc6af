/**
 * The access log's numbers as Envoy's formatter computes them (formatter/stream_info_formatter.cc,
 * stream_info/stream_info_impl.h; src/mesh/access-log.ts): `%DURATION%` is StreamInfo's
 * currentDuration() — from the stream's start, the codec's first byte of the request, to its end
 * — cast to whole ms with duration_cast (truncation); `%BYTES_SENT%` / `%BYTES_RECEIVED%` count
 * body bytes as `ActiveStream::encodeData` / `decodeData` pass them (no headers, no chunk
 * framing; none for HEAD; a stream cut short counts what it got). Resets and chunked bodies end
 * to end: tests/mesh/downstream-resets.test.ts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { formatAccessLine } from '../../src/mesh/access-log.js';
import type { MeshResponse } from '../../src/mesh/downstream.js';
import { NO_MUTATIONS } from '../../src/mesh/header-mutation.js';
import { startMesh, type LocalMesh } from '../../src/mesh/index.js';
import type { Downstream } from '../../src/mesh/router.js';
import { appWith, fixed, HOST, rawExchange, sleep } from './helpers.js';

/** A finished request as the gateway hands it to the log: a 200 whose head said content-length 99. */
function downstream(bytesSent: number): Downstream {
  return {
    req: { method: 'GET', httpVersion: '1.1', headers: { host: 'a' } },
    res: { getHeader: (n: string) => (n === 'content-length' ? 99 : undefined) } as unknown as MeshResponse,
    body: Buffer.from('abc'),
    worker: 0,
    path: '/p',
    flags: 0,
    upstreamHost: '127.0.0.1:1',
    clusterName: 'c',
    serviceTimeMs: 3,
    mutations: NO_MUTATIONS,
    bytesSent,
    resetStream() {},
    finish() {},
  } as unknown as Downstream;
}

/** `<bytes received> <bytes sent> <duration>` of a line. */
function numbers(line: string): [number, number, number] {
  const m = /"-" (\d+) (\d+) (\d+) /.exec(line);
  assert.ok(m, line);
  return [Number(m?.[1]), Number(m?.[2]), Number(m?.[3])];
}

test('%DURATION% truncates to whole ms (StreamInfoDurationFormatterProvider: duration_cast<milliseconds>), %BYTES_SENT% is the body bytes the stream sent, not a content-length', () => {
  assert.equal(numbers(formatAccessLine(downstream(7), 200, 1000, 1012.9, 0)), [3, 7, 12]);
  assert.equal(numbers(formatAccessLine(downstream(0), 200, 1000, 1000.99, 0)), [3, 0, 0]);
});

async function withLog(fn: (mesh: LocalMesh) => Promise<void>): Promise<string[]> {
  const log = path.join(os.tmpdir(), `meshproof-access-numbers-${process.pid}.log`);
  const mesh = await startMesh({ app: appWith([fixed(0)]), seed: 11, accessLogPath: log });
  try {
    await fn(mesh);
  } finally {
    await mesh.stop();
  }
  await sleep(5);
  const lines = fs.readFileSync(log, 'utf8').trim().split('\n');
  fs.rmSync(log);
  return lines;
}

test("§6.1 %START_TIME% and %DURATION% count from the request's first byte (the codec opens the stream there: onMessageBeginBase → newStream), not from when it was whole", async () => {
  let firstByteAt = 0;
  const lines = await withLog(async (mesh) => {
    const s = net.connect(Number(new URL(mesh.gatewayUrl).port), '127.0.0.1');
    s.on('error', () => {});
    await new Promise((r) => s.once('connect', r));
    firstByteAt = Date.now();
    s.write(`POST /productpage HTTP/1.1\r\nHost: ${HOST}\r\ncontent-length: 4\r\n\r\nab`);
    await sleep(150);
    s.write('cd');
    await new Promise((r) => s.once('data', r));
    s.destroy();
  });
  assert.is(lines.length, 1);
  const [received, , duration] = numbers(lines[0]);
  assert.is(received, 4);
  // a lower bound only: the gateway held the stream at least the 150 ms between the two writes
  assert.ok(duration >= 150, lines[0]);
  const start = Date.parse(/^\[([^\]]+)\]/.exec(lines[0])?.[1] ?? '');
  assert.ok(start < firstByteAt + 100, `started ${start - firstByteAt} ms after the first byte was sent`);
});

test('§6.1 HEAD: %BYTES_SENT% 0 for a proxied response and for a local reply, whose content-length still says the body size (Utility::sendLocalReply: headers with end_stream for HEAD)', async () => {
  const lines = await withLog(async (mesh) => {
    const proxied = await rawExchange(mesh.gatewayUrl, `HEAD /productpage HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`, 300);
    assert.match(proxied.text, /^HTTP\/1\.1 200 OK\r\n[^]*content-length: \d+\r\n/);
    const refused = await rawExchange(mesh.gatewayUrl, `HEAD /productpage HTTP/1.0\r\nHost: ${HOST}\r\n\r\n`, 300);
    assert.match(refused.text, /^HTTP\/1\.1 426 Upgrade Required\r\ncontent-length: 16\r\n/);
    assert.ok(refused.text.endsWith('\r\n\r\n'), 'no body on the wire');
    const get = await rawExchange(mesh.gatewayUrl, `GET /productpage HTTP/1.0\r\nHost: ${HOST}\r\n\r\n`, 300);
    assert.ok(get.text.endsWith('\r\n\r\nUpgrade Required'));
  });
  assert.equal(
    lines.map((l) => [/" (\d{3}) /.exec(l)?.[1], numbers(l)[1]]),
    [
      ['200', 0],
      ['426', 0],
      ['426', 16],
    ],
  );
});

test('§6.1 a request whose client left mid-body: %BYTES_RECEIVED% is the body bytes read (ActiveStream::decodeData adds each slice), status 0, DC', async () => {
  const lines = await withLog(async (mesh) => {
    const s = net.connect(Number(new URL(mesh.gatewayUrl).port), '127.0.0.1');
    s.on('error', () => {});
    s.write(`POST /productpage HTTP/1.1\r\nHost: ${HOST}\r\ncontent-length: 10\r\n\r\nabcd`);
    await sleep(100);
    s.destroy();
    await sleep(100);
  });
  assert.is(lines.length, 1);
  assert.match(lines[0], /"POST \/productpage HTTP\/1\.1" 0 DC /);
  assert.equal(numbers(lines[0]).slice(0, 2), [4, 0]);
});

test.run();
