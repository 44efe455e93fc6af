/**
 * Issue 13 item 13: input echoed in messages cannot act on the terminal or forge CI log lines.
 * Every message leaves through one helper (escapeControls): errors in main(), findings,
 * the validate/lint report.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../helpers/cli-capture.js';

const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

async function withFile(name: string, text: string, fn: (file: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'meshproof-echo-'));
  try {
    const file = join(dir, name);
    await writeFile(file, text);
    await fn(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const HOSTILE_KEY = '"\\e]0;pwned\\a\\e[2J\\r\\n::error::forged \\u202E"';

test('validate: a YAML key holding escape sequences is printed escaped (no ESC, BEL, CR, LF or U+202E reaches the terminal)', async () => {
  await withFile(
    'esc.yaml',
    `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: x\nspec:\n  host: a\n  ${HOSTILE_KEY}: 1\n`,
    async (file) => {
      const r = await runCli(['validate', file]);
      assert.is(r.code, 2);
      assert.not.match(r.stderr, RAW_CONTROL);
      const [finding, summary, ...rest] = r.stderr.trimEnd().split('\n');
      assert.is(rest.length, 0, 'the newline in the key does not start a forged line');
      assert.is(summary, '1 document checked: 1 error, 0 warnings');
      assert.ok(
        finding.startsWith(
          `${file}:7:3: error: spec["\\u001b]0;pwned\\u0007\\u001b[2J\\r\\n::error::forged \\u202e"]: unknown field`,
        ),
        finding,
      );
    },
  );
});

test('lint and notes: a kind or name with escape sequences is escaped in the "not checked" note', async () => {
  await withFile(
    'note.yaml',
    'apiVersion: example.com/v1\nkind: "W\\e[31m"\nmetadata:\n  name: "n\\e]0;t\\a"\n',
    async (file) => {
      const r = await runCli(['lint', file]);
      assert.is(r.code, 0, r.stderr);
      assert.not.match(r.stderr, RAW_CONTROL);
      assert.match(r.stderr, /note: W\\x1b\[31m "n\\u001b\]0;t\\u0007" \(example\.com\/v1\) not checked/);
    },
  );
});

test('errors thrown to main() are escaped too (a path echoed raw in "no such file")', async () => {
  const r = await runCli(['validate', '/nonexistent/\u001b]0;pwned\u0007\u202Ex.yaml']);
  assert.is(r.code, 2);
  assert.not.match(r.stderr, RAW_CONTROL);
  assert.is(r.stderr, 'meshproof: /nonexistent/\\x1b]0;pwned\\x07\\u202ex.yaml: no such file or directory\n');
});

test('run: the report folder line escapes a --out path holding escape sequences', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'meshproof-echo-'));
  try {
    const scenario = fileURLToPath(new URL('../fixtures/experiment/e2e-overflow.yaml', import.meta.url));
    const r = await runCli([
      'run',
      scenario,
      '--quiet',
      '--format',
      'json',
      '--out',
      join(dir, 'o\u001b]0;pwned\u0007\u202E'),
    ]);
    assert.ok(r.code === 0 || r.code === 1 || r.code === 4, r.stderr);
    assert.not.match(r.stderr, RAW_CONTROL);
    assert.match(r.stderr, /report: \S*o\\x1b\]0;pwned\\x07\\u202e\//);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
