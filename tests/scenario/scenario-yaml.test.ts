/**
 * Issue 13 items 18 and 19 for scenario files: aliases and `<<` merge keys resolve (kubectl's
 * go-yaml does; the alias-bomb limit stays), wrong numbers show as written, the duplicate key
 * is named, Latin-1 is named.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../src/errors.js';
import { loadScenario, parseScenario } from '../../src/scenario/scenario.js';
import { errorsOf, FILE } from './scenario-text.js';

test('aliases resolve: a gate list and a load block reused by reference', () => {
  const s = parseScenario(
    FILE,
    `name: demo
load: &l { executor: constant-vus, vus: 3, duration: 2s }
policy: { files: [../policies/connection-pool.yaml] }
expect:
  baseline: &g { http_req_failed: ["rate<0.5"] }
  policy: *g
`,
    '/work/demo/scenarios',
  );
  assert.equal(s.load, { executor: 'constant-vus', vus: 3, duration: '2s' });
  assert.equal(
    s.gates.map((g) => `${g.scope} ${g.metric} ${g.gate.expression}`),
    ['baseline http_req_failed rate<0.5', 'policy http_req_failed rate<0.5'],
  );
});

test('<< merge keys resolve, explicit keys winning', () => {
  const s = parseScenario(
    FILE,
    `name: demo
load: { <<: { executor: constant-vus, vus: 3, duration: 2s }, vus: 5 }
policy: { files: [../policies/connection-pool.yaml] }
expect:
  baseline: &g { http_req_failed: ["rate<0.5"] }
  policy: { <<: *g, cause_overflow: ["rate>=0.3"] }
`,
    '/work/demo/scenarios',
  );
  assert.equal(s.load, { executor: 'constant-vus', vus: 5, duration: '2s' });
  assert.equal(
    s.gates
      .filter((g) => g.scope === 'policy')
      .map((g) => g.metric)
      .sort(),
    ['cause_overflow', 'http_req_failed'],
  );
});

test('an alias bomb is still stopped, as a positioned error', () => {
  const level = (name: string, prev: string) => `${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]\n`;
  const errors = errorsOf(
    `description: &a [x,x,x,x,x,x,x,x,x]\n${level('b', 'a')}${level('c', 'b')}${level('d', 'c')}${level('e', 'd')}`,
  );
  assert.match(errors[0], /^scenarios\/x\.yaml:1:1: invalid YAML: Excessive alias count/);
});

test('.nan, .inf and 1e400 are shown as written', () => {
  const errors = errorsOf(`name: demo
load: { executor: constant-vus, vus: .nan, duration: 2s }
policy: { files: [a.yaml] }
expect: { policy: { http_req_failed: ["rate<0.5"] } }
repeat: .inf
seed: 1e400
`);
  assert.ok(errors.includes('scenarios/x.yaml:5:9: repeat: expected an integer, got .inf'), errors.join('\n'));
  assert.ok(errors.includes('scenarios/x.yaml:6:7: seed: expected an integer, got 1e400'), errors.join('\n'));
  assert.ok(
    errors.some((e) => e.endsWith('load.vus: expected a positive integer, got .nan')),
    errors.join('\n'),
  );
});

test('a Latin-1 scenario is refused at its first non-UTF-8 byte', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'meshproof-latin1-'));
  try {
    const file = join(dir, 's.yaml');
    await writeFile(file, Buffer.from('name: caf\xe9\n', 'latin1'));
    const err = await loadScenario(file).then(
      () => undefined,
      (e: Error) => e,
    );
    assert.instance(err, ConfigError);
    assert.match(err!.message, new RegExp(`^${file}:1:10: not UTF-8 text: byte 0xe9 here`));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
