/** Issue 13 items 13 and 18: one helper escapes control characters; echoes are cut; values show as written; UTF-8 is checked. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cutEcho, escapeControls, showNumber, showValue } from '../../src/util/text.js';
import { decodeUtf8 } from '../../src/util/utf8.js';

test('escapeControls: ESC, BEL, CR, DEL, C1 and bidi marks become visible escapes; newlines stay', () => {
  assert.is(escapeControls('\u001b]0;pwned\u0007\u001b[2J'), '\\x1b]0;pwned\\x07\\x1b[2J');
  assert.is(escapeControls('a\rb\u007fc\u009bd'), 'a\\x0db\\x7fc\\x9bd');
  assert.is(
    escapeControls('\u202Egnp.exe\u202C \u2066x\u2069 \u200f'),
    '\\u202egnp.exe\\u202c \\u2066x\\u2069 \\u200f',
  );
  assert.is(escapeControls('line 1\nline 2 café ✓'), 'line 1\nline 2 café ✓');
  assert.is(escapeControls(escapeControls('\u001b')), '\\x1b', 'idempotent: escaping twice changes nothing more');
});

test('cutEcho: 80 characters kept, the rest counted', () => {
  assert.is(cutEcho('x'.repeat(80)), 'x'.repeat(80));
  assert.is(cutEcho('y'.repeat(7700)), `${'y'.repeat(80)}… (7620 more characters)`);
});

test('showNumber / showValue: .nan, .inf, -.inf, or the source text (1e400), never "null"', () => {
  assert.is(showNumber(NaN), '.nan');
  assert.is(showNumber(Infinity), '.inf');
  assert.is(showNumber(-Infinity), '-.inf');
  assert.is(showNumber(Infinity, '1e400'), '1e400');
  assert.is(showNumber(2.5, 'ignored'), '2.5');
  assert.is(showValue(NaN), '.nan');
  assert.is(showValue(undefined), 'nothing');
  assert.is(showValue([1]), 'a list');
  assert.is(showValue('z'.repeat(100)), `"${'z'.repeat(80)}… (20 more characters)"`);
});

test('decodeUtf8: Latin-1 "café" is refused at the é (line 2, column 4), valid UTF-8 passes', () => {
  assert.equal(decodeUtf8(Buffer.from('a: 1\nx: caf\xe9\n', 'latin1')), { badByte: 0xe9, line: 2, column: 7 });
  assert.equal(decodeUtf8(Buffer.from('x: café ✓\n', 'utf8')), { text: 'x: café ✓\n' });
  // a valid two-byte character before the bad byte counts as one column
  assert.equal(decodeUtf8(Buffer.concat([Buffer.from('é', 'utf8'), Buffer.from([0xff])])), {
    badByte: 0xff,
    line: 1,
    column: 2,
  });
  // an overlong encoding of "/" is not UTF-8 either
  assert.equal(decodeUtf8(Buffer.from([0x61, 0xc0, 0xaf])), { badByte: 0xc0, line: 1, column: 2 });
});

test.run();
