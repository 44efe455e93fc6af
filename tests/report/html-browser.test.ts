/**
 * The HTML report in a real browser (headless Chromium via playwright-core, installed by
 * .ci/run): the three SVG charts render with non-zero size, the policy marker is drawn, and
 * the console stays silent. Budget: one browser start (~1–2 s).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { render } from '../../src/report/html.js';
import { loadFixtureReport } from '../fixtures/report/fixture.js';

/** The DOM type is not in this project's lib (Node only); this is the part used. */
interface SvgShape {
  getBBox(): { width: number; height: number };
}

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

test('report.html renders its three charts in headless Chromium with no console errors and no network', async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  const dir = mkdtempSync(join(tmpdir(), 'meshproof-html-'));
  const file = join(dir, 'report.html');
  writeFileSync(file, render(loadFixtureReport()));
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 20_000 });
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on(
      'console',
      (m) => (m.type() === 'error' || m.type() === 'warning') && problems.push(`${m.type()}: ${m.text()}`),
    );
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => !r.url().startsWith('file://') && requests.push(r.url()));
    await page.goto(`file://${file}`, { timeout: 10_000 });
    const charts = await page.$$eval('svg.chart', (svgs) =>
      svgs.map((s) => {
        const box = s.getBoundingClientRect();
        return {
          label: s.getAttribute('aria-label'),
          width: box.width,
          height: box.height,
          rects: s.querySelectorAll('rect').length,
          lines: s.querySelectorAll('polyline').length,
        };
      }),
    );
    assert.is(charts.length, 3);
    for (const c of charts) assert.ok(c.width > 500 && c.height > 100, `${c.label}: ${c.width}×${c.height}`);
    // latency: one curve per phase; outcomes: a segment per cause/status share; timeline: 8 + 8 seconds of stacked bars, p95 lines
    assert.is(charts[0].lines, 2, 'two percentile curves');
    assert.ok(charts[1].rects >= 6, `outcome segments: ${charts[1].rects}`);
    assert.ok(charts[2].rects >= 16, `timeline bars: ${charts[2].rects}`);
    const curve = await page.$eval('polyline.curve-policy', (el) => {
      const b = (el as unknown as SvgShape).getBBox();
      return { width: b.width, height: b.height };
    });
    assert.ok(curve.width > 300 && curve.height > 50, `policy curve ${curve.width}×${curve.height}`);
    const marker = await page.$eval('line.applied', (el) => ({ height: (el as unknown as SvgShape).getBBox().height }));
    assert.ok(marker.height > 100, 'policy-applied marker drawn across the timeline');
    assert.is(await page.textContent('header .word'), 'FAIL');
    assert.is(await page.$$eval('table.gates tbody tr', (rows) => rows.length), 7);
    await page.screenshot({ path: join(tmpdir(), 'meshproof-report.png'), fullPage: true });
    assert.equal(problems, []);
    assert.equal(requests, [], 'the report loads nothing from the network');
  } finally {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
