/**
 * Issue 13 items 18 and 19 for policy files: `<<` merge keys resolve as kubectl resolves them
 * (the alias-bomb limit stays: tests/policy/load.test.ts), values show as written, Latin-1 is
 * named, long echoes are cut.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../src/errors.js';
import { loadPolicies, loadPolicyText } from '../../src/policy/load.js';
import { assertNone, dr, validateText } from './helpers.js';

test('<< merge keys in a policy resolve (kubectl reads YAML with go-yaml, which merges): no "unknown field <<"', () => {
  const text = dr(
    'connectionPool: &pool\n  tcp:\n    maxConnections: 1\n  http:\n    http1MaxPendingRequests: 1',
  ).replace(
    /\n$/,
    '\n  subsets:\n    - name: v1\n      labels: {version: v1}\n      trafficPolicy:\n        connectionPool:\n          <<: *pool\n          tcp:\n            maxConnections: 7\n',
  );
  const [doc] = loadPolicyText(text, 'x.yaml');
  const subset = (doc.object.spec as { subsets: { trafficPolicy: { connectionPool: unknown } }[] }).subsets[0];
  assert.equal(
    subset.trafficPolicy.connectionPool,
    { tcp: { maxConnections: 7 }, http: { http1MaxPendingRequests: 1 } },
    'explicit keys win over merged ones',
  );
  assertNone(validateText(text));
});

test('.nan, .inf and 1e400 are shown as written, not as "got null"', () => {
  const f = validateText(
    dr(
      'connectionPool:\n  tcp:\n    maxConnections: .nan\n  http:\n    http1MaxPendingRequests: 1e400\n    http2MaxRequests: -.inf',
    ),
  );
  assert.equal(
    f.map((x) => x.message),
    ['expected an integer, got .nan', 'expected an integer, got 1e400', 'expected an integer, got -.inf'],
  );
});

test('a Latin-1 policy file is refused at its first non-UTF-8 byte, saying so', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'meshproof-latin1-'));
  try {
    const file = join(dir, 'latin1.yaml');
    await writeFile(
      file,
      Buffer.from('apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: caf\xe9\n', 'latin1'),
    );
    const err = await loadPolicies([file]).then(
      () => undefined,
      (e: Error) => e,
    );
    assert.instance(err, ConfigError);
    assert.is(
      err!.message,
      `${file}:4:12: not UTF-8 text: byte 0xe9 here is not valid UTF-8 (Latin-1 or another encoding, or a binary file?); save the file as UTF-8`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a one-line 7.7 KB document is echoed cut to 80 characters', () => {
  const line = 'q'.repeat(7700);
  const err = (() => {
    try {
      loadPolicyText(`${line}\n`, 'bin.yaml');
    } catch (e) {
      return e as Error;
    }
  })();
  assert.is(
    err?.message,
    `bin.yaml:1:1: expected a Kubernetes object (a mapping with apiVersion and kind), got string "${'q'.repeat(80)}… (7620 more characters)"`,
  );
});

test.run();
