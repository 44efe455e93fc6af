/**
 * §6.1 Request headers: the connection manager's mutation of an edge request's headers before
 * routing (conn_manager_utility.cc mutateRequestHeaders / cleanInternalHeaders, an Istio gateway's
 * use_remote_address with no trusted hops), as the pod receives them and the access log shows them.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startMesh } from '../../src/mesh/index.js';
import { mutateRequestHeaders, requestId } from '../../src/mesh/request-headers.js';
import { createRng } from '../../src/util/random.js';
import { appWith, fixed, send } from './helpers.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('§6.1 Request headers: XFF appended, x-forwarded-proto overwritten, x-envoy-external-address set, a new x-request-id, internal-only x-envoy-* and a bad referer dropped — and none of them acted on', async () => {
  const log = path.join(os.tmpdir(), `meshproof-request-headers-${process.pid}.log`);
  const mesh = await startMesh({ app: appWith([fixed(50)]), seed: 9, accessLogPath: log });
  try {
    const r = await send(mesh.gatewayUrl, {
      headers: {
        'x-forwarded-for': '10.0.0.1',
        'x-forwarded-proto': 'https',
        'x-request-id': 'client-chosen',
        // a client may not steer the gateway's router: removed, so the 1 ms timeout is not applied
        'x-envoy-upstream-rq-timeout-ms': '1',
        'x-envoy-retry-on': '5xx',
        'x-envoy-max-retries': '7',
        'x-envoy-internal': 'true',
        referer: 'not a url',
        'x-custom': 'kept',
      },
    });
    assert.is(r.status, 200);
    const second = await send(mesh.gatewayUrl, { headers: { referer: 'http://shop.example/cart?x=1' } });
    assert.is(second.status, 200);
    const [first, next] = await mesh.pods[0].lastRequests();
    const h = first.headers;
    assert.is(h['x-forwarded-for'], '10.0.0.1,127.0.0.1'); // appendXff: "," without a space
    assert.is(h['x-forwarded-proto'], 'http');
    assert.is(h['x-envoy-external-address'], '127.0.0.1');
    assert.match(String(h['x-request-id']), UUID_V4);
    for (const gone of [
      'x-envoy-upstream-rq-timeout-ms',
      'x-envoy-retry-on',
      'x-envoy-max-retries',
      'x-envoy-internal',
      'referer',
    ])
      assert.is(h[gone], undefined, gone);
    assert.is(h['x-custom'], 'kept');
    assert.is(next.headers.referer, 'http://shop.example/cart?x=1'); // one absolute URL stays
    assert.is(next.headers['x-forwarded-for'], '127.0.0.1');
    assert.is.not(next.headers['x-request-id'], h['x-request-id']);
    await mesh.stop();
    await new Promise((resolve) => setTimeout(resolve, 5));
    // the access log's %REQ(X-FORWARDED-FOR)% and %REQ(X-REQUEST-ID)% are the mutated headers
    const lines = fs.readFileSync(log, 'utf8').trim().split('\n');
    assert.ok(lines[0].includes(`"10.0.0.1,127.0.0.1"`), lines[0]);
    assert.ok(lines[0].includes(`"${h['x-request-id']}"`), lines[0]);
  } finally {
    await mesh.stop();
    fs.rmSync(log, { force: true });
  }
});

test('§6.1 te is sanitized to trailers (sanitizeTEHeader): kept only when one of its values is exactly trailers', () => {
  const rng = createRng(1);
  const te = (value: string) => {
    const h: Record<string, string | string[] | undefined> = { host: 'a', te: value };
    mutateRequestHeaders(h, '127.0.0.1', rng);
    return h.te;
  };
  assert.is(te('deflate, trailers'), 'trailers');
  assert.is(te('trailers'), 'trailers');
  assert.is(te('gzip'), undefined);
  assert.is(te('trailersx'), undefined);
});

test('§6.1 referer kept or dropped as Utility::isValidRefererValue decides: absolute without userinfo or fragment, or relative with no colon in its first segment', () => {
  const rng = createRng(1);
  const kept = (value: string) => {
    const h: Record<string, string | string[] | undefined> = { host: 'a', referer: value };
    mutateRequestHeaders(h, '127.0.0.1', rng);
    return h.referer === value;
  };
  for (const ok of ['http://shop.example/cart?x=1', 'HTTPS://h:8443', '/cart?x=1', 'cart/a:b', '?q=1'])
    assert.ok(kept(ok), ok);
  for (const bad of ['http://user@shop.example/', 'http://shop.example/#top', 'a:b/c', 'not a url', '/x#f'])
    assert.not.ok(kept(bad), bad);
});

test('request ids are version-4 UUIDs drawn from the seeded stream: the same seed gives the same ids', () => {
  const a = createRng(3);
  const b = createRng(3);
  const ids = Array.from({ length: 50 }, () => requestId(a));
  assert.equal(
    Array.from({ length: 50 }, () => requestId(b)),
    ids,
  );
  for (const id of ids) assert.match(id, UUID_V4);
  assert.is(new Set(ids).size, 50);
});

test.run();
