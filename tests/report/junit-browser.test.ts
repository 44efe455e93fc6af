/**
 * junit.xml and diff.xml through a real XML parser: Chromium's DOMParser ('application/xml'),
 * whose XML parser is libxml2 — the parser GitLab reads JUnit reports with (Nokogiri, in
 * lib/gitlab/xml_converter.rb). It also checks tests/helpers/strict-xml.ts: on every document
 * below, the helper and Chromium agree on well-formed or not. Budget: one browser start.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { render as renderJunit } from '../../src/report/junit.js';
import { renderDiffJunit } from '../../src/report/diff-junit.js';
import { loadFixtureReport } from '../fixtures/report/fixture.js';
import { parseStrictXml } from '../helpers/strict-xml.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'];

/** No lone surrogate here: the DevTools protocol carries strings as UTF-8 and would turn it into U+FFFD. */
const HOSTILE = `q"uo'te <tag> &amp; & ]]> \u0000\u0001\u0008\u000b\u000c\u001f \ufffe\uffff tab\tnl\ncr\r 🚀 | \\`;
const HOSTILE_READ = `q"uo'te <tag> &amp; & ]]>   tab\tnl\ncr\r 🚀 | \\`;

/** The DOM types are not in this project's lib (Node only); this is the part used. */
interface DomElement {
  textContent: string | null;
  attributes: ArrayLike<{ name: string; value: string }>;
  getAttribute(name: string): string | null;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
}
type DomParser = new () => { parseFromString(text: string, type: string): DomElement };

interface Parsed {
  error: string | null;
  suite: Record<string, string>;
  cases: { name: string; failure: string | null; skipped: string | null }[];
}

test('Chromium (libxml2) parses junit.xml and diff.xml with hostile text, and reads the text back as written', async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  const r = loadFixtureReport();
  const report = {
    ...r,
    scenario: { ...r.scenario, name: `${HOSTILE}${'n'.repeat(10_000)}` },
    gates: r.gates.map((g, i) => ({ ...g, metric: `${HOSTILE}${i}`, message: HOSTILE })),
  };
  const ref = { runId: 'r', createdAt: r.createdAt, scenario: HOSTILE, verdict: 'fail' };
  const diff = renderDiffJunit({
    schemaVersion: 1,
    mode: 'effects',
    old: ref,
    new: ref,
    tolerance: { ratio: 0.02, ms: 5, latencyRatio: 0.1, effect: 0.25 },
    regression: true,
    comparisons: [
      { kind: 'regression', what: HOSTILE, old: 'a', new: 'b', change: 'c', why: HOSTILE },
      { kind: 'unchanged', what: HOSTILE, old: 'a', new: 'a', change: '', why: HOSTILE },
    ],
    warnings: [HOSTILE],
  });
  // controls: what a conforming parser must reject, so that "no error" above means something
  const bad = [
    '<a>\u0001</a>',
    '<a>&#1;</a>',
    '<a>&#xFFFE;</a>',
    '<a b="<"/>',
    '<a>]]></a>',
    '<a>&nbsp;</a>',
    '<a b="1" b="2"/>',
  ];
  const docs = [renderJunit(report), diff, ...bad];
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 20_000 });
    const page = await browser.newPage();
    const parsed: Parsed[] = await page.evaluate((texts) => {
      const Parser = (globalThis as unknown as { DOMParser: DomParser }).DOMParser;
      return texts.map((t) => {
        const doc = new Parser().parseFromString(t, 'application/xml');
        const err = doc.querySelector('parsererror');
        const suite = doc.querySelector('testsuite');
        return {
          error: err ? err.textContent : null,
          suite: Object.fromEntries(Array.from(suite?.attributes ?? []).map((a) => [a.name, a.value])),
          cases: Array.from(doc.querySelectorAll('testcase')).map((c) => ({
            name: c.getAttribute('name') ?? '',
            failure: c.querySelector('failure')?.getAttribute('message') ?? null,
            skipped: c.querySelector('skipped')?.textContent ?? null,
          })),
        };
      });
    }, docs);
    const [junit, diffXml, ...controls] = parsed;
    assert.is(junit.error, null, junit.error ?? '');
    assert.is(junit.suite.name, `meshproof ${HOSTILE_READ}${'n'.repeat(10_000)}`);
    assert.equal(
      junit.cases.map((c) => c.name),
      report.gates.map((g, i) => `${HOSTILE_READ}${i} - ${g.expression} (${g.scope})`),
    );
    assert.is(junit.cases.filter((c) => c.failure === HOSTILE_READ).length, Number(junit.suite.failures));
    assert.is(
      junit.cases.filter((c) => c.skipped === `inconclusive: ${HOSTILE_READ}`).length,
      Number(junit.suite.skipped),
    );
    assert.is(diffXml.error, null, diffXml.error ?? '');
    assert.equal(
      diffXml.cases.map((c) => c.name),
      [`${HOSTILE_READ} (effects)`, `${HOSTILE_READ} (effects) #2`],
    );
    controls.forEach((c, i) => assert.ok(c.error, `Chromium accepted ${JSON.stringify(bad[i])}`));
    // the strict helper agrees with libxml2 on every document
    docs.forEach((d, i) => {
      let helperOk = true;
      try {
        parseStrictXml(d);
      } catch {
        helperOk = false;
      }
      assert.is(helperOk, parsed[i].error === null, `document ${i}: ${d.slice(0, 60)}`);
    });
  } finally {
    await browser?.close();
  }
});

test.run();
