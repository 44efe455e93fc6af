import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { stripUserinfo } from '../../src/util/redact.js';

test('stripUserinfo removes a token, user:password and a raw "@" in a password, and keeps the rest of the text (issue 13 item 12)', () => {
  assert.is(stripUserinfo('http://TOKEN@127.0.0.1:6443'), 'http://127.0.0.1:6443');
  assert.is(stripUserinfo('https://admin:p@ss@api.example.com/version'), 'https://api.example.com/version');
  assert.is(
    stripUserinfo('request to https://u:pw@k8s:6443/apis failed, reason: connect ECONNREFUSED; "x@y" stays'),
    'request to https://k8s:6443/apis failed, reason: connect ECONNREFUSED; "x@y" stays',
  );
  assert.is(stripUserinfo('{"server":"http://t@h:1","mail":"a@b"}'), '{"server":"http://h:1","mail":"a@b"}');
  assert.is(
    stripUserinfo('http://127.0.0.1:6443/path@x'),
    'http://127.0.0.1:6443/path@x',
    'an "@" after the path is not userinfo',
  );
});

test.run();
