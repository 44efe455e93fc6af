/**
 * The router when an upstream response dies after its headers went downstream (§4.1): the
 * downstream stream is reset and the request still ends once — counted and access-logged with
 * the status it was sent with (router.cc onUpstreamReset / onResponseTimeout → onUpstreamAbort).
 * A Router on fakes: the pool hands a connection at once, the test plays the upstream response.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ClusterState } from '../../src/mesh/cluster.js';
import type { MeshResponse } from '../../src/mesh/downstream.js';
import { NO_MUTATIONS } from '../../src/mesh/header-mutation.js';
import type { ResponseSink } from '../../src/mesh/http1-client.js';
import { Flag, formatFlags } from '../../src/mesh/local-reply.js';
import type { CompiledRoute } from '../../src/mesh/route-config.js';
import { type Downstream, Router } from '../../src/mesh/router.js';
import { newClusterCounters } from '../../src/mesh/stats.js';
import { createRng } from '../../src/util/random.js';

function harness(timeoutMs: number) {
  const finished: number[] = [];
  let resets = 0;
  let sink: ResponseSink | null = null;
  const res = {
    headersSent: false,
    destroyed: false,
    writableEnded: false,
    writableFinished: false,
    getHeader: () => undefined,
    writeHead() {
      return this;
    },
    write() {
      this.headersSent = true;
      return true;
    },
    end() {
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
    req: { method: 'GET', url: '/', httpVersion: '1.1', headers: { host: 'a' } },
    res: res as unknown as MeshResponse,
    body: null,
    worker: 0,
    flags: 0,
    upstreamHost: '-',
    clusterName: '-',
    serviceTimeMs: -1,
    mutations: NO_MUTATIONS,
    finish: (status: number) => finished.push(status),
  } as unknown as Downstream;
  const host = { address: '127.0.0.1:1', rqError: 0, rqSuccess: 0, rqTimeout: 0 };
  const conn = {
    pool: { streamDone() {} },
    send: (_head: string, _body: Buffer | null, s: ResponseSink) => {
      sink = s;
    },
    destroy() {},
  };
  const cluster = {
    resources: {},
    stats: { c: newClusterCounters(), codes: new Map(), retryCodes: new Map() },
    settings: { name: 'c' },
    outlier: null,
    pickHost: () => host,
    pool: () => ({ newStream: (w: Router) => w.onPoolReady(conn as never) }),
  } as unknown as ClusterState;
  const route = { retry: null, timeoutMs } as unknown as CompiledRoute;
  new Router(d, route, cluster, createRng(1), () => performance.now()).run();
  return { d, finished, resets: () => resets, sink: () => sink as ResponseSink };
}

test('§4.1 the pod closes mid-body: the downstream stream is reset, the request ends once with its 200 and UC', () => {
  const h = harness(0);
  h.sink().onResponseHead(200, { 'content-length': '10' });
  h.sink().onResponseData(Buffer.from('abc'), false);
  h.sink().onResponseReset();
  assert.is(h.resets(), 1);
  assert.equal(h.finished, [200]);
  assert.is(formatFlags(h.d.flags), 'UC');
});

test('§4.1 the route timeout fires mid-body: reset, the request ends once with its 200 and UT', async () => {
  const h = harness(30);
  h.sink().onResponseHead(200, { 'content-length': '10' });
  h.sink().onResponseData(Buffer.from('abc'), false);
  await new Promise((r) => setTimeout(r, 60));
  assert.is(h.resets(), 1);
  assert.equal(h.finished, [200]);
  assert.is(h.d.flags & Flag.UT, Flag.UT);
});

test.run();
