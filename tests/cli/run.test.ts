import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli-capture.js';
import { ExitCode } from '../../src/errors.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/experiment/${name}`, import.meta.url));

const cli = runCli;

test('a scenario with a bad field exits 2 naming file:line:col and the field', async () => {
  const { code, stderr } = await cli(['run', fixture('bad-load.yaml')]);
  assert.is(code, ExitCode.usage);
  assert.match(stderr, /bad-load\.yaml:2:52: load\.duration: expected a positive duration like "30s", got 30/);
});

test('a policy set naming one DestinationRule twice, or one in another namespace on the local mesh: exit 2 up front with file:line:col, no load (issue 13 item 10)', async () => {
  const twice = await cli([
    'run',
    fixture('conflict-twice.yaml'),
    '--format',
    'json',
    '--out',
    '/nonexistent-never-written',
  ]);
  assert.is(twice.code, ExitCode.usage, twice.stderr);
  assert.match(
    twice.stderr,
    /twice\.yaml:15:3: error: metadata\.name: DestinationRule default\/productpage is already defined at \S*twice\.yaml:5:3/,
  );
  const otherNs = await cli([
    'run',
    fixture('conflict-other-ns.yaml'),
    '--format',
    'json',
    '--out',
    '/nonexistent-never-written',
  ]);
  assert.is(otherNs.code, ExitCode.usage, otherNs.stderr);
  assert.match(
    otherNs.stderr,
    /other-ns\.yaml:6:3: error: metadata\.namespace: DestinationRule shop\/productpage: the local mesh serves one namespace, "default"/,
  );
  // refused before the mesh started or any phase ran: the one error line is all that was printed
  for (const r of [twice, otherNs]) assert.is(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
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
  assert.match(
    stderr,
    /^meshproof: --dry-run checks a real cluster \(give --target, --kubeconfig, --context or target\.url\)/,
  );
});

test('demo with an unknown scenario name is a usage error (exit 2)', async () => {
  const { code, stderr } = await cli(['demo', 'nonexistent']);
  assert.is(code, ExitCode.usage);
  assert.match(stderr, /unknown demo scenario "nonexistent"/);
});

test.run();
