/**
 * Issue 13 item 14: `meshproof diff` with a malformed report.json is exit 2 naming the field
 * and the schema version — never "internal error", a stack trace or exit 3.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../helpers/cli-capture.js';
import { FIXTURE_REPORT } from '../fixtures/report/fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'meshproof-schema-'));
const good = () => JSON.parse(readFileSync(FIXTURE_REPORT, 'utf8'));

const CASES: [string, (r: any) => void, string][] = [
  ['missing scenario', (r) => delete r.scenario, 'scenario: expected an object, got nothing'],
  ['missing phase stats', (r) => delete r.phases.policy.stats, 'phases.policy.stats: expected an object, got nothing'],
  [
    'missing percentiles',
    (r) => delete r.phases.baseline.stats.percentiles,
    'phases.baseline.stats.percentiles: expected an object, got nothing',
  ],
  ['gates as an object', (r) => (r.gates = { a: 1 }), 'gates: expected a list, got an object'],
  ['load: null', (r) => (r.load = null), 'load: expected an object, got null'],
  [
    'a percentile value as a string',
    (r) => (r.phases.policy.stats.percentiles.p95.value = '25 ms'),
    'phases.policy.stats.percentiles.p95.value: expected a number or null, got a string',
  ],
  // diff's effects read each phase's histograms (the `ok` answers' percentiles; --absolute and the charts the overall one)
  [
    'missing phase result',
    (r) => delete r.phases.policy.result,
    'phases.policy.result: expected an object, got nothing',
  ],
  [
    'missing ok histogram data',
    (r) => (r.phases.baseline.result.histograms.byCause.ok = {}),
    'phases.baseline.result.histograms.byCause.ok.hdr: expected a string, got nothing',
  ],
  ['a gate without an interval', (r) => delete r.gates[2].interval, 'gates[2].interval: expected a list, got nothing'],
  // issue 18: optional (older reports have none), but when present diff compares its fields
  ['a topology as a string', (r) => (r.topology = 'threads'), 'topology: expected an object, got a string'],
  ['a topology without pods', (r) => delete r.topology.pods, 'topology.pods: expected a string, got nothing'],
  [
    'an engineNice as a string',
    (r) => (r.topology.engineNice = '-5'),
    'topology.engineNice: expected a number, got a string',
  ],
];

for (const [name, mutate, field] of CASES) {
  test(`diff with a report whose ${name}: exit 2, one line naming ${field.split(':')[0]} and schemaVersion 1`, async () => {
    const report = good();
    mutate(report);
    const file = join(dir, `${name.replace(/\W+/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(report));
    for (const args of [
      ['diff', FIXTURE_REPORT, file],
      ['diff', file, FIXTURE_REPORT],
    ]) {
      const r = await runCli(args);
      assert.is(r.code, 2, r.stderr);
      assert.is(
        r.stderr,
        `meshproof: ${file}: ${field} (report schemaVersion 1); is this a report.json written by meshproof?\n`,
      );
    }
  });
}

test('the unchanged fixture still reads (the schema accepts what meshproof writes)', async () => {
  const r = await runCli(['diff', FIXTURE_REPORT, FIXTURE_REPORT]);
  assert.is(r.code, 0, r.stderr);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
