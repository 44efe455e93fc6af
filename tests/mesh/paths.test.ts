/**
 * §6.1 Paths: the connection manager's path checks and Istio's default `normalize_path`
 * (conn_manager_impl.cc decodeHeaders, ConnectionManagerUtility::maybeNormalizePath,
 * PathUtil::canonicalPath → Chromium's url::CanonicalizePath, src/mesh/path-normalize.ts).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startMesh } from '../../src/mesh/index.js';
import { canonicalPath } from '../../src/mesh/path-normalize.js';
import { HCM_PREFIX } from '../../src/mesh/stats.js';
import { appWith, fixed, HOST, rawExchange, vs } from './helpers.js';

test('§6.1 Paths: Chromium path canonicalisation — dot segments (also %2e), backslashes, escapes kept, decoded or added; the query untouched', () => {
  const cases: [string, string | null][] = [
    ['/productpage', '/productpage'],
    ['/a/b/../c', '/a/c'],
    ['/a/./b/.', '/a/b/'],
    ['/../../x', '/x'], // never above the root
    ['/a/%2e%2E/b', '/b'], // escaped dots are dots
    ['/a/..', '/'],
    ['/a..b/.c', '/a..b/.c'], // dots inside names stay
    ['/a\\b\\..\\c', '/a/c'],
    ['/a//b', '/a//b'], // merge_slashes is off in Istio's BASE
    ['/a%2Fb%2f', '/a%2Fb%2f'], // escaped slashes kept, hex case as written
    ['/%41%62%7e%5F%2D', '/Ab~_-'], // unreserved escapes decoded
    ['/a b"<>`{|}^', '/a%20b%22%3C%3E%60%7B%7C%7D%5E'],
    ['/\u00e9', '/%E9'], // every byte ≥ 0x80 escaped
    ['/%zz%4', '/%zz%4'], // invalid escapes passed through
    ['/%%300', '/%2500'], // a nested escape cannot become %00
    ['/x/../y?a=/../b&c=%41', '/y?a=/../b&c=%41'],
    ['/%00', null], // an escaped NUL: the path is refused
  ];
  for (const [input, want] of cases) assert.is(canonicalPath(input), want, input);
});

test('§6.1 Paths: routed, forwarded and logged canonical; a fragment is cut off (Istio turns http_reject_path_with_fragment off), a refused path is 400, a path without a leading / is 404, each with its HCM counter', async () => {
  const shop = vs({});
  ((shop.spec as { http: { match: unknown }[] }).http[0].match as unknown) = [{ uri: { prefix: '/productpage' } }];
  const mesh = await startMesh({ app: appWith([fixed(0)], [shop]), seed: 5 });
  try {
    const get = (target: string, method = 'GET') =>
      rawExchange(mesh.gatewayUrl, `${method} ${target} HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`, 400);
    const status = async (target: string, method?: string) =>
      /^HTTP\/1\.1 (\d{3})/.exec((await get(target, method)).text)?.[1];
    // matched as /productpage although it does not start with it as sent
    assert.is(await status('/static/../productpage?x=%2e%2e'), '200');
    assert.is(await status('/productpage/%2e%2e/other'), '404'); // → /other: no route
    // Envoy alone would refuse it (400); Istio's bootstrap sets http_reject_path_with_fragment
    // false (pkg/bootstrap/config.go extractRuntimeFlags), so Envoy strips '#…' and routes the rest
    assert.is(await status('/productpage/./x/..#top?not=query'), '200');
    assert.is(await status('/productpage/%00'), '400');
    assert.is(await status('*', 'OPTIONS'), '404');
    const seen = await mesh.pods[0].lastRequests();
    assert.equal(
      seen.map((r) => r.url),
      ['/productpage?x=%2e%2e', '/productpage/'], // the dot segments resolved after the cut
    );
    assert.is(mesh.pods[0].requestsSeen(), 2);
    const stats = mesh.stats();
    assert.is(stats[`${HCM_PREFIX}.downstream_rq_failed_path_normalization`], 1);
    assert.is(stats[`${HCM_PREFIX}.downstream_rq_non_relative_path`], 1);
    assert.is(stats[`${HCM_PREFIX}.no_route`], 1);
  } finally {
    await mesh.stop();
  }
});

test.run();
