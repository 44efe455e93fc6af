/**
 * Policy loading: multi-document files and directories → PolicyDoc[] with positions; other
 * kinds pass through unchecked; broken input → one clear ConfigError starting with
 * file:line:col, never a stack trace.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPolicies, loadPolicyText, MAX_POLICY_FILE_BYTES } from '../../src/policy/load.js';
import { ConfigError } from '../../src/errors.js';

const FIX = 'tests/fixtures/policy';

/** The ConfigError a load throws (fails the test when none is thrown). */
async function loadError(paths: string[]): Promise<ConfigError> {
  try {
    await loadPolicies(paths);
  } catch (err) {
    assert.instance(err, ConfigError);
    return err as ConfigError;
  }
  throw new assert.Assertion({
    message: `expected a ConfigError loading ${paths.join(' ')}`,
    operator: 'throws',
    generated: false,
    expects: 'ConfigError',
    actual: 'nothing',
  });
}

test('multi-document file: empty documents skipped, each object keeps file, line, column and index', async () => {
  const docs = await loadPolicies([`${FIX}/multi.yaml`]);
  assert.equal(
    docs.map((d) => [d.kind, d.name, d.namespace, d.line, d.column, d.index, d.checked]),
    [
      ['DestinationRule', 'reviews', 'shop', 2, 1, 0, true],
      ['VirtualService', 'reviews', undefined, 14, 1, 2, true],
      ['Gateway', 'bookinfo-gateway', undefined, 29, 1, 3, false],
    ],
  );
  assert.is(docs[0].apiVersion, 'networking.istio.io/v1alpha3');
  assert.equal((docs[1].object.spec as { hosts: string[] }).hosts, ['reviews']);
});

test('positionOf points at the key of a field, at a list item, and at the nearest ancestor when absent', async () => {
  const [, vs] = await loadPolicies([`${FIX}/multi.yaml`]);
  const at = (line: number, column: number) => ({ file: `${FIX}/multi.yaml`, line, column });
  assert.equal(vs.positionOf(['spec', 'http', 0, 'retries', 'retryOn']), at(27, 9));
  assert.equal(vs.positionOf(['spec', 'http', 0]), at(21, 7));
  assert.equal(vs.positionOf(['spec', 'http', 0, 'timeout']), at(21, 7));
  assert.equal(vs.positionOf(['spec', 'http', 5]), at(20, 3));
});

test('networking.istio.io v1, v1beta1, v1alpha3 DR/VS are checked; other groups, versions and kinds are not', () => {
  const kinds = [
    ['networking.istio.io/v1', 'DestinationRule', true],
    ['networking.istio.io/v1beta1', 'VirtualService', true],
    ['networking.istio.io/v1alpha3', 'VirtualService', true],
    ['networking.istio.io/v2', 'VirtualService', false],
    ['networking.istio.io/v1', 'Gateway', false],
    ['v1', 'Service', false],
  ] as const;
  for (const [apiVersion, kind, checked] of kinds) {
    const [doc] = loadPolicyText(`apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata: {name: x}\n`, 'k.yaml');
    assert.is(doc.checked, checked, `${apiVersion} ${kind}`);
  }
});

test('directories are searched recursively for *.yaml and *.yml, in name order; other files ignored', async () => {
  const docs = await loadPolicies([`${FIX}/dir`]);
  assert.equal(
    docs.map((d) => [d.file, d.name]),
    [
      [`${FIX}/dir/a.yaml`, 'a'],
      [`${FIX}/dir/sub/b.yml`, 'b'],
    ],
  );
  assert.is((await loadPolicies([`${FIX}/dir`, `${FIX}/dir/a.yaml`])).length, 2, 'a file named twice loads once');
});

const BROKEN: [string, string][] = [
  [
    'tabs.yaml',
    `${FIX}/broken/tabs.yaml:6:1: invalid YAML: tabs are not allowed as indentation; indent YAML with spaces`,
  ],
  [
    'duplicate-keys.yaml',
    `${FIX}/broken/duplicate-keys.yaml:11:9: invalid YAML: duplicate key "maxConnections": each key may appear only once in a mapping`,
  ],
  [
    'empty-documents.yaml',
    `${FIX}/broken/empty-documents.yaml:1:1: no YAML documents found (the file is empty or only comments)`,
  ],
  [
    'list-root.yaml',
    `${FIX}/broken/list-root.yaml:1:1: expected a Kubernetes object (a mapping with apiVersion and kind), got a list`,
  ],
  ['wrong-types.yaml', `${FIX}/broken/wrong-types.yaml:1:1: apiVersion: expected a non-empty string, got number 1`],
];

for (const [file, message] of BROKEN) {
  test(`broken YAML corpus: ${file} → one clear line with file:line:col, no stack`, async () => {
    const err = await loadError([`${FIX}/broken/${file}`]);
    assert.is(err.message, message);
    assert.is(err.exitCode, 2);
  });
}

test('a meshproof scenario given as a policy (lint scenarios/) is told apart: run it, and lint its policy.files', async () => {
  const err = await loadError(['scenarios/retries.yaml']);
  assert.is(
    err.message,
    'scenarios/retries.yaml:2:1: apiVersion: expected a non-empty string, it is missing (this is a meshproof scenario, not a policy: run it with `meshproof run`; validate and lint take the manifests its policy.files names)',
  );
  // anything else without an apiVersion gets no such guess
  assert.throws(
    () => loadPolicyText('kind: X\nspec: {}\n', 'a.yaml'),
    (e: Error) => e.message === 'a.yaml:1:1: apiVersion: expected a non-empty string, it is missing',
  );
});

test('broken YAML corpus: an unclosed flow mapping names the file and position', async () => {
  const err = await loadError([`${FIX}/broken/unclosed-flow.yaml`]);
  assert.match(err.message, /^tests\/fixtures\/policy\/broken\/unclosed-flow\.yaml:\d+:\d+: invalid YAML: /);
  assert.not.match(err.message, /\n\s+at /);
});

test('broken YAML corpus: an unknown alias and an alias bomb are ConfigErrors at the document start', () => {
  const head = 'apiVersion: v1\nkind: X\n';
  assert.throws(
    () => loadPolicyText(`${head}x: *nope\n`, 'a.yaml'),
    (e: Error) =>
      e instanceof ConfigError &&
      e.message === 'a.yaml:1:1: invalid YAML: Unresolved alias (the anchor must be set before the alias): nope',
  );
  const level = (name: string, prev: string) => `${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]\n`;
  const bomb = `${head}a: &a [x,x,x,x,x,x,x,x,x]\n${level('b', 'a')}${level('c', 'b')}${level('d', 'c')}${level('e', 'd')}`;
  assert.throws(
    () => loadPolicyText(bomb, 'b.yaml'),
    (e: Error) => e instanceof ConfigError && /^b\.yaml:1:1: invalid YAML: Excessive alias count/.test(e.message),
  );
});

test('a generated 5 MB file is refused before parsing, with its size and the limit', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'meshproof-policy-'));
  try {
    const file = join(dir, 'huge.yaml');
    const line =
      'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: x}\nspec: {host: x}\n---\n';
    await writeFile(file, line.repeat(Math.ceil((5 * 1024 * 1024) / line.length)));
    const started = performance.now();
    const err = await loadError([file]);
    assert.is(
      err.message,
      `${file}:1:1: file is 5.0 MiB; policy files over 1.5 MiB are refused (Kubernetes cannot store an object that big)`,
    );
    assert.ok(performance.now() - started < 500, 'refused without parsing');
    assert.throws(
      () => loadPolicyText(line.repeat(Math.ceil((MAX_POLICY_FILE_BYTES + 1) / line.length)), 'text.yaml'),
      /^text\.yaml:1:1: file is 1\.5 MiB/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a missing path, a directory without YAML, and a binary file are ConfigErrors', async () => {
  assert.is((await loadError([`${FIX}/nope.yaml`])).message, `${FIX}/nope.yaml: no such file or directory`);
  const dir = await mkdtemp(join(tmpdir(), 'meshproof-policy-'));
  try {
    assert.is((await loadError([dir])).message, `${dir}: no .yaml or .yml files in this directory`);
    await writeFile(join(dir, 'bin.yaml'), Buffer.from([0x61, 0x00, 0x62]));
    assert.is(
      (await loadError([dir])).message,
      `${join(dir, 'bin.yaml')}:1:1: not a YAML text file (it contains NUL bytes)`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('more than ten YAML errors are listed ten at a time with a count of the rest', () => {
  const text = Array.from({ length: 12 }, (_, i) => `k${i}: 1\nk${i}: 2\n`).join('');
  try {
    loadPolicyText(text, 'many.yaml');
    assert.unreachable('should throw');
  } catch (err) {
    const lines = (err as Error).message.split('\n');
    assert.is(lines.length, 11);
    assert.is(lines[0], 'many.yaml:2:1: invalid YAML: duplicate key "k0": each key may appear only once in a mapping');
    assert.is(lines[10], 'many.yaml: … and 2 more YAML errors');
  }
});

test.run();
