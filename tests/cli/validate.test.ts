/** `meshproof validate`: exit 0 on clean policies, 2 on any error (or warning with --strict); --json parses. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../helpers/cli-capture.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FIX = 'tests/fixtures/policy';

test('validate policies/ exits 0 and says how many documents were checked', async () => {
  const r = await runCli(['validate', 'policies/']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, '');
  assert.is(r.stderr, '8 documents checked: 0 errors, 0 warnings\n');
});

test('validate and lint of two named files holding the same DestinationRule: exit 2 with both positions; the policies/ folder of alternatives stays clean (issue 13 item 10)', async () => {
  const dir = 'tests/fixtures/policy/conflicts';
  for (const verb of ['validate', 'lint']) {
    const r = await runCli([verb, 'policies/connection-pool.yaml', 'policies/outlier-detection.yaml']);
    assert.is(r.code, 2, verb);
    assert.match(
      r.stderr,
      'policies/outlier-detection.yaml:10:3: error: metadata.name: DestinationRule default/productpage is already defined at policies/connection-pool.yaml:9:3',
    );
  }
  const one = await runCli(['validate', `${dir}/twice.yaml`]);
  assert.is(one.code, 2);
  assert.is(
    one.stderr,
    `${dir}/twice.yaml:15:3: error: metadata.name: DestinationRule default/productpage is already defined at ${dir}/twice.yaml:5:3: one policy set may name an object once (the later one would silently replace the earlier)\n2 documents checked: 1 error, 0 warnings\n`,
  );
});

test('validate a file with ten mistakes exits 2 and prints ten file:line:col findings', async () => {
  const r = await runCli(['validate', `${FIX}/ten-mistakes.yaml`]);
  assert.is(r.code, 2);
  const lines = r.stderr.trimEnd().split('\n');
  assert.is(lines.length, 11);
  assert.is(
    lines[8],
    `${FIX}/ten-mistakes.yaml:35:9: error: spec.http[0].retries.retryOn: " reset" is not a valid retryOn policy`,
  );
  assert.is(lines[10], '2 documents checked: 10 errors, 0 warnings');
});

test('--json prints one parseable document on stdout echoing inputs, documents and findings', async () => {
  const r = await runCli(['validate', '--json', `${FIX}/multi.yaml`]);
  assert.is(r.code, 2); // " reset" in retryOn
  const report = JSON.parse(r.stdout);
  assert.equal(report.inputs, [`${FIX}/multi.yaml`]);
  assert.equal(
    report.documents.map((d: { kind: string; checked: boolean }) => [d.kind, d.checked]),
    [
      ['DestinationRule', true],
      ['VirtualService', true],
      ['Gateway', false],
    ],
  );
  assert.is(report.errors, 1);
  assert.equal(report.findings[0], {
    severity: 'error',
    file: `${FIX}/multi.yaml`,
    line: 27,
    column: 9,
    path: 'spec.http[0].retries.retryOn',
    message: '" reset" is not a valid retryOn policy',
  });
});

test('other kinds are reported as "not checked", without failing', async () => {
  const r = await runCli(['validate', `${FIX}/dir`, 'tests/fixtures/policy/multi.yaml']);
  assert.match(
    r.stderr,
    `${FIX}/multi.yaml:29:1: note: Gateway "bookinfo-gateway" (networking.istio.io/v1) not checked: meshproof checks DestinationRule and VirtualService of networking.istio.io v1, v1beta1 and v1alpha3\n`,
  );
  assert.match(r.stderr, /4 documents checked, 1 not checked: 1 error, 0 warnings\n$/);
});

test('--strict turns warnings into exit 2; without it warnings exit 0', async () => {
  const file = `${FIX}/warning-only.yaml`;
  const loose = await runCli(['validate', file]);
  assert.is(loose.code, 0, loose.stderr);
  assert.match(
    loose.stderr,
    'warning: spec.trafficPolicy.outlierDetection.consecutiveErrors: outlier detection consecutive errors is deprecated',
  );
  assert.is((await runCli(['validate', '--strict', file])).code, 2);
});

test('broken YAML exits 2 with one file:line:col finding and no stack trace', async () => {
  const r = await runCli(['validate', `${FIX}/broken/tabs.yaml`]);
  assert.is(r.code, 2);
  assert.is(
    r.stderr,
    `${FIX}/broken/tabs.yaml:6:1: error: invalid YAML: tabs are not allowed as indentation; indent YAML with spaces\n` +
      '0 documents checked, 1 file not parsed: 1 error, 0 warnings\n',
  );
});

test('a file that does not parse does not hide the findings of the others (validate and lint, text and --json)', async () => {
  const files = [`${FIX}/broken/duplicate-keys.yaml`, `${FIX}/warning-only.yaml`, `${FIX}/broken/list-root.yaml`];
  for (const verb of ['validate', 'lint']) {
    const r = await runCli([verb, ...files]);
    assert.is(r.code, 2, `${verb}: ${r.stderr}`);
    const lines = r.stderr.trimEnd().split('\n');
    assert.is(
      lines[0],
      `${FIX}/broken/duplicate-keys.yaml:11:9: error: invalid YAML: duplicate key "maxConnections": each key may appear only once in a mapping`,
    );
    assert.is(
      lines[1],
      `${FIX}/broken/list-root.yaml:1:1: error: expected a Kubernetes object (a mapping with apiVersion and kind), got a list`,
    );
    assert.match(r.stderr, `${FIX}/warning-only.yaml:`, 'the readable file was checked');
    assert.match(lines.at(-1)!, /^1 document checked, 2 files not parsed: 2 errors, [1-9]\d* warnings?$/);
    const json = JSON.parse((await runCli([verb, '--json', ...files])).stdout);
    assert.equal(json.unreadable, [`${FIX}/broken/duplicate-keys.yaml`, `${FIX}/broken/list-root.yaml`]);
    assert.equal(
      json.findings
        .filter((f: { severity: string }) => f.severity === 'error')
        .map((f: { file: string; line: number; column: number }) => `${f.file}:${f.line}:${f.column}`),
      [`${FIX}/broken/duplicate-keys.yaml:11:9`, `${FIX}/broken/list-root.yaml:1:1`],
    );
  }
});

test('a file with more YAML errors than its message lists: every error is a finding at its own line, none pinned to 1:1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mp-yaml-'));
  try {
    // 13 keys `x` under one mapping: 12 duplicate-key errors, at lines 5..16 (load.ts lists 10 in its message)
    const file = join(dir, 'dup.yaml');
    writeFileSync(file, `apiVersion: v1\nkind: X\nmetadata: {name: a}\n${'x: 1\n'.repeat(13)}`);
    const json = JSON.parse((await runCli(['validate', '--json', file])).stdout);
    assert.equal(
      json.findings.map((f: { line: number; column: number }) => `${f.line}:${f.column}`),
      Array.from({ length: 12 }, (_, i) => `${i + 5}:1`),
    );
    assert.is(json.errors, 12);
    assert.not.match(JSON.stringify(json.findings), 'more YAML errors');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing path and a missing argument are usage errors (exit 2)', async () => {
  assert.is((await runCli(['validate', 'nope/'])).code, 2);
  const none = await runCli(['validate']);
  assert.is(none.code, 2);
  assert.not.match(none.stderr, /internal error/);
});

test.run();
