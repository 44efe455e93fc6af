/**
 * Downstream stream resets at the gateway and what they count and log (istio-envoy-semantics.md
 * §6.1 Resets, §4.1): `downstream_rq_tx_reset` for every stream the gateway itself resets
 * (conn_manager_impl.cc `ActiveStream::resetStream`, reached from filter_manager.cc
 * `sendLocalReply` once the response headers went out), and `downstream_rq_rx_reset` for every
 * stream reset whoever resets it (`ActiveStream::onResetStream`, which the codec's reset of
 * `doEndStream` reaches too). The upstream is a raw TCP server on the pod's port (the pod is
 * `refuse`, its port free), so a response can die after its headers and part of its body.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startMesh, type LocalMesh } from '../../src/mesh/index.js';
import { HCM_PREFIX } from '../../src/mesh/stats.js';
import type { ProxyVersion } from '../../src/mesh/proxy.js';
import { appWith, HOST, rawExchange, sleep } from './helpers.js';

/** `HTTP/1.1 200`, chunked, one 5-byte chunk ("hello"), then what `after` does with the connection. */
const HEAD_AND_HELLO = 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n';

/**
 * A mesh whose one endpoint is `answer`, a raw server on the (refused) pod's port: it gets each
 * upstream connection once a request head arrived. The access log's lines come back parsed.
 */
async function withUpstream(
  answer: (s: net.Socket) => void,
  fn: (mesh: LocalMesh) => Promise<void>,
  proxy?: ProxyVersion,
): Promise<{ lines: string[]; stats: Record<string, number> }> {
  const log = path.join(os.tmpdir(), `meshproof-resets-${process.pid}-${Math.random().toString(36).slice(2)}.log`);
  const mesh = await startMesh({ app: appWith([{ mode: 'refuse' }]), seed: 7, accessLogPath: log, proxy });
  const upstream = net.createServer((s) => {
    s.on('error', () => {});
    s.once('data', () => answer(s));
  });
  const sockets = new Set<net.Socket>();
  upstream.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => upstream.listen(mesh.pods[0].port, '127.0.0.1', resolve));
  let stats: Record<string, number> = {};
  try {
    await fn(mesh);
    stats = mesh.stats();
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((r) => upstream.close(r));
    await mesh.stop();
  }
  await sleep(5);
  const lines = fs.readFileSync(log, 'utf8').trim().split('\n');
  fs.rmSync(log);
  return { lines, stats };
}

/** `<status> <flags> … <bytes received> <bytes sent>` of an access log line. */
function fields(line: string): { status: number; flags: string; received: number; sent: number } {
  const m = /^\[[^\]]+\] "[^"]*" (\d+) (\S+) - - "-" (\d+) (\d+) /.exec(line);
  assert.ok(m, line);
  const [, status, flags, received, sent] = m as RegExpExecArray;
  return { status: Number(status), flags, received: Number(received), sent: Number(sent) };
}

/** One h2 GET /productpage on its own connection: `fn` gets its stream and session, then both close. */
async function h2Get(
  mesh: LocalMesh,
  fn: (st: http2.ClientHttp2Stream, session: http2.ClientHttp2Session) => Promise<void>,
): Promise<void> {
  const session = http2.connect(mesh.gatewayUrl);
  session.on('error', () => {});
  try {
    const st = session.request({ ':path': '/productpage', ':authority': HOST });
    st.on('error', () => {});
    await fn(st, session);
  } finally {
    session.close();
  }
}

const GET = `GET /productpage HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`;

test('§4.1/§6.1 HTTP/1: the upstream dies mid-body — the gateway resets the downstream stream (closes the connection): downstream_rq_tx_reset 1 and downstream_rq_rx_reset 1, logged 200 UC with the 5 body bytes sent', async () => {
  const { lines, stats } = await withUpstream(
    (s) => {
      s.write(HEAD_AND_HELLO);
      setTimeout(() => s.destroy(), 50);
    },
    async (mesh) => {
      const r = await rawExchange(mesh.gatewayUrl, GET, 2000);
      assert.ok(r.closed, 'an HTTP/1 stream reset closes the connection');
      // the head as the codec wrote it (no length: chunked), the one chunk, no last chunk
      assert.match(r.text, /^HTTP\/1\.1 200 OK\r\n/);
      assert.ok(r.text.endsWith('\r\n\r\n5\r\nhello\r\n'), JSON.stringify(r.text));
    },
  );
  assert.is(stats[`${HCM_PREFIX}.downstream_rq_total`], 1);
  assert.is(stats[`${HCM_PREFIX}.downstream_rq_tx_reset`], 1);
  assert.is(stats[`${HCM_PREFIX}.downstream_rq_rx_reset`], 1);
  assert.equal(lines.map(fields), [{ status: 200, flags: 'UC', received: 0, sent: 5 }]);
});

for (const [proxy, code, name] of [
  ['current', http2.constants.NGHTTP2_INTERNAL_ERROR, 'INTERNAL_ERROR'],
  ['envoy-1.26', http2.constants.NGHTTP2_NO_ERROR, 'NO_ERROR'],
] as const)
  test(`§4.1/§6.1 HTTP/2 (proxy ${proxy}): the upstream dies mid-body — the gateway resets the stream (RST_STREAM ${name}): downstream_rq_tx_reset 1, downstream_rq_rx_reset 1, the connection stays up`, async () => {
    let rstCode = -1;
    let data = '';
    const { lines, stats } = await withUpstream(
      (s) => {
        s.write(HEAD_AND_HELLO);
        setTimeout(() => s.destroy(), 50);
      },
      (mesh) =>
        h2Get(mesh, async (st, session) => {
          st.on('data', (c: Buffer) => (data += c.toString()));
          await new Promise<void>((resolve) => st.on('close', () => resolve()));
          rstCode = st.rstCode ?? -1;
          assert.not.ok(session.destroyed, 'a stream reset, not the connection');
        }),
      proxy,
    );
    assert.is(data, 'hello');
    // Envoy's h2 codec resets a LocalReset stream with reasonToReset's default code (http2/codec_impl.cc;
    // only LocalRefusedStreamReset and ConnectError get others): INTERNAL_ERROR since Envoy 1.37
    // (changelogs/1.37.0.yaml "Changed the default reset code from NO_ERROR to INTERNAL_ERROR",
    // runtime guard reset_with_error; Istio 1.29 ships 1.37), NO_ERROR before
    assert.is(rstCode, code);
    assert.is(stats[`${HCM_PREFIX}.downstream_rq_tx_reset`], 1);
    assert.is(stats[`${HCM_PREFIX}.downstream_rq_rx_reset`], 1);
    assert.equal(lines.map(fields), [{ status: 200, flags: 'UC', received: 0, sent: 5 }]);
  });

test('§6.1 a chunked response proxied whole: %BYTES_SENT% is its body (11 bytes, no chunk framing), no reset counted', async () => {
  const { lines, stats } = await withUpstream(
    (s) => s.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n'),
    async (mesh) => {
      const r = await rawExchange(mesh.gatewayUrl, GET, 300);
      // re-chunked by the gateway's codec as the body came (here in one read: one chunk of 11)
      assert.ok(r.text.includes('\r\ntransfer-encoding: chunked\r\n'), r.text);
      assert.ok(r.text.endsWith('\r\n\r\nb\r\nhello world\r\n0\r\n\r\n'), JSON.stringify(r.text));
    },
  );
  assert.is(stats[`${HCM_PREFIX}.downstream_rq_tx_reset`], 0);
  assert.is(stats[`${HCM_PREFIX}.downstream_rq_rx_reset`], 0);
  assert.equal(lines.map(fields), [{ status: 200, flags: '-', received: 0, sent: 11 }]);
});

test('§6.1 the client leaves mid-body: DC, downstream_rq_rx_reset only (resetAllStreams → onResetStream), logged at once with what was sent; the upstream request is reset', async () => {
  let upstreamClosed = false;
  const { lines, stats } = await withUpstream(
    (s) => {
      s.write(HEAD_AND_HELLO); // and then nothing: the body never ends
      s.once('close', () => (upstreamClosed = true));
    },
    async (mesh) => {
      const r = await rawExchange(mesh.gatewayUrl, GET, 200); // hangs up after 200 ms
      assert.not.ok(r.closed);
      await sleep(100);
      assert.ok(upstreamClosed, 'the router resets the upstream request (Filter::onDestroy → resetAll)');
    },
  );
  assert.is(stats[`${HCM_PREFIX}.downstream_rq_tx_reset`], 0);
  assert.is(stats[`${HCM_PREFIX}.downstream_rq_rx_reset`], 1);
  assert.equal(lines.map(fields), [{ status: 200, flags: 'DC', received: 0, sent: 5 }]);
});

test('§6.1 an HTTP/2 client resets its stream mid-body: DR, downstream_rq_rx_reset only, logged with what was sent; the upstream request is reset', async () => {
  let upstreamClosed = false;
  const { lines, stats } = await withUpstream(
    (s) => {
      s.write(HEAD_AND_HELLO); // and then nothing
      s.once('close', () => (upstreamClosed = true));
    },
    (mesh) =>
      h2Get(mesh, async (st) => {
        await new Promise((r) => st.once('data', r));
        st.close(http2.constants.NGHTTP2_CANCEL);
        await sleep(150);
        assert.ok(upstreamClosed, 'the router resets the upstream request');
      }),
  );
  assert.is(stats[`${HCM_PREFIX}.downstream_rq_tx_reset`], 0);
  assert.is(stats[`${HCM_PREFIX}.downstream_rq_rx_reset`], 1);
  assert.equal(lines.map(fields), [{ status: 200, flags: 'DR', received: 0, sent: 5 }]);
});

test('§6.1 a codec error resets its stream without the gateway resetting it (doEndStream): downstream_rq_rx_reset 1, downstream_rq_tx_reset 0; its reply body is its bytes sent', async () => {
  const { lines, stats } = await withUpstream(
    () => {},
    async (mesh) => {
      const r = await rawExchange(mesh.gatewayUrl, `GET /productpage HTTP/1.1\r\nHost ${HOST}\r\n\r\n`, 300);
      assert.match(r.text, /^HTTP\/1\.1 400 Bad Request\r\n/);
    },
  );
  assert.is(stats[`${HCM_PREFIX}.downstream_rq_tx_reset`], 0);
  assert.is(stats[`${HCM_PREFIX}.downstream_rq_rx_reset`], 1);
  assert.equal(lines.map(fields), [{ status: 400, flags: 'DPE', received: 0, sent: 'Bad Request'.length }]);
});

test.run();
