// `meshproof load … --instances N` end to end against a loopback server, with the live fake k6
// honouring --execution-segment as k6 does (issue 17 "Done when").
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli as capture } from '../helpers/cli-capture.js';
import { ensureBundle, FAKE_K6 } from './helpers/bundle.js';
import { delayed, startServer } from './helpers/server.js';

ensureBundle();

async function withSegmentLog<T>(fn: (lines: () => Record<string, unknown>[]) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'meshproof-cli-instances-'));
  const log = join(dir, 'segments.log');
  process.env.FAKE_K6_SEGMENT_LOG = log;
  try {
    return await fn(() =>
      readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    );
  } finally {
    delete process.env.FAKE_K6_SEGMENT_LOG;
    rmSync(dir, { recursive: true, force: true });
  }
}

test('load --engine k6 --instances 2 --vus 10: two k6 processes of 5 VUs each, one merged result', async () => {
  const s = await startServer(delayed(10));
  try {
    await withSegmentLog(async (lines) => {
      const r = await capture([
        'load',
        `${s.url}/productpage`,
        '--engine',
        'k6',
        '--k6',
        FAKE_K6,
        '--instances',
        '2',
        '--vus',
        '10',
        '--duration',
        '1s',
        '--json',
        '--quiet',
      ]);
      assert.is(r.code, 0, r.stderr);
      const result = JSON.parse(r.stdout);
      assert.equal(result.instances, { count: 2, sequence: '0,1/2,1', segments: ['0:1/2', '1/2:1'] });
      assert.equal(result.profile, { executor: 'constant-vus', vus: 10, duration: '1s' });
      assert.is(result.requests, s.received); // every request either process sent is in the merge
      assert.is(result.statuses['200'], result.requests);
      const logged = lines();
      assert.equal(
        logged
          .filter((l) => 'segment' in l)
          .map((l) => l.segment)
          .sort(),
        ['0:1/2', '1/2:1'],
      );
      assert.equal(
        logged.filter((l) => 'vus' in l).map((l) => l.vus),
        [5, 5],
      );
    });
  } finally {
    await s.close();
  }
});

test('load --rate 40 --duration 1s --instances 2: the stripes start exactly the 40 iterations one process would', async () => {
  const s = await startServer(delayed(2));
  try {
    await withSegmentLog(async (lines) => {
      const r = await capture([
        'load',
        s.url,
        '--engine',
        'k6',
        '--k6',
        FAKE_K6,
        '--instances',
        '2',
        '--rate',
        '40',
        '--duration',
        '1s',
        '--pre-allocated-vus',
        '4',
        '--max-vus',
        '4',
        '--json',
        '--quiet',
      ]);
      assert.is(r.code, 0, r.stderr);
      const result = JSON.parse(r.stdout);
      // constant_arrival_rate.go: global iterations 0…39 at 25 ms steps, each instance its stripe
      assert.is(result.iterations + result.droppedIterations, 40);
      assert.is(result.requests, s.received);
      // maxVUs 4 re-cut over 2 segments: 2 pre-allocated VUs each
      assert.equal(
        lines()
          .filter((l) => 'vus' in l)
          .map((l) => l.vus),
        [2, 2],
      );
    });
  } finally {
    await s.close();
  }
});

test('--instances that would leave an instance without a VU is a usage error (exit 2) naming the flag', async () => {
  const r = await capture([
    'load',
    'http://127.0.0.1:9/',
    '--engine',
    'builtin',
    '--instances',
    '3',
    '--vus',
    '2',
    '--duration',
    '1s',
  ]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /--instances: 3 instances need at least 3 VUs/);
  const zero = await capture(['load', 'http://127.0.0.1:9/', '--instances', '0', '--duration', '1s']);
  assert.is(zero.code, 2);
  assert.match(zero.stderr, /--instances: expected a whole number of instances ≥ 1, got 0/);
});

test('--engine k6-operator without --k6-namespace is a usage error (exit 2) before anything is created', async () => {
  const r = await capture([
    'load',
    'http://127.0.0.1:9/',
    '--engine',
    'k6-operator',
    '--instances',
    '2',
    '--vus',
    '2',
    '--duration',
    '1s',
  ]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /--engine k6-operator needs --k6-namespace NAME/);
});

test.run();
