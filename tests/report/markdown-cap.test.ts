/**
 * Issue 13 item 21: report.md is capped at 65,536 bytes (GitHub's comment limit), cut at a
 * line, ending with a pointer to report.html; a report under the cap is unchanged.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { capMarkdown, render, REPORT_MD_CAP_BYTES } from '../../src/report/markdown.js';
import { loadFixtureReport } from '../fixtures/report/fixture.js';

test('a report with 20,000 notes renders to at most 65,536 bytes, cut at a line, pointing at report.html', () => {
  const report = loadFixtureReport();
  const notes = Array.from(
    { length: 20_000 },
    (_, i) =>
      `lint: scale.yaml:${i + 10}:7: warning: spec.http[${i}]: no retries block, so Istio's default policy applies`,
  );
  const md = render({ ...report, notes });
  assert.is(REPORT_MD_CAP_BYTES, 65_536);
  assert.ok(Buffer.byteLength(md) <= 65_536, `${Buffer.byteLength(md)} bytes`);
  assert.ok(Buffer.byteLength(md) > 60_000, 'the cap is used, not wasted');
  assert.match(md, /^## ❌ meshproof: connection-pool-overflow — FAIL\n/);
  const tail = md.split('\n').at(-1)!;
  assert.match(
    tail,
    /^_\(cut: report\.md stops at 65,536 bytes, GitHub's limit for a comment; [\d,]+ more lines are left out\. The whole report is report\.html \(and report\.json\) in the same folder\.\)_$/,
  );
  const kept = md.split('\n').filter((l) => l.startsWith('- lint: ')).length;
  const left = Number(/; ([\d,]+) more lines/.exec(tail)![1].replace(/,/g, ''));
  // the notes are the last section: what is not kept is counted, plus the section's closing blank line and the end of text
  assert.is(kept + left, 20_000 + 2, 'every note is either kept whole or counted');
});

test('under the cap nothing changes; the cut counts lines exactly', () => {
  const md = render(loadFixtureReport());
  assert.is(capMarkdown(md, REPORT_MD_CAP_BYTES), md);
  const three = `${'x'.repeat(100)}\n${'y'.repeat(100)}\n${'z'.repeat(100)}`;
  assert.is(capMarkdown(three, 302), three, '302 bytes fit in 302');
  const tight = capMarkdown(three, 300);
  assert.match(
    tight,
    /^x{100}\n\n_\(cut: report\.md stops at 300 bytes, GitHub's limit for a comment; 2 more lines are left out/,
  );
  assert.ok(Buffer.byteLength(tight) <= 300, `${Buffer.byteLength(tight)} bytes`);
});

test.run();
