/**
 * The gateway's own HTTP/1.1 codec (src/mesh/http1-*.ts) as a client sees it, on raw sockets:
 * istio-envoy-semantics.md §6.1 "The rest of the HTTP/1 codec" — one request at a time, the
 * headers the connection manager owns, codec errors, `Expect: 100-continue`, request bodies
 * re-framed for the pod — and the upstream response parser's framing on its own.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { startMesh, type LocalMesh } from '../../src/mesh/index.js';
import { ResponseParser, type ResponseSink } from '../../src/mesh/http1-client.js';
import { H1Connection, type RequestHandler } from '../../src/mesh/http1-server.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HCM_PREFIX } from '../../src/mesh/stats.js';
import { appWith, fixed, HOST, rawExchange } from './helpers.js';

/** rawExchange to the mesh's gateway (or a port), with the codec tests' longer wait. */
const raw = (mesh: LocalMesh | number, data: string, ms = 400) =>
  rawExchange(typeof mesh === 'number' ? mesh : mesh.gatewayUrl, data, ms);

async function withMesh(podMs: number, fn: (mesh: LocalMesh) => Promise<void>, accessLogPath?: string): Promise<void> {
  const mesh = await startMesh({ app: appWith([fixed(podMs)]), seed: 5, accessLogPath });
  try {
    await fn(mesh);
  } finally {
    await mesh.stop();
  }
}

/** The server codec alone on a loopback port, its requests answered by `handler`. */
async function withCodec(handler: RequestHandler, fn: (port: number) => Promise<void>, acceptHttp10 = false) {
  const server = net.createServer((s) => new H1Connection(s, handler, acceptHttp10));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await fn((server.address() as net.AddressInfo).port);
  } finally {
    server.close();
  }
}

const GET = `GET /productpage HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`;

/** The status lines of every response in `text`, in order. */
const statusLines = (text: string) => text.match(/HTTP\/1\.[01] \d{3}[^\r]*/g) ?? [];

test('§6.1 one request at a time: a pipelined request reaches the pod only once the response before it is complete', async () => {
  await withMesh(150, async (mesh) => {
    const r = await raw(mesh, GET + GET, 1500);
    assert.equal(statusLines(r.text), ['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
    const seen = await mesh.pods[0].lastRequests();
    assert.is(seen.length, 2);
    // the pod answers after 150 ms: the second request arrives no sooner (node's parser used to
    // dispatch both at once, 0–2 ms apart); 5 ms of slack for timer granularity
    const gap = seen[1].at - seen[0].at;
    assert.ok(gap >= 145, `second request arrived ${gap.toFixed(1)} ms after the first`);
  });
});

test('§6.1 headers the connection manager owns: one lower-case date, no connection header on keep-alive, connection: close then closed when asked', async () => {
  await withMesh(0, async (mesh) => {
    const keep = await raw(mesh, GET);
    assert.ok(!keep.closed, 'a keep-alive connection stays open');
    assert.is(keep.text.match(/^date: /gim)?.length, 1, keep.text);
    assert.match(keep.text, /\r\ndate: <now>\r\n/);
    assert.not.match(keep.text, /^connection:/im);
    const close = await raw(mesh, `GET /productpage HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n${GET}`);
    assert.ok(close.closed);
    assert.match(close.text, /\r\nconnection: close\r\n\r\n/);
    assert.equal(statusLines(close.text), ['HTTP/1.1 200 OK'], 'nothing after the close is served');
    assert.is(mesh.pods[0].requestsSeen(), 2);
  });
});

test("§6.1 date: an upstream's own date goes through unchanged, the codec adds one only when absent (ActiveStream::encodeHeaders)", async () => {
  const upstreamDate = 'Thu, 01 Jan 1970 00:00:00 GMT';
  await withCodec(
    (req, res) => {
      res.writeHead(200, req.url === '/dated' ? { date: upstreamDate, 'content-length': 2 } : { 'content-length': 2 });
      res.end('ok');
    },
    async (port) => {
      const r = await raw(port, `GET /dated HTTP/1.1\r\nHost: a\r\n\r\nGET /undated HTTP/1.1\r\nHost: a\r\n\r\n`);
      const [dated, undated] = r.text.split(/(?=HTTP\/1\.1 )/);
      assert.is(dated, `HTTP/1.1 200 OK\r\ndate: <now>\r\ncontent-length: 2\r\n\r\nok`);
      assert.is(undated, `HTTP/1.1 200 OK\r\ncontent-length: 2\r\ndate: <now>\r\n\r\nok`);
    },
  );
  // the placeholder hides the value: check it is the upstream's, not now
  await withCodec(
    (_req, res) => {
      res.writeHead(204, { date: upstreamDate });
      res.end();
    },
    async (port) => {
      const s = net.connect(port, '127.0.0.1');
      const text = await new Promise<string>((resolve) => {
        s.once('data', (d: Buffer) => resolve(d.toString('latin1')));
        s.write(`GET / HTTP/1.1\r\nHost: a\r\n\r\n`);
      });
      s.destroy();
      assert.is(text, `HTTP/1.1 204 No Content\r\ndate: ${upstreamDate}\r\n\r\n`);
    },
  );
});

test('§6.1 codec errors: 400 / 431 / 501 with the code name as body, connection: close, closed, never routed', async () => {
  const cases: [string, string][] = [
    ['garbage\r\n\r\n', '400 Bad Request'],
    [`GET / HTTP/1.1\r\nHost: ${HOST}\r\nbad header\r\n\r\n`, '400 Bad Request'],
    [
      `POST / HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      '400 Bad Request',
    ],
    [`POST / HTTP/1.1\r\nHost: ${HOST}\r\nTransfer-Encoding: gzip\r\n\r\n`, '501 Not Implemented'],
    [`GET / HTTP/1.1\r\nHost: ${HOST}\r\n${'x-h: 1\r\n'.repeat(100)}\r\n`, '431 Request Header Fields Too Large'],
    [
      `GET / HTTP/1.1\r\nHost: ${HOST}\r\nx-big: ${'a'.repeat(61 * 1024)}\r\n\r\n`,
      '431 Request Header Fields Too Large',
    ],
  ];
  await withMesh(0, async (mesh) => {
    for (const [request, status] of cases) {
      const r = await raw(mesh, request + GET);
      const name = status.slice(4);
      assert.is(
        r.text,
        `HTTP/1.1 ${status}\r\ncontent-length: ${name.length}\r\ncontent-type: text/plain\r\ndate: <now>\r\nserver: istio-envoy\r\nconnection: close\r\n\r\n${name}`,
        JSON.stringify(request.slice(0, 80)),
      );
      assert.ok(r.closed, status);
    }
    // 99 headers plus Host (100) is within max_headers_count
    const ok = await raw(mesh, `GET /productpage HTTP/1.1\r\nHost: ${HOST}\r\n${'x-h: 1\r\n'.repeat(99)}\r\n`);
    assert.equal(statusLines(ok.text), ['HTTP/1.1 200 OK']);
    assert.is(mesh.pods[0].requestsSeen(), 1);
  });
});

test("§6.1 absolute-form targets (handlePath, allow_absolute_url default true): the URL's authority replaces Host, the rest is the path; a bad URL or scheme is 400, https in the clear 403", async () => {
  await withMesh(0, async (mesh) => {
    // routed by the URL's host although Host names another; the pod gets the path and that host
    const abs = await raw(mesh, `GET http://user@${HOST}/productpage?x=1 HTTP/1.1\r\nHost: other.example\r\n\r\n`);
    assert.equal(statusLines(abs.text), ['HTTP/1.1 200 OK']);
    assert.not.ok(abs.closed);
    // any case of the scheme; nothing after the authority is "/"; the port stays in Host
    const bare = await raw(mesh, `GET HTTP://${HOST}:80 HTTP/1.1\r\n\r\n`);
    assert.equal(statusLines(bare.text), ['HTTP/1.1 200 OK']);
    const seen = await mesh.pods[0].lastRequests();
    assert.equal(
      seen.map((r) => [r.url, r.headers.host]),
      [
        ['/productpage?x=1', HOST],
        ['/', `${HOST}:80`],
      ],
    );
    const cases: [string, string][] = [
      [`GET productpage HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`, '400 Bad Request'], // InvalidUrl
      [`GET ftp://${HOST}/productpage HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`, '400 Bad Request'], // InvalidScheme
      [`GET https://${HOST}/productpage HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`, '403 Forbidden'], // HttpsInPlaintext
    ];
    for (const [request, status] of cases) {
      const r = await raw(mesh, request + GET);
      assert.equal(statusLines(r.text), [`HTTP/1.1 ${status}`], request.slice(0, 40));
      assert.match(r.text, /connection: close\r\n\r\n/);
      assert.ok(r.closed, status);
    }
    assert.is(mesh.pods[0].requestsSeen(), 2);
  });
});

test("a request with as many headers as the gateway accepts (100) reaches the pod: the pods do not apply Envoy's count limit to what the gateway adds", async () => {
  await withMesh(0, async (mesh) => {
    const many = Array.from({ length: 99 }, (_, i) => `x-h${i}: ${i}\r\n`).join('');
    const r = await raw(mesh, `GET /productpage HTTP/1.1\r\nHost: ${HOST}\r\n${many}\r\n`);
    assert.equal(statusLines(r.text), ['HTTP/1.1 200 OK']);
    const [seen] = await mesh.pods[0].lastRequests();
    assert.is(seen.headers['x-h98'], '98');
    assert.ok(Object.keys(seen.headers).length > 100, `the pod got ${Object.keys(seen.headers).length} headers`);
  });
});

test('§6.1 Expect: 100-continue is answered by the gateway and removed; a chunked body reaches the pod whole with its length', async () => {
  await withMesh(0, async (mesh) => {
    const r = await raw(
      mesh,
      `PUT /productpage HTTP/1.1\r\nHost: ${HOST}\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nab` +
        `POST /productpage HTTP/1.1\r\nHost: ${HOST}\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n`,
    );
    assert.equal(statusLines(r.text), ['HTTP/1.1 100 Continue', 'HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
    const [put, post] = await mesh.pods[0].lastRequests();
    assert.is(put.headers.expect, undefined);
    assert.is(put.headers['content-length'], '2');
    assert.is(post.headers['content-length'], '5');
    assert.is(post.headers['transfer-encoding'], undefined);
  });
  // the pods do not keep bodies: the bytes the codec hands on, checked on the codec alone
  const bodies: string[] = [];
  await withCodec(
    (req, res) => {
      bodies.push(`${req.method} ${req.body?.toString('latin1') ?? 'null'}`);
      res.writeHead(200, { 'content-length': 0 });
      res.end();
    },
    async (port) => {
      await raw(
        port,
        'PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nab' +
          'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n' +
          'GET / HTTP/1.1\r\nHost: a\r\n\r\n',
      );
    },
  );
  assert.equal(bodies, ['PUT ab', 'POST abcde', 'GET null']);
});

test('§6.1 Expect: 100-continue without a body, in any case, is answered by the gateway too and removed (ActiveStream::decodeHeaders checks the header, not the body)', async () => {
  await withMesh(0, async (mesh) => {
    const r = await raw(mesh, `GET /productpage HTTP/1.1\r\nHost: ${HOST}\r\nExpect: 100-Continue\r\n\r\n`);
    assert.equal(statusLines(r.text), ['HTTP/1.1 100 Continue', 'HTTP/1.1 200 OK']);
    assert.ok(r.text.startsWith('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n'), r.text);
    const [get] = await mesh.pods[0].lastRequests();
    assert.is(get.headers.expect, undefined);
  });
  // an accepted HTTP/1.0 request: the 100 comes with the HTTP/1.0 status line the codec writes
  await withCodec(
    (_req, res) => {
      res.writeHead(200, { 'content-length': 0 });
      res.end();
    },
    async (port) => {
      const r = await raw(port, 'GET / HTTP/1.0\r\nHost: a\r\nExpect: 100-continue\r\n\r\n');
      assert.equal(statusLines(r.text), ['HTTP/1.0 100 Continue', 'HTTP/1.0 200 OK']);
    },
    true,
  );
});

test('§6.1 a request the codec began but never dispatched still counts, as the stream Envoy opens at its first byte does: a codec error (4xx/5xx, DPE) and a client gone mid-request (DC); empty lines alone are no request', async () => {
  const log = path.join(os.tmpdir(), `meshproof-h1-unfinished-${process.pid}.log`);
  await withMesh(
    0,
    async (mesh) => {
      await raw(mesh, 'garbage\r\n\r\n');
      await raw(mesh, `POST /productpage HTTP/1.1\r\nHost: ${HOST}\r\nTransfer-Encoding: gzip\r\n\r\n`);
      // closed by the client: half a head, then a whole head with half its body, then empty lines
      for (const partial of [
        'GET /produ',
        `POST /productpage HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 10\r\n\r\nabc`,
        '\r\n\r\n',
      ]) {
        const s = net.connect(Number(new URL(mesh.gatewayUrl).port), '127.0.0.1');
        await new Promise<void>((resolve) => s.once('connect', () => resolve()));
        s.write(partial);
        await new Promise((r) => setTimeout(r, 50));
        s.destroy();
        await new Promise((r) => setTimeout(r, 50));
      }
      const stats = mesh.stats();
      assert.is(stats[`${HCM_PREFIX}.downstream_rq_total`], 4);
      assert.is(stats[`${HCM_PREFIX}.downstream_rq_4xx`], 1);
      assert.is(stats[`${HCM_PREFIX}.downstream_rq_5xx`], 1);
      // every one is a stream reset: the two the client left (resetAllStreams), and the two codec
      // errors' replies, which end requests never read whole (doEndStream: !remoteDecodeComplete)
      assert.is(stats[`${HCM_PREFIX}.downstream_rq_rx_reset`], 4);
      assert.is(mesh.pods[0].requestsSeen(), 0);
    },
    log,
  );
  await new Promise((r) => setTimeout(r, 5));
  const lines = fs.readFileSync(log, 'utf8').trim().split('\n');
  fs.rmSync(log);
  assert.equal(
    lines.map((l) => /"(\S+ \S+) HTTP\/1\.1" (\d+) (\S+) - - "-" \d+ (\d+)/.exec(l)?.slice(1)),
    [
      ['- -', '400', 'DPE', '11'],
      // the transfer coding is refused in onHeadersCompleteImpl, before onHeadersCompleteBase puts
      // :method and :path in the headers: Envoy's log has neither
      ['- -', '501', 'DPE', '15'],
      ['- -', '0', 'DC', '0'],
      ['POST /productpage', '0', 'DC', '0'],
    ],
  );
});

/** A sink that records what the parser hands on. */
function recorder(): ResponseSink & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    onResponseHead: (status, headers) => log.push(`head ${status} ${JSON.stringify(headers)}`),
    onResponseData: (chunk, last) => log.push(`${last ? 'last' : 'data'} ${chunk.toString('latin1')}`),
    onResponseReset: () => log.push('reset'),
  };
}

test('upstream parser: content-length split across reads, chunked, 1xx skipped, HEAD and 204 bodiless, close-delimited, extraneous bytes', () => {
  const r1 = recorder();
  const p1 = new ResponseParser(r1, false);
  assert.is(p1.feed(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nab')), 0);
  assert.is(p1.feed(Buffer.from('cde')), 0);
  assert.equal(r1.log, ['head 200 {"content-length":"5"}', 'data ab', 'last cde']);
  assert.ok(p1.done && p1.keepAlive);

  const r2 = recorder();
  const p2 = new ResponseParser(r2, false);
  p2.feed(
    Buffer.from(
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Service Unavailable\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
    ),
  );
  assert.equal(r2.log, ['head 503 {"transfer-encoding":"chunked"}', 'last abc']);

  const r3 = recorder();
  assert.is(new ResponseParser(r3, true).feed(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\n')), 0);
  assert.equal(r3.log, ['head 200 {"content-length":"9"}', 'last ']);

  const r4 = recorder();
  const p4 = new ResponseParser(r4, false);
  p4.feed(Buffer.from('HTTP/1.1 200 OK\r\n\r\nabc'));
  assert.ok(!p4.done && !p4.keepAlive, 'no length: the body ends with the connection');
  p4.onClose();
  assert.equal(r4.log, ['head 200 {}', 'data abc', 'last ']);

  // ClientConnectionImpl::dispatch: bytes after a complete response → the connection is not reused
  const r5 = recorder();
  const p5 = new ResponseParser(r5, false);
  assert.is(p5.feed(Buffer.from('HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\n\r\n')), 19);
  assert.ok(p5.done && !p5.keepAlive);

  const r6 = recorder();
  const p6 = new ResponseParser(r6, false);
  p6.feed(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nab'));
  p6.onClose();
  assert.equal(r6.log.at(-1), 'reset', 'closed before the body was complete');

  const p7 = new ResponseParser(recorder(), false);
  p7.feed(Buffer.from('HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n'));
  assert.ok(p7.done && !p7.keepAlive, 'HTTP/1.0 without keep-alive');
  const p8 = new ResponseParser(recorder(), false);
  p8.feed(Buffer.from('HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n'));
  assert.ok(!p8.keepAlive, 'connection: close');
});

test.run();
