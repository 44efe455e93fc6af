import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { classify, isFailure } from '../../src/load/classify.js';
import { LOCAL_REPLIES } from './helpers/local-replies.js';

for (const r of LOCAL_REPLIES) {
  test(`§1 ${r.what}: ${r.status} "${r.body.slice(0, 40)}" → ${r.cause}`, () => {
    assert.is(classify({ status: r.status, body: r.body, overloaded: r.headers?.['x-envoy-overloaded'] }), r.cause);
  });
}

test('§1 an overflow reply whose x-envoy-overloaded header was stripped by a hop is still overflow (body says so)', () => {
  assert.is(
    classify({
      status: 503,
      body: 'upstream connect error or disconnect/reset before headers. reset reason: overflow',
    }),
    'overflow',
  );
});

test('no response at all (status 0) is network_error; 4xx is client_error; 200 is ok and not a failure', () => {
  assert.is(classify({ status: 0 }), 'network_error');
  assert.is(classify({ status: 429, body: '' }), 'client_error');
  assert.is(isFailure('ok'), false);
  assert.is(isFailure('overflow'), true);
});

test.run();
