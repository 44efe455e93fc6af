/** Colour and the live progress line (src/config.ts): NO_COLOR only when non-empty (no-color.org), FORCE_COLOR as Node reads it. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readEnv, useColor } from '../../src/config.js';

const tty = { isTTY: true } as NodeJS.WriteStream;
const pipe = { isTTY: false } as NodeJS.WriteStream;
const color = (stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv) => useColor(stream, readEnv(env));

test('a TTY gets colour; a pipe does not; CI=true turns it off', () => {
  assert.is(color(tty, {}), true);
  assert.is(color(pipe, {}), false);
  assert.is(color(tty, { CI: 'true' }), false);
});

test('NO_COLOR turns colour off only when non-empty (no-color.org: "present and not an empty string")', () => {
  assert.is(color(tty, { NO_COLOR: '1' }), false);
  assert.is(color(tty, { NO_COLOR: '' }), true);
});

test("FORCE_COLOR as Node's getColorDepth: '', 1, true, 2, 3 force on (even on a pipe, over NO_COLOR and CI); anything else forces off", () => {
  for (const v of ['', '1', 'true', '2', '3'])
    assert.is(color(pipe, { FORCE_COLOR: v, NO_COLOR: '1', CI: 'true' }), true, v);
  for (const v of ['0', 'false', 'no']) assert.is(color(tty, { FORCE_COLOR: v }), false, v);
});

test("the CI checkout is GitHub's GITHUB_WORKSPACE, else GitLab's CI_PROJECT_DIR; empty counts as unset", () => {
  assert.is(readEnv({ GITHUB_WORKSPACE: '/gh', CI_PROJECT_DIR: '/gl' }).checkoutRoot, '/gh');
  assert.is(readEnv({ GITHUB_WORKSPACE: '', CI_PROJECT_DIR: '/gl' }).checkoutRoot, '/gl');
  assert.is(readEnv({}).checkoutRoot, undefined);
});

test.run();
