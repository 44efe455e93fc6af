/**
 * The router when an upstream response dies after its headers went downstream (§4.1): the
 * downstream stream is reset and the request still ends once — counted and access-logged with
 * the status it was sent with (router.cc onUpstreamReset / onResponseTimeout → onUpstreamAbort).
 * What router.cc still does for such a response: the reset is an outlier input, the route timeout
 * counts upstream_rq_timeout and the host's rq_timeout. Also the service-time header's truncation.
 * A Router on fakes: the pool hands a connection at once, the test plays the upstream response.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ClusterState } from '../../src/mesh/cluster.js';
import type { MeshResponse } from '../../src/mesh/downstream.js';
import { NO_MUTATIONS } from '../../src/mesh/header-mutation.js';
import type { ResponseSink } from '../../src/mesh/http1-client.js';
import { Flag, formatFlags } from '../../src/mesh/local-reply.js';
import { type CompiledRetry, type CompiledRoute, RetryOn } from '../../src/mesh/route-config.js';
import { type Downstream, Router } from '../../src/mesh/router.js';
import { newClusterCounters } from '../../src/mesh/stats.js';
import { createRng } from '../../src/util/random.js';

function harness(
  timeoutMs: number,
  now: () => number = () => performance.now(),
  reqHeaders: Record<string, string> = { host: 'a' },
  retry: CompiledRetry | null = null,
  /** attempts the pool serves before it answers overflow */
  served = Infinity,
) {
  let attempts = 0;
  const finished: number[] = [];
  let sent = '';
  const outlier: string[] = [];
  let head: Record<string, unknown> = {};
  let resets = 0;
  /** resets the gateway chose (Downstream.resetStream: downstream_rq_tx_reset) */
  let txResets = 0;
  let sink: ResponseSink | null = null;
  /** what the router did with the downstream response's body */
  const calls: string[] = [];
  const res = {
    headersSent: false,
    destroyed: false,
    writableEnded: false,
    writableFinished: false,
    getHeader: () => undefined,
    writeHead(_status: number, h: Record<string, unknown>) {
      head = h;
      return this;
    },
    write(chunk: Buffer) {
      this.headersSent = true;
      calls.push(`write ${chunk.length}`);
      return true;
    },
    end(chunk?: Buffer) {
      calls.push(`end ${chunk?.length ?? '-'}`);
      this.writableEnded = this.writableFinished = true;
    },
    destroy() {
      resets++;
      this.destroyed = true;
    },
    once() {
      return this;
    },
  };
  const d = {
    req: { method: 'GET', url: '/', httpVersion: '1.1', headers: reqHeaders },
    path: '/',
    res: res as unknown as MeshResponse,
    body: null,
    worker: 0,
    flags: 0,
    upstreamHost: '-',
    clusterName: '-',
    serviceTimeMs: -1,
    mutations: NO_MUTATIONS,
    bytesSent: 0,
    resetStream() {
      txResets++;
      res.destroy();
    },
    finish: (status: number) => finished.push(status),
  } as unknown as Downstream;
  const host = { address: '127.0.0.1:1', rqError: 0, rqSuccess: 0, rqTimeout: 0 };
  const conn = {
    pool: { streamDone() {} },
    send: (head: string, _body: Buffer | null, s: ResponseSink) => {
      sent = head;
      sink = s;
    },
    destroy() {},
  };
  const cluster = {
    resources: { retries: 0, retryLimit: () => 3 },
    stats: { c: newClusterCounters(), codes: new Map(), retryCodes: new Map(), outlierDetection: false },
    settings: { name: 'c' },
    outlier: {
      onLocalOrigin: (_h: unknown, e: string) => outlier.push(e),
      onStatus: (_h: unknown, code: number) => outlier.push(String(code)),
    },
    pickHost: () => host,
    pool: () => ({
      newStream: (w: Router) => (++attempts > served ? w.onPoolFailure('overflow') : w.onPoolReady(conn as never)),
    }),
  } as unknown as ClusterState;
  const route = { retry, timeoutMs } as unknown as CompiledRoute;
  new Router(d, route, cluster, createRng(1), now).run();
  return {
    d,
    finished,
    host,
    outlier,
    counters: cluster.stats.c,
    head: () => head,
    calls,
    sent: () => sent,
    resets: () => resets,
    txResets: () => txResets,
    sink: () => sink as ResponseSink,
  };
}

test('§4.1 the pod closes mid-body: the downstream stream is reset, the request ends once with its 200 and UC', () => {
  const h = harness(0);
  h.sink().onResponseHead(200, { 'content-length': '10' });
  h.sink().onResponseData(Buffer.from('abc'), false);
  h.sink().onResponseReset();
  assert.is(h.resets(), 1);
  // the gateway's own reset (ActiveStream::resetStream: downstream_rq_tx_reset), through the filter
  // manager's sendLocalReply once headers went out
  assert.is(h.txResets(), 1);
  assert.equal(h.finished, [200]);
  assert.is(formatFlags(h.d.flags), 'UC');
  assert.is(h.d.bytesSent, 3);
});

test('§3.2/§4.1 a reset after the headers went out is still an outlier input (router.cc onUpstreamReset: LocalOriginConnectFailed before the retry check)', () => {
  const h = harness(0);
  h.sink().onResponseHead(200, { 'content-length': '10' });
  h.sink().onResponseData(Buffer.from('abc'), false);
  h.sink().onResponseReset();
  // connect-ok, the 200, then the reset (a 503 for consecutive_5xx when not split)
  assert.equal(h.outlier, ['connect-ok', '200', 'reset']);
});

test('§4.1 the route timeout fires mid-body: reset, the request ends once with its 200 and UT', async () => {
  const h = harness(30);
  h.sink().onResponseHead(200, { 'content-length': '10' });
  h.sink().onResponseData(Buffer.from('abc'), false);
  await new Promise((r) => setTimeout(r, 60));
  assert.is(h.resets(), 1);
  assert.is(h.txResets(), 1);
  assert.equal(h.finished, [200]);
  assert.is(h.d.flags & Flag.UT, Flag.UT);
  // router.cc onResponseTimeout counts every upstream request in flight, headers seen or not;
  // only one awaiting headers is charged 504 and reported to the outlier detector
  assert.is(h.counters.upstream_rq_timeout, 1);
  assert.is(h.host.rqTimeout, 1);
  assert.equal(h.outlier, ['connect-ok', '200']);
});

test('§4.4 x-envoy-upstream-service-time truncates to whole ms (router.cc duration_cast<milliseconds>)', () => {
  let clock = 1000;
  const h = harness(0, () => clock);
  clock = 1012.9;
  h.sink().onResponseHead(200, { 'content-length': '0' });
  assert.is(h.head()['x-envoy-upstream-service-time'], 12);
  assert.is(h.d.serviceTimeMs, 12);
});

test('§6.1 hop-by-hop headers as the HCM treats them: proxy-authorization forwarded; from the response only connection, upgrade, transfer-encoding, keep-alive, proxy-connection go', () => {
  // (connection, upgrade, keep-alive, proxy-connection, transfer-encoding leave the request and te
  // is sanitized at the gateway, before routing: request-headers.ts, tests/mesh/request-headers.test.ts)
  const h = harness(0, undefined, { host: 'a', 'proxy-authorization': 'Basic eA==' });
  const lines = h.sent().split('\r\n');
  assert.ok(lines.includes('proxy-authorization: Basic eA=='), h.sent());
  h.sink().onResponseHead(200, {
    'content-length': '0',
    'proxy-authenticate': 'Basic',
    trailer: 'x-checksum',
    'keep-alive': 'timeout=5',
    'proxy-connection': 'close',
  });
  const out = h.head();
  assert.is(out['proxy-authenticate'], 'Basic');
  assert.is(out.trailer, 'x-checksum');
  assert.is(out['keep-alive'], undefined);
  assert.is(out['proxy-connection'], undefined);
});

test('§6.1 an upstream response without content-length goes downstream without one, chunked, even when its body arrived whole (ResponseEncoderImpl::encodeHeaders)', () => {
  const chunked = harness(0);
  chunked.sink().onResponseHead(200, { 'transfer-encoding': 'chunked' });
  chunked.sink().onResponseData(Buffer.from('abc'), true);
  assert.equal(chunked.calls, ['write 3', 'end -']); // the head without a length, then the body
  const sized = harness(0);
  sized.sink().onResponseHead(200, { 'content-length': '3' });
  sized.sink().onResponseData(Buffer.from('abc'), true);
  assert.equal(sized.calls, ['end 3']); // head and body in one write
  assert.equal(chunked.finished, [200]);
});

test('§4.2 a retry that meets pool overflow ends the request UO and counts upstream_rq_retry_success (router.cc onUpstreamReset → maybeRetryReset → shouldRetry(NoRetry) with a retry armed)', async () => {
  const retry: CompiledRetry = {
    numRetries: 2,
    perTryMs: 0,
    on: RetryOn['5xx'],
    codes: [],
    baseMs: 1,
    maxMs: 10,
    avoidPreviousHosts: false,
  };
  const h = harness(0, undefined, undefined, retry, 1);
  h.sink().onResponseHead(503, { 'content-length': '0' });
  await new Promise((r) => setTimeout(r, 20)); // the backoff (< 1 ms) runs, the pool overflows
  assert.equal(h.finished, [503]);
  assert.is(formatFlags(h.d.flags), 'UO');
  assert.is(h.counters.upstream_rq_retry, 1);
  assert.is(h.counters.upstream_rq_retry_success, 1);
});

test.run();
