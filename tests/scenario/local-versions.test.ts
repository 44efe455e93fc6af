/** Issue 16 item 1: `local.versions` — one Deployment per version, pods labelled app and version. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseScenario } from '../../src/scenario/scenario.js';
import { parseVersionCounts } from '../../src/mesh/versions.js';
import { errorsOf, FILE, GOOD } from './scenario-text.js';

test('local.versions: pods <app>-<version>-<i> labelled app/version; top-level behaviour shared, a version overrides it', () => {
  const s = parseScenario(
    FILE,
    `${GOOD}local:
  latency: { fixed: 10ms }
  versions:
    v1: { pods: 2 }
    v2: { pods: 1, errors: { status: 500, rate: 0.2 }, latency: { fixed: 30ms } }
`,
    '/work/demo/scenarios',
  );
  assert.equal(
    s.local.pods.map((p) => [p.name, p.labels.version, p.labels.app]),
    [
      ['productpage-v1-0', 'v1', 'productpage'],
      ['productpage-v1-1', 'v1', 'productpage'],
      ['productpage-v2-0', 'v2', 'productpage'],
    ],
  );
  assert.equal(s.local.pods[1].behaviour, { mode: 'serve', latency: { kind: 'fixed', ms: 10 } });
  assert.equal(s.local.pods[2].behaviour, {
    mode: 'serve',
    latency: { kind: 'fixed', ms: 30 },
    errors: { status: 500, rate: 0.2 },
  });
});

test('without versions a scenario keeps one version v1 (existing scenarios unchanged)', () => {
  const s = parseScenario(FILE, `${GOOD}local: { pods: 2 }\n`, '/work/demo/scenarios');
  assert.equal(
    s.local.pods.map((p) => [p.name, p.labels]),
    [
      ['productpage-v1-0', { app: 'productpage', version: 'v1' }],
      ['productpage-v1-1', { app: 'productpage', version: 'v1' }],
    ],
  );
});

test('local.versions mistakes name file:line:col and field: pods beside versions, a bad label, 0 pods, too many pods', () => {
  const errs = errorsOf(`${GOOD}local:
  pods: 2
  versions:
    "v 1": { pods: 1 }
    v2: { pods: 0 }
    v3: { pods: 50 }
`);
  assert.equal(errs, [
    'scenarios/x.yaml:7:9: local.pods: expected either pods or versions (with versions, give each version its pods)',
    'scenarios/x.yaml:9:5: local.versions["v 1"]: expected a version label value (letters, digits, "-", "_", "."), got "v 1"',
    'scenarios/x.yaml:9:5: local.versions: expected at most 50 pods in all, got 52',
    'scenarios/x.yaml:10:17: local.versions.v2.pods: expected an integer ≥ 1, got 0',
  ]);
});

test('mesh --versions v1=2,v2=1 parses to two versions; bad text says what was expected', () => {
  assert.equal(parseVersionCounts('v1=2,v2=1', 50), [
    { name: 'v1', pods: 2, behaviour: {} },
    { name: 'v2', pods: 1, behaviour: {} },
  ]);
  assert.is(parseVersionCounts('v1:2', 50), 'expected VERSION=PODS[,VERSION=PODS…] like "v1=2,v2=1", got "v1:2"');
  assert.is(parseVersionCounts('v1=1,v1=2', 50), 'version v1 given twice');
  assert.is(parseVersionCounts('v1=30,v2=30', 50), 'expected at most 50 pods in all, got 60');
});

test('target.subsetFrom: { header } or { body } with a capture group; anything else names the field', () => {
  const at = (from: string) =>
    parseScenario(FILE, `${GOOD}target: { subsetFrom: ${from} }\n`, '/work/demo/scenarios').target.subsetFrom;
  assert.equal(at('{ header: x-version }'), { header: 'x-version' });
  assert.equal(at('{ body: "reviews-(v\\\\d)" }'), { body: 'reviews-(v\\d)' });
  assert.is(parseScenario(FILE, GOOD, '/work/demo/scenarios').target.subsetFrom, undefined);
  assert.equal(errorsOf(`${GOOD}target: { subsetFrom: { body: "v\\\\d" } }\n`), [
    'scenarios/x.yaml:6:31: target.subsetFrom.body: expected a regular expression with a capture group (the subset), got "v\\\\d"',
  ]);
  assert.equal(errorsOf(`${GOOD}target: { subsetFrom: { header: a, body: "(x)" } }\n`), [
    'scenarios/x.yaml:6:23: target.subsetFrom: expected exactly one of { header: NAME } or { body: REGEX }',
  ]);
});

test.run();
