import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from '../helpers/cli-capture.js';
import { capProblem, peakLoad, DEFAULT_MAX_RATE, DEFAULT_MAX_VUS } from '../../src/scenario/load-cap.js';

const cap = { maxRate: DEFAULT_MAX_RATE, maxVus: DEFAULT_MAX_VUS };

test('peak load of each executor: VUs and, for arrival rates, iterations per second', () => {
  assert.equal(peakLoad({ executor: 'constant-vus', vus: 10, duration: '5s' }), { vus: 10 });
  assert.equal(
    peakLoad({
      executor: 'ramping-vus',
      startVUs: 5,
      stages: [
        { duration: '5s', target: 40 },
        { duration: '5s', target: 0 },
      ],
    }),
    { vus: 40 },
  );
  assert.equal(
    peakLoad({ executor: 'constant-arrival-rate', rate: 600, timeUnit: '1m', duration: '5s', preAllocatedVUs: 5 }),
    { vus: 5, ratePerSecond: 10 },
  );
  assert.equal(
    peakLoad({
      executor: 'ramping-arrival-rate',
      startRate: 50,
      stages: [{ duration: '5s', target: 300 }],
      preAllocatedVUs: 10,
      maxVUs: 50,
    }),
    { vus: 50, ratePerSecond: 300 },
  );
});

test('a profile within the cluster cap passes; one above it is refused naming the flag that raises it', () => {
  assert.is(
    capProblem({ executor: 'constant-arrival-rate', rate: 1000, duration: '5s', preAllocatedVUs: 50 }, cap),
    undefined,
  );
  assert.is(
    capProblem({ executor: 'constant-arrival-rate', rate: 100_000, duration: '5s', preAllocatedVUs: 50 }, cap),
    'load: the scenario asks for up to 100000 requests/s, above the cluster cap of 1000/s; lower it, or raise the cap with --max-rate 100000',
  );
  assert.is(
    capProblem({ executor: 'constant-vus', vus: 500, duration: '5s' }, cap),
    'load: the scenario asks for up to 500 VUs, above the cluster cap of 200; lower it, or raise the cap with --max-vus 500',
  );
  assert.is(
    capProblem({ executor: 'constant-vus', vus: 500, duration: '5s' }, { maxRate: 1000, maxVus: 500 }),
    undefined,
  );
});

test('meshproof run refuses a cluster scenario above the cap with exit 2, before connecting anywhere', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshproof-cap-'));
  try {
    const file = join(dir, 'big.yaml');
    const policy = resolve('policies/connection-pool.yaml');
    writeFileSync(
      file,
      `name: big\nload: { executor: constant-vus, vus: 500, duration: 1s }\npolicy: { files: [${JSON.stringify(policy)}] }\nexpect: { policy: { cause_overflow: ["rate>=0.3"] } }\n`,
    );
    // port 1 on loopback: nothing listens, so reaching the network would fail differently (exit 3)
    const r = await runCli(['run', file, '--target', 'http://127.0.0.1:1', '--kubeconfig', join(dir, 'none')]);
    assert.is(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /asks for up to 500 VUs, above the cluster cap of 200; lower it, or raise the cap with --max-vus 500/,
    );
    const bad = await runCli(['run', file, '--target', 'http://127.0.0.1:1', '--max-vus', '0']);
    assert.is(bad.code, 2);
    assert.match(bad.stderr, /--max-vus: expected a positive number, got 0/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
