/**
 * hey, the accuracy benchmarks' reference client (bench/lib/hey.ts): its summary parsed into
 * numbers, from outputs captured from Debian's hey 0.1.4 on this machine (tests/fixtures/bench/),
 * the reference line, and the line the benchmarks print when it is not installed (the benchmark
 * run without hey: tests/bench/bench.test.ts).
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { heyFigure, heyMissing, type Round } from '../../bench/lib/accuracy-rounds.js';
import { parseHey, type HeyLatency } from '../../bench/lib/hey.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/bench/${name}`, import.meta.url), 'utf8');

test('hey summary: percentiles in ms from "99% in 0.0371 secs", responses from the status distribution', () => {
  // `hey -z 2s -c 10 -q 50` against the kernel-timed 10 ms server
  const s = parseHey(fixture('hey-0.1.4-summary.txt'));
  assert.is(s.rps, 492.6603);
  assert.is(s.responses, 990);
  assert.is(s.failed, 0);
  assert.equal(Object.keys(s.latencyMs).map(Number), [10, 25, 50, 75, 90, 95, 99]);
  assert.ok(Math.abs(s.latencyMs[50] - 11.8) < 1e-9, `p50 ${s.latencyMs[50]}`);
  assert.ok(Math.abs(s.latencyMs[99] - 37.1) < 1e-9, `p99 ${s.latencyMs[99]}`);
  assert.ok(Math.abs(s.latencyMs[10] - 11.1) < 1e-9, `p10 ${s.latencyMs[10]}`);
});

test('hey summary with only errors: no percentiles, every request counted as failed', () => {
  // `hey -n 20 -c 2` against a port nobody listens on
  const s = parseHey(fixture('hey-0.1.4-errors.txt'));
  assert.is(s.responses, 0);
  assert.is(s.failed, 20);
  assert.equal(s.latencyMs, {});
});

test('output that is not a hey summary is refused, quoting it', () => {
  assert.throws(
    () => parseHey('flag provided but not defined: -zz\n'),
    /hey: no "Requests\/sec:" in its output: flag provided/,
  );
});

test('without hey the reference line is skipped, naming what is missing and the install command', () => {
  const f = heyMissing('engine-accuracy', 'p99', 500);
  assert.is(f.name, 'p99 error, hey (Go) as client, 500/s');
  assert.is(f.status, 'skipped');
  assert.is(f.value, null);
  assert.is(f.note, 'reference client missing: hey not installed (apt-get install -y nginx-light wrk hey)');
});

test('the reference line: hey minus the truth in the round chosen by the engine rule, every round in the note', () => {
  const round = (p99: number, truthP99: number, count: number): Round<HeyLatency> => {
    const server = {
      count,
      min: 10,
      max: truthP99,
      mean: 10.1,
      p50: 10,
      p90: 10.5,
      p95: 10.8,
      p99: truthP99,
      p999: truthP99,
    };
    const client = { p50: 10.2, p99, responses: count, failed: 0, workers: 10, perWorker: 50 };
    return { client, server, error: { p50: client.p50 - server.p50, p99: client.p99 - server.p99 } };
  };
  const rounds = [round(13, 11, 4), round(11.5, 11, 5)];
  const f = heyFigure('b', 'p99', 500, rounds, (r) => Math.abs(r.error.p99));
  assert.is(f.value, 0.5);
  assert.is(f.reference?.value, 11);
  assert.is(f.status, 'info');
  assert.match(f.note ?? '', /^reference client, no target: hey 11\.5 ms, server 11\.000 ms, 5 responses; /);
  assert.match(
    f.note ?? '',
    /10 workers each capped at 50\/s \(-c, -q: a closed loop with a rate cap, not constant arrival\)/,
  );
  assert.match(f.note ?? '', /0\.1 ms resolution/);
  assert.match(f.note ?? '', /all rounds 2\.00, 0\.50 ms$/);
  // a count that differs from the server's is said, not hidden
  rounds[1].client.responses = 4;
  assert.match(
    heyFigure('b', 'p99', 500, rounds, (r) => Math.abs(r.error.p99)).note ?? '',
    /hey counted 4 responses, the server 5/,
  );
});

test.run();
