/**
 * bench/report.ts: how a figure is judged against its target and printed as one line.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { summarizeProfile } from '../../bench/cpuprofile.js';
import { failed, figure, formatLine, formatTarget, skipped, toJson } from '../../bench/report.js';

test('a ratio target ≥ 0.8 is ok at 0.8 and short at 0.79 (value / reference)', () => {
  const at = (value: number) =>
    figure({
      bench: 'b',
      name: 'n',
      value,
      unit: 'req/s',
      reference: { name: 'autocannon', value: 1000 },
      target: { on: 'ratio', op: '>=', limit: 0.8 },
    });
  assert.is(at(800).ratio, 0.8);
  assert.is(at(800).status, 'ok');
  assert.is(at(790).status, 'short');
});

test('an |x| ≤ 0.5 ms target judges errors on either side of zero', () => {
  const at = (value: number) =>
    figure({ bench: 'b', name: 'n', value, unit: 'ms', target: { on: 'value', op: '<=', limit: 0.5, abs: true } });
  assert.is(at(-0.4).status, 'ok');
  assert.is(at(0.5).status, 'ok');
  assert.is(at(-0.6).status, 'short');
  assert.is(at(0.51).status, 'short');
});

test('a strict < target is short at the limit and a NaN value is never ok', () => {
  const at = (value: number) =>
    figure({ bench: 'b', name: 'n', value, unit: 'MB', target: { on: 'value', op: '<', limit: 200 } });
  assert.is(at(199.9).status, 'ok');
  assert.is(at(200).status, 'short');
  assert.is(at(NaN).status, 'short');
});

test("a reference target (issue 18: added p99 ≤ nginx's) compares values, not ratios: ok at equal, short above, fine below zero", () => {
  const t = { on: 'reference', op: '<=', limit: 0 } as const;
  const at = (value: number, ref: number) =>
    figure({ bench: 'b', name: 'n', value, unit: 'ms', reference: { name: 'nginx', value: ref }, target: t }).status;
  assert.is(at(0.5, 0.5), 'ok');
  assert.is(at(0.51, 0.5), 'short');
  // a ratio would be meaningless here: −0.1 ÷ 0.2 < 1 but −0.1 ≤ 0.2 is what counts; and 0.1 vs −0.1 is short
  assert.is(at(-0.1, 0.2), 'ok');
  assert.is(at(0.1, -0.1), 'short');
  assert.is(formatTarget(t, 'ms'), '≤ ref');
  // no reference (nginx missing): never ok
  assert.is(figure({ bench: 'b', name: 'n', value: 0, unit: 'ms', target: t }).status, 'short');
});

test('a figure without target is info; a zero reference gives a null ratio, not Infinity', () => {
  const f = figure({ bench: 'b', name: 'n', value: 5, unit: 'ms', reference: { name: 'r', value: 0 } });
  assert.is(f.status, 'info');
  assert.is(f.ratio, null);
});

test('one line carries bench, name, value, reference, ratio, target and status', () => {
  const f = figure({
    bench: 'engine-throughput',
    name: 'builtin req/s, 10 conns',
    value: 24512.3,
    unit: 'req/s',
    reference: { name: 'autocannon', value: 27000 },
    target: { on: 'ratio', op: '>=', limit: 0.8 },
  });
  const line = formatLine(f);
  assert.match(
    line,
    /^engine-throughput\s+builtin req\/s, 10 conns\s+24,512 req\/s\s+ref autocannon 27,000\s+ratio 0\.91×\s+target ≥ 0\.8× ref\s+ok$/,
  );
  assert.match(
    formatLine(skipped('b', 'wrk', 'req/s', 'wrk not installed')),
    /— req\/s .* skipped  — wrk not installed$/,
  );
  assert.match(formatLine(failed('b', new Error('boom\nstack'))), /error  — boom$/);
});

test('results JSON writes non-finite numbers as null', () => {
  const json = toJson({
    startedAt: 'a',
    endedAt: 'b',
    mode: 'quick',
    machine: { nproc: 2, cpu: 'x', node: 'v20', platform: 'linux-x64' },
    figures: [figure({ bench: 'b', name: 'n', value: NaN, unit: 'ms' })],
  });
  assert.is(JSON.parse(json).figures[0].value, null);
});

test('a cpuprofile summary shares self time by function and by file, summing to 1', () => {
  const node = (id: number, functionName: string, url: string) => ({
    id,
    callFrame: { functionName, url, lineNumber: 0 },
  });
  const s = summarizeProfile({
    nodes: [
      node(1, '(idle)', ''),
      node(2, 'send', 'file:///x/src/load/builtin/http.ts'),
      node(3, 'parse', 'file:///x/node_modules/undici/lib/a.js'),
    ],
    samples: [1, 2, 2, 3],
    timeDeltas: [10, 20, 20, 50],
  });
  assert.equal(s.byFunction, [
    ['parse node_modules/undici/lib/a.js:1', 0.5],
    ['send src/load/builtin/http.ts:1', 0.4],
    ['(idle)', 0.1],
  ]);
  assert.equal(
    s.byFile.map(([k]) => k),
    ['node_modules/undici/lib', 'src/load/builtin', '(idle)'],
  );
});

test.run();
