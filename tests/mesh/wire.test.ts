/**
 * What pods and gateway put on the wire. A pod answers exactly as node's http server answering
 * the same way would, byte for byte: keep-alive, `Connection: close`, HTTP/1.0, pipelined
 * requests with bodies (in request order), chunked bodies, HEAD, `Expect: 100-continue`, a
 * malformed head, and the same merged request headers — the guard for any cheaper pod server.
 * Through the gateway a whole upstream body goes out as one latin1 string (router.ts
 * ONE_WRITE_MAX_BYTES) and arrives byte for byte.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import net from 'node:net';
import { startMesh } from '../../src/mesh/index.js';
import { startPod } from '../../src/mesh/pods.js';
import { createRng, type Rng } from '../../src/util/random.js';
import { appWith, fixed, send, sleep } from './helpers.js';

/** a non-ASCII name: its UTF-8 body bytes and latin1 header must survive both servers and the gateway */
const NAME = 'pöd-0';

/** node's http server answering as a pod does, with the same seeded error draws */
async function nodeReference(
  rng: Rng,
  rate: number,
): Promise<{ port: number; headers: http.IncomingHttpHeaders[]; close(): Promise<void> }> {
  const headers: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    headers.push(req.headers);
    req.resume();
    const status = rng.next() < rate ? 503 : 200;
    const body = `${NAME} ${status}\n`;
    res.writeHead(status, {
      'content-type': 'text/plain',
      'content-length': Buffer.byteLength(body),
      'x-meshproof-pod': NAME,
    });
    res.end(body);
  });
  server.keepAliveTimeout = 0;
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    headers,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/**
 * Sends raw bytes (parts: written 20 ms apart, so they arrive in separate reads); resolves with
 * what came back and whether the server closed within `ms` of the last part.
 */
function raw(port: number, data: string | string[], ms = 120): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    let done = false;
    const finish = (how: string) => {
      if (done) return;
      done = true;
      clearTimeout(t);
      s.destroy();
      resolve(
        Buffer.concat(got)
          .toString('latin1')
          .replace(/Date: [^\r]+/g, 'Date: <now>') + how,
      );
    };
    let t: NodeJS.Timeout | undefined;
    s.on('data', (d: Buffer) => got.push(d));
    s.on('close', () => finish('<closed>'));
    s.on('error', () => undefined);
    void (async () => {
      for (const [i, part] of (typeof data === 'string' ? [data] : data).entries()) {
        if (i > 0) await sleep(20);
        if (!done) s.write(part, 'latin1');
      }
      if (!done) t = setTimeout(() => finish('<open>'), ms);
    })();
  });
}

const CASES = [
  'GET / HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  'GET /a HTTP/1.0\r\nHost: x\r\n\r\n',
  'GET /b HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n',
  'POST /c?d HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /e HTTP/1.1\r\nHost: y\r\n\r\n',
  'POST /f HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n0\r\nT: 1\r\n\r\nGET /g HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  'HEAD / HTTP/1.1\r\nHost: x\r\n\r\n',
  'PUT /h HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nab',
  'GET /i HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nx-a: 2\r\nHost: z\r\nSet-Cookie: a\r\nset-cookie: b\r\nCookie: c\r\ncookie: d\r\nX-Sp:   v  \r\n\r\n',
  // obs-text at the ends of a value is not whitespace: only spaces and tabs are trimmed (llhttp's OWS)
  'GET /j HTTP/1.1\r\nHost: x\r\nX-Nb: \xa0v\xa0\t\r\n\r\n',
  'garbage\r\n\r\n',
];

test('pod wire: the same response bytes and request headers as node http for 11 kinds of request (framing, pipelining, bodies, 400)', async () => {
  const pod = await startPod(
    { name: NAME, labels: {}, behaviour: { mode: 'serve', errors: { status: 503, rate: 0.5 } } },
    createRng(1),
  );
  const ref = await nodeReference(createRng(1), 0.5);
  try {
    let statuses = '';
    for (const c of CASES) {
      const [a, b] = await Promise.all([raw(pod.port, c), raw(ref.port, c)]);
      assert.is(a, b, JSON.stringify(c));
      statuses += a.replace(/HTTP\/1\.1 (\d+)[^]*?(?=HTTP\/1\.1 |$)/g, '$1 ').replace(/<\w+>/, '');
    }
    // both kinds of answer and the 100/400 cases were compared, not only 200s
    for (const s of ['200', '503', '100', '400']) assert.ok(statuses.includes(s), statuses);
    assert.equal(
      (await pod.lastRequests()).map((r) => `${r.method} ${r.url}`),
      [
        'GET /',
        'GET /',
        'GET /a',
        'GET /b',
        'POST /c?d',
        'GET /e',
        'POST /f',
        'GET /g',
        'HEAD /',
        'PUT /h',
        'GET /i',
        'GET /j',
      ],
    );
    assert.is(pod.requestsSeen(), 12);
    assert.equal(
      (await pod.lastRequests()).map((r) => ({ ...r.headers })),
      ref.headers.map((h) => ({ ...h })),
    );
  } finally {
    await pod.stop();
    await ref.close();
  }
});

/** requests split across reads: mid-head, mid-chunk, and bodies that come late or never */
const SPLIT = [
  ['GET / HT', 'TP/1.1\r\nHost: x\r', '\n\r\n'],
  [
    'POST /f HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3',
    ';x=1\r\nab',
    'c\r',
    '\n0\r\n',
    '\r\nGET /g HTTP/1.1\r\nHost: x\r\n\r\n',
  ],
  // node's server emits 'request' when the head is parsed (parserOnHeadersComplete): an instant
  // pod answers before the body is there, and counts the request even if the body never comes
  ['POST /h HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n', 'ab', 'cGET /i HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['POST /j HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n'],
  ['POST /k HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n'],
];

test("pod wire: requests split across reads get node http's bytes, a request answered once its head is read", async () => {
  const pod = await startPod({ name: NAME, labels: {}, behaviour: { mode: 'serve' } }, createRng(1));
  const ref = await nodeReference(createRng(1), 0);
  try {
    for (const c of SPLIT) {
      const [a, b] = await Promise.all([raw(pod.port, c), raw(ref.port, c)]);
      assert.is(a, b, JSON.stringify(c));
    }
    assert.is(pod.requestsSeen(), 7);
    assert.is(ref.headers.length, 7);
  } finally {
    await pod.stop();
    await ref.close();
  }
});

/** a request whose X-Big value is `n` bytes (plus `tail`), split or not before its blank line */
const bigHead = (n: number, tail = '', split = false) => {
  const head = `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(n)}${tail}\r\n`;
  return split ? [head, '\r\n'] : `${head}\r\n`;
};

test("pod wire: node's 16 KiB head limit counts the URL, names and values only: 200 below it, 431 at it, as node", async () => {
  const pod = await startPod({ name: NAME, labels: {}, behaviour: { mode: 'serve' } }, createRng(1));
  const ref = await nodeReference(createRng(1), 0);
  try {
    // '/' + 'Host' + 'x' + 'X-Big' + value: 11 + 16372 = 16383 counted bytes pass, 16384 do not; the
    // head on the wire is 16,414 bytes already at the first
    const cases = [
      bigHead(16372),
      bigHead(16373),
      bigHead(16370, '   '),
      bigHead(16372, '', true),
      bigHead(16373, '', true),
    ];
    const got: string[] = [];
    for (const c of cases) {
      const [a, b] = await Promise.all([raw(pod.port, c), raw(ref.port, c)]);
      assert.is(a, b, `${[c].flat().length} part(s), ${[c].flat().join('').length} bytes`);
      got.push(a.slice(9, 12));
    }
    assert.equal(got, ['200', '431', '431', '200', '431']);
  } finally {
    await pod.stop();
    await ref.close();
  }
});

test("pod wire: an expectation other than 100-continue gets node's 417, in request order, the request not served", async () => {
  const pod = await startPod({ name: NAME, labels: {}, behaviour: { mode: 'serve' } }, createRng(1));
  const ref = await nodeReference(createRng(1), 0);
  try {
    const cases = [
      'PUT /a HTTP/1.1\r\nHost: x\r\nExpect: foo\r\nContent-Length: 2\r\n\r\nabGET /b HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /c HTTP/1.1\r\nHost: x\r\nExpect: foo\r\nConnection: close\r\n\r\n',
      'HEAD /d HTTP/1.1\r\nHost: x\r\nExpect: bar\r\n\r\n',
      // node's test is a regex (_http_server.js continueExpression): this one asks for 100 Continue
      'PUT /e HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue, x\r\nContent-Length: 1\r\n\r\na',
      // HTTP/1.0: node looks at no Expect at all
      'GET /f HTTP/1.0\r\nHost: x\r\nExpect: foo\r\n\r\n',
    ];
    let statuses = '';
    for (const c of cases) {
      const [a, b] = await Promise.all([raw(pod.port, c), raw(ref.port, c)]);
      assert.is(a, b, JSON.stringify(c));
      statuses += [...a.matchAll(/HTTP\/1\.1 (\d+)/g)].map((m) => m[1]).join(' ') + ';';
    }
    assert.is(statuses, '417 200;417;417;100 200;200;');
    assert.equal(
      (await pod.lastRequests()).map((r) => r.url),
      ['/b', '/e', '/f'],
    );
    assert.is(ref.headers.length, 3);
  } finally {
    await pod.stop();
    await ref.close();
  }
});

test('pod wire: a pod in close mode drops the connection once a head is read, its body not awaited', async () => {
  const pod = await startPod({ name: NAME, labels: {}, behaviour: { mode: 'close' } }, createRng(1));
  try {
    assert.is(await raw(pod.port, 'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n', 2000), '<closed>');
    assert.is(pod.requestsSeen(), 1);
  } finally {
    await pod.stop();
  }
});

test('pod wire: pipelined requests are answered in request order even when the later answer is ready first', async () => {
  // Ordered by observable events, not sleeps (under load a 10 ms sleep did not guarantee the pod had
  // read /slow before the switch to instant 503s, nor that 40 ms had not already passed): the pod
  // counts each request it has parsed (requestsSeen, exact at any time), and /slow takes 400 ms —
  // far longer than the two polls below — so /fast's 503 is ready while the 200 is still owed.
  const pod = await startPod({ name: 'p-0', labels: {}, behaviour: fixed(400) }, createRng(1));
  const s = net.connect(pod.port, '127.0.0.1');
  /** polls `cond` every 2 ms, bounded at 5 s (then the assertions below fail and say why) */
  const until = async (cond: () => boolean) => {
    for (const t0 = Date.now(); !cond() && Date.now() - t0 < 5000; ) await sleep(2);
  };
  try {
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString('latin1')));
    await new Promise((r) => s.once('connect', r));
    s.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => pod.requestsSeen() === 1);
    await pod.setBehaviour({ mode: 'serve', errors: { status: 503, rate: 1 } }); // instant 503s from now on
    s.write('GET /fast HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => pod.requestsSeen() === 2);
    await sleep(20); // the 503 would be written now if the pod did not hold it back
    assert.is(got, '', 'the 503 waits for the 200 before it');
    await until(() => got.includes('503'));
    assert.equal(
      [...got.matchAll(/HTTP\/1\.1 (\d+)/g)].map((m) => m[1]),
      ['200', '503'],
    );
    assert.is(pod.requestsSeen(), 2);
  } finally {
    s.destroy();
    await pod.stop();
  }
});

test('through the gateway the pod body arrives byte for byte (one-write latin1 path) with the pod header', async () => {
  const app = appWith([fixed(0)]);
  app.pods[0].name = NAME;
  const m = await startMesh({ app, seed: 1 });
  try {
    const r = await send(m.gatewayUrl);
    assert.is(r.status, 200);
    assert.is(r.body, `${NAME} 200\n`);
    assert.is(r.headers['content-length'], String(Buffer.byteLength(`${NAME} 200\n`)));
    // the pod sends its name's UTF-8 bytes (as node's server did); both proxy hops pass them on as bytes
    assert.is(Buffer.from(r.headers['x-meshproof-pod'] as string, 'latin1').toString(), NAME);
  } finally {
    await m.stop();
  }
});

test.run();
