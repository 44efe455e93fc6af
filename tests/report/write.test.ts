import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors.js';
import { parseFormats, reportDir, runIdFor, writeReports, REPORT_FILES } from '../../src/report/write.js';
import { readReport } from '../../src/report/read.js';
import { appendStepSummary, render as renderMarkdown, STEP_SUMMARY_CAP_BYTES } from '../../src/report/markdown.js';
import { loadFixtureReport, FIXTURE_REPORT } from '../fixtures/report/fixture.js';

/** Runs `fn` with a fresh temporary folder and removes it afterwards. */
async function withTmp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'meshproof-report-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('one run-id format: <UTC time>-<scenario slug>, label- and path-safe, the report folder name', () => {
  assert.is(
    runIdFor(Date.parse('2026-11-21T10:00:00.123Z'), 'Connection pool overflow'),
    '20261121T100000Z-connection-pool-overflow',
  );
  assert.match(runIdFor(new Date(), 'x'.repeat(200)), /^[0-9]{8}T[0-9]{6}Z-x{60}$/);
  assert.is(
    reportDir('reports', '2026-11-21T10:00:00.123Z', 'Connection pool overflow'),
    join('reports', runIdFor('2026-11-21T10:00:00.123Z', 'Connection pool overflow')),
  );
});

test('reportDir: reports/<UTC time>-<scenario>, sortable and colon-free', () => {
  assert.is(
    reportDir('reports', '2026-11-21T10:00:00.123Z', 'connection-pool-overflow'),
    join('reports', '20261121T100000Z-connection-pool-overflow'),
  );
  assert.is(
    reportDir('out', new Date('2026-01-02T03:04:05Z'), 'Fault injection: 50 %!'),
    join('out', '20260102T030405Z-fault-injection-50'),
  );
  assert.is(reportDir('r', '2026-01-02T03:04:05Z', '../../etc'), join('r', '20260102T030405Z-etc'), 'no path escapes');
});

test("writeReports writes report.json, report.md, report.html and junit.xml, each its renderer's output", () =>
  withTmp(async (dir) => {
    const report = loadFixtureReport();
    const paths = await writeReports(report, join(dir, 'nested', 'run'));
    assert.equal(
      paths.map((p) => p.slice(dir.length + 1)),
      ['nested/run/report.json', 'nested/run/report.md', 'nested/run/report.html', 'nested/run/junit.xml'],
    );
    assert.is(readFileSync(paths[0], 'utf8'), readFileSync(FIXTURE_REPORT, 'utf8'));
    assert.is(readFileSync(paths[3], 'utf8'), REPORT_FILES.junit.render(report, {}));
    const only = await writeReports(report, join(dir, 'md'), ['md']);
    assert.equal(only, [join(dir, 'md', 'report.md')]);
    // --format terminal: no file, and no empty folder left in the reports root
    assert.equal(await writeReports(report, join(dir, 'terminal-only'), []), []);
    assert.not.ok(existsSync(join(dir, 'terminal-only')));
  }));

test('parseFormats: comma lists and aliases; unknown names reported, not dropped silently', () => {
  assert.equal(parseFormats(undefined), { formats: ['json', 'md', 'html', 'junit'], unknown: [] });
  assert.equal(parseFormats('json,markdown'), { formats: ['json', 'md'], unknown: [] });
  assert.equal(parseFormats(['html', 'xml', 'pdf']), { formats: ['html', 'junit'], unknown: ['pdf'] });
});

test('readReport: clear ConfigErrors for a missing file, non-JSON, a foreign document and an unknown schemaVersion', () =>
  withTmp(async (dir) => {
    const write = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
    const fixture = JSON.parse(readFileSync(FIXTURE_REPORT, 'utf8'));
    const cases: [string, RegExp][] = [
      [join(dir, 'missing.json'), /missing\.json: cannot read the report \(ENOENT\)$/],
      [write('bad.json', '{"schemaVersion": 1,'), /bad\.json: not JSON \(.*\); expected a meshproof report\.json$/],
      [
        write('k6.json', '{"metrics": {}}'),
        /k6\.json: not a meshproof report \(expected an object with tool\.name "meshproof" and schemaVersion 1\)$/,
      ],
      [
        write('v2.json', JSON.stringify({ ...fixture, schemaVersion: 2 })),
        /v2\.json: schemaVersion 2 is not supported; this meshproof reads schemaVersion 1$/,
      ],
      [
        write('v0.json', JSON.stringify({ ...fixture, schemaVersion: undefined })),
        /v0\.json: schemaVersion undefined is not supported/,
      ],
    ];
    for (const [path, message] of cases) {
      try {
        await readReport(path);
        assert.unreachable(path);
      } catch (e) {
        assert.instance(e, ConfigError);
        assert.match((e as Error).message, message);
      }
    }
    assert.is((await readReport(FIXTURE_REPORT)).scenario.name, 'connection-pool-overflow');
  }));

test('appendStepSummary appends the Markdown report to $GITHUB_STEP_SUMMARY, and does nothing when unset', () =>
  withTmp(async (dir) => {
    const file = join(dir, 'summary.md');
    writeFileSync(file, '# earlier step\n');
    const report = loadFixtureReport();
    assert.is(await appendStepSummary(report, { githubStepSummary: file }), 'written');
    assert.is(readFileSync(file, 'utf8'), `# earlier step\n${renderMarkdown(report)}\n`);
    assert.is(await appendStepSummary(report, { githubStepSummary: undefined }), 'skipped');
  }));

test('appendStepSummary stays under the 1 MiB cap: cut at a line, with a pointer to report.html', () =>
  withTmp(async (dir) => {
    const file = join(dir, 'summary.md');
    const report = loadFixtureReport();
    const used = STEP_SUMMARY_CAP_BYTES - 1500; // room for the title and a few lines, not the whole report
    writeFileSync(file, 'x'.repeat(used));
    assert.is(await appendStepSummary(report, { githubStepSummary: file }), 'truncated');
    const size = statSync(file).size;
    assert.ok(size <= STEP_SUMMARY_CAP_BYTES && size > used, `size ${size}`);
    const added = readFileSync(file, 'utf8').slice(used);
    assert.ok(added.startsWith('## ❌ meshproof: connection-pool-overflow — FAIL\n'), added.slice(0, 80));
    assert.match(added, /capped at 1 MiB; the full report is in report\.html\)_\n$/);
    writeFileSync(file, 'x'.repeat(STEP_SUMMARY_CAP_BYTES - 10));
    assert.is(await appendStepSummary(report, { githubStepSummary: file }), 'skipped');
    assert.is(statSync(file).size, STEP_SUMMARY_CAP_BYTES - 10);
  }));

test.run();
