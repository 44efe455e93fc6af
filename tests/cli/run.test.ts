import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli-capture.js';
import { ExitCode } from '../../src/cli/exit.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/experiment/${name}`, import.meta.url));

const cli = runCli;

test('a scenario with a bad field exits 2 naming file:line:col and the field', async () => {
  const { code, stderr } = await cli(['run', fixture('bad-load.yaml')]);
  assert.is(code, ExitCode.usage);
  assert.match(stderr, /bad-load\.yaml:2:52: load\.duration: expected a positive duration like "30s", got 30/);
});

test('a missing scenario file exits 2', async () => {
  const { code, stderr } = await cli(['run', fixture('nope.yaml')]);
  assert.is(code, ExitCode.usage);
  assert.match(stderr, /nope\.yaml: cannot read scenario: ENOENT/);
});

test('--format with an unknown name and --repeat 0 are usage errors (exit 2)', async () => {
  let r = await cli(['run', fixture('e2e-overflow.yaml'), '--format', 'json,pdf']);
  assert.is(r.code, ExitCode.usage);
  assert.match(r.stderr, /--format: unknown "pdf"; expected terminal, json, md, html, junit/);
  r = await cli(['run', fixture('e2e-overflow.yaml'), '--repeat', '0']);
  assert.is(r.code, ExitCode.usage);
  assert.match(r.stderr, /--repeat: expected an integer from 1 to 20, got 0/);
});

test('--dry-run without a cluster is a usage error (exit 2): the local mesh has nothing to dry-run against', async () => {
  const { code, stderr } = await cli(['run', fixture('e2e-overflow.yaml'), '--dry-run']);
  assert.is(code, ExitCode.usage);
  assert.match(stderr, /^meshproof: --dry-run checks a real cluster \(give --target, --kubeconfig, --context or target\.url\)/);
});

test('demo with an unknown scenario name is a usage error (exit 2)', async () => {
  const { code, stderr } = await cli(['demo', 'nonexistent']);
  assert.is(code, ExitCode.usage);
  assert.match(stderr, /unknown demo scenario "nonexistent"/);
});

test.run();
