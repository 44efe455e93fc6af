/**
 * Downstream protocols at the gateway (istio-envoy-semantics.md §6.1): codec AUTO serves h2c
 * with prior knowledge on the same port, and HTTP/1.0 gets `426 Upgrade Required` unless
 * PILOT_HTTP10 — checked on raw sockets, byte for byte where Envoy's bytes are known.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http2 from 'node:http2';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startMesh, type LocalMesh } from '../../src/mesh/index.js';
import { HCM_PREFIX } from '../../src/mesh/stats.js';
import { appWith, fixed, HOST, rawExchange } from './helpers.js';

const raw = rawExchange;

async function withMesh(
  opts: { acceptHttp10?: boolean; accessLogPath?: string },
  fn: (mesh: LocalMesh) => Promise<void>,
): Promise<void> {
  const mesh = await startMesh({ app: appWith([fixed(1)]), seed: 3, ...opts });
  try {
    await fn(mesh);
  } finally {
    await mesh.stop();
  }
}

test('§6.1 HTTP/1.0 without keep-alive: 426 Upgrade Required with the code name as body (codec sendProtocolError), Connection: close, closed; the pod never sees it', async () => {
  await withMesh({}, async (mesh) => {
    const r = await raw(mesh.gatewayUrl, `GET /productpage HTTP/1.0\r\nHost: ${HOST}\r\n\r\n`);
    assert.is(
      r.text,
      'HTTP/1.1 426 Upgrade Required\r\ncontent-length: 16\r\ncontent-type: text/plain\r\nserver: istio-envoy\r\ndate: <now>\r\nconnection: close\r\n\r\nUpgrade Required',
    );
    assert.ok(r.closed, 'codecProtocolError: the HCM closes the connection');
    assert.is(mesh.pods[0].requestsSeen(), 0);
    const stats = mesh.stats();
    assert.is(stats[`${HCM_PREFIX}.downstream_rq_4xx`], 1, 'a 4xx the gateway itself answered');
    assert.is(stats[`${HCM_PREFIX}.downstream_rq_total`], 1);
    // the reply ended a request the codec never read whole: doEndStream resets the stream
    assert.is(stats[`${HCM_PREFIX}.downstream_rq_rx_reset`], 1);
  });
});

test('§6.1 HTTP/1.0 with Connection: keep-alive: 426 all the same, and the connection is closed (a codec protocol error closes it, handleCodecError): the pipelined HTTP/1.1 request is never served', async () => {
  await withMesh({}, async (mesh) => {
    const r = await raw(
      mesh.gatewayUrl,
      `GET /productpage HTTP/1.0\r\nHost: ${HOST}\r\nConnection: keep-alive\r\n\r\nGET /productpage HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`,
    );
    const [first, second] = r.text.split(/(?=HTTP\/1\.1 )/);
    assert.is(
      first,
      // conn_manager_impl.cc ActiveStream::encodeHeaders: the request never completed
      // (!remoteDecodeComplete) → connection: close, over the HTTP/1.0 keep-alive
      'HTTP/1.1 426 Upgrade Required\r\ncontent-length: 16\r\ncontent-type: text/plain\r\nserver: istio-envoy\r\ndate: <now>\r\nconnection: close\r\n\r\nUpgrade Required',
    );
    assert.is(second, undefined);
    assert.ok(r.closed);
    assert.is(mesh.pods[0].requestsSeen(), 0);
  });
});

test('§6.1 with PILOT_HTTP10 (acceptHttp10) HTTP/1.0 is proxied; without Host it is 400', async () => {
  await withMesh({ acceptHttp10: true }, async (mesh) => {
    const ok = await raw(mesh.gatewayUrl, `GET /productpage HTTP/1.0\r\nHost: ${HOST}\r\n\r\n`);
    // codec_impl.cc ResponseEncoderImpl::encodeHeaders: HTTP/1.0 answered as HTTP/1.0 when supported
    assert.match(ok.text, /^HTTP\/1\.0 200 OK\r\n/);
    assert.match(ok.text, /x-envoy-upstream-service-time: \d+\r\n/);
    const noHost = await raw(mesh.gatewayUrl, 'GET /productpage HTTP/1.0\r\n\r\n');
    assert.match(noHost.text, /^HTTP\/1\.0 400 Bad Request\r\ncontent-length: 0\r\nserver: istio-envoy\r\n/);
    assert.is(mesh.pods[0].requestsSeen(), 1);
  });
});

test('§6.1 the h2c preface gets an HTTP/2 SETTINGS frame back on the same port (not HTTP/1 text, not a close)', async () => {
  await withMesh({}, async (mesh) => {
    const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
    const emptySettings = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
    const r = await raw(mesh.gatewayUrl, Buffer.concat([preface, emptySettings]));
    assert.ok(r.bytes.length >= 9, `got ${r.bytes.length} bytes`);
    assert.is(r.bytes[3], 0x4, 'first frame type: SETTINGS');
    assert.is(r.bytes.readUInt32BE(5) & 0x7fffffff, 0, 'stream 0');
    assert.not.ok(r.closed);
  });
});

test('§6.1 h2c prior knowledge: routed by :authority, proxied over HTTP/1.1 to the pod, Envoy headers on the response', async () => {
  await withMesh({}, async (mesh) => {
    const session = http2.connect(mesh.gatewayUrl);
    try {
      const get = (authority: string) =>
        new Promise<{ headers: http2.IncomingHttpHeaders; body: string }>((resolve, reject) => {
          const s = session.request({ ':path': '/productpage', ':authority': authority });
          let body = '';
          let headers: http2.IncomingHttpHeaders = {};
          s.on('response', (h) => (headers = h));
          s.setEncoding('utf8');
          s.on('data', (c: string) => (body += c));
          s.on('end', () => resolve({ headers, body }));
          s.on('error', reject);
        });
      const [a, b] = await Promise.all([get(HOST), get(HOST)]);
      for (const r of [a, b]) {
        assert.is(r.headers[':status'], 200);
        assert.is(r.headers.server, 'istio-envoy');
        assert.match(String(r.headers['x-envoy-upstream-service-time']), /^\d+$/);
        assert.is(r.headers.connection, undefined, 'no hop-by-hop headers on HTTP/2');
      }
      const seen = await mesh.pods[0].lastRequests();
      assert.is(seen.length, 2);
      assert.equal(
        seen.map((r) => [r.method, r.url]),
        [
          ['GET', '/productpage'],
          ['GET', '/productpage'],
        ],
        'method and :path reach the pod',
      );
      assert.is(seen[0].headers.host, HOST, ':authority became Host upstream');
      assert.is(Object.keys(seen[0].headers).filter((k) => k.startsWith(':')).length, 0);
      // a body without content-length (h2 frames it by END_STREAM) reaches the pod whole
      const posted = await new Promise<number>((resolve, reject) => {
        const s = session.request({ ':path': '/productpage?x=1', ':authority': HOST, ':method': 'POST' });
        s.on('response', (h) => resolve(Number(h[':status'])));
        s.on('error', reject);
        s.resume();
        s.end('abc');
      });
      assert.is(posted, 200);
      const post = (await mesh.pods[0].lastRequests()).at(-1)!;
      assert.equal([post.method, post.url], ['POST', '/productpage?x=1']);
      assert.is(post.headers['content-length'], '3', 'the gateway frames the h2 body for HTTP/1.1');
      const nr = await get('other.example.com');
      assert.is(nr.headers[':status'], 404, 'no VirtualService for that :authority: NR');
      assert.is(nr.body, '');
    } finally {
      session.close();
    }
  });
});

test("§6.1 the access log names the downstream protocol as Envoy's %PROTOCOL% does: HTTP/1.0, HTTP/1.1, HTTP/2", async () => {
  const log = path.join(os.tmpdir(), `meshproof-protocols-${process.pid}.log`);
  await withMesh({ accessLogPath: log }, async (mesh) => {
    await raw(mesh.gatewayUrl, `GET /productpage HTTP/1.0\r\nHost: ${HOST}\r\n\r\n`);
    await raw(mesh.gatewayUrl, `GET /productpage HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`);
    const session = http2.connect(mesh.gatewayUrl);
    await new Promise<void>((resolve, reject) => {
      const s = session.request({ ':path': '/productpage', ':authority': HOST });
      s.on('error', reject);
      s.resume();
      s.on('end', () => resolve());
    });
    session.close();
  });
  await new Promise((r) => setTimeout(r, 5));
  const lines = fs.readFileSync(log, 'utf8').trim().split('\n');
  fs.rmSync(log);
  assert.equal(
    lines.map((l) => /"GET \/productpage (HTTP\/[\d.]+)" (\d+)/.exec(l)?.slice(1)),
    [
      ['HTTP/1.0', '426'],
      ['HTTP/1.1', '200'],
      ['HTTP/2', '200'],
    ],
  );
});

test('§6.1 HTTP/2: a stream the client resets is DR, one whose connection closes DC (ActiveStream::onResetStream, resetAllStreams) — counted, logged and a downstream_rq_rx_reset each, whole or not', async () => {
  const log = path.join(os.tmpdir(), `meshproof-h2-reset-${process.pid}.log`);
  const mesh = await startMesh({ app: appWith([fixed(300)]), seed: 3, accessLogPath: log });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const post = { ':method': 'POST', ':path': '/productpage', ':authority': HOST };
  try {
    const a = http2.connect(mesh.gatewayUrl);
    a.on('error', () => {});
    // reset with half a body sent: the request is never whole, never routed
    const half = a.request(post, { endStream: false });
    half.on('error', () => {});
    half.write('ab');
    await sleep(100);
    half.close(http2.constants.NGHTTP2_CANCEL);
    await sleep(100);
    // reset while the pod (300 ms) is answering the whole request
    const whole = a.request({ ':path': '/productpage', ':authority': HOST });
    whole.on('error', () => {});
    await sleep(100);
    whole.close(http2.constants.NGHTTP2_CANCEL);
    await sleep(350);
    a.close();
    // the connection itself closed under half a body
    let socket: net.Socket | undefined;
    const port = Number(new URL(mesh.gatewayUrl).port);
    const b = http2.connect(mesh.gatewayUrl, { createConnection: () => (socket = net.connect(port, '127.0.0.1')) });
    b.on('error', () => {});
    const cut = b.request(post, { endStream: false });
    cut.on('error', () => {});
    cut.write('ab');
    await sleep(100);
    socket?.destroy();
    await sleep(100);
    const stats = mesh.stats();
    assert.is(stats[`${HCM_PREFIX}.downstream_rq_total`], 3);
    assert.is(stats[`${HCM_PREFIX}.downstream_rq_rx_reset`], 3);
    assert.is(stats[`${HCM_PREFIX}.downstream_rq_2xx`], 0);
    assert.is(mesh.pods[0].requestsSeen(), 1);
  } finally {
    await mesh.stop();
  }
  await new Promise((r) => setTimeout(r, 5));
  const lines = fs.readFileSync(log, 'utf8').trim().split('\n');
  fs.rmSync(log);
  assert.equal(
    lines.map((l) => /"(\S+ \S+) HTTP\/2" (\d+) (\S+)/.exec(l)?.slice(1)),
    [
      ['POST /productpage', '0', 'DR'],
      ['GET /productpage', '0', 'DR'],
      ['POST /productpage', '0', 'DC'],
    ],
  );
});

test.run();
