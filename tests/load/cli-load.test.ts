import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { profileFromFlags, planFromFlags } from '../../src/load/flags.js';
import { cell } from '../../src/load/render.js';
import { runCli as capture } from '../helpers/cli-capture.js';
import { delayed, startServer } from './helpers/server.js';
import { readFileSync } from 'node:fs';
import { startMesh } from '../../src/mesh/index.js';
import loadCommand from '../../src/cli/commands/load.js';

test('meshproof load <url> --vus 2 --duration 1s --json: exit 0 and one parseable PhaseResult on stdout', async () => {
  const s = await startServer(delayed(20));
  try {
    const r = await capture([
      'load',
      `${s.url}/productpage`,
      '--vus',
      '2',
      '--duration',
      '1s',
      '--json',
      '--engine',
      'builtin',
      '--host',
      'bookinfo.example.com',
    ]);
    assert.is(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout);
    assert.equal(result.profile, { executor: 'constant-vus', vus: 2, duration: '1s' });
    assert.equal(result.plan, { method: 'GET', baseUrl: s.url, path: '/productpage', host: 'bookinfo.example.com' });
    assert.is(result.engine.name, 'builtin');
    // 2 VUs × 1 s / ~21 ms ≈ 95
    assert.ok(result.requests >= 60 && result.requests <= 100, String(result.requests));
    assert.is(result.statuses['200'], result.requests);
    assert.is(s.received, result.requests);
  } finally {
    await s.close();
  }
});

test('meshproof load without --json prints the tables on stderr, nothing on stdout', async () => {
  const s = await startServer(delayed(5));
  try {
    // one pre-allocated VU per scheduled iteration (10): with the default 2, a slow cold first request
    // under CPU contention (≈ 170 ms measured) kept both VUs busy at t = 100 ms and k6's executor
    // rightly dropped that iteration; the table's count is what this test is about, not VU sizing
    const r = await capture([
      'load',
      s.url,
      '--rate',
      '20',
      '--duration',
      '500ms',
      '--pre-allocated-vus',
      '10',
      '--engine',
      'builtin',
      '--quiet',
    ]);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, '');
    assert.match(r.stderr, /requests\s*│\s*10 \(/);
    assert.match(r.stderr, /dropped iterations\s*│\s*0 /);
    assert.match(r.stderr, /from schedule/);
  } finally {
    await s.close();
  }
});

test('bad flags are usage errors (exit 2) naming the flag; a missing k6 is exit 3', async () => {
  const stages = await capture(['load', 'http://127.0.0.1:9/', '--stages', '10s-20']);
  assert.is(stages.code, 2);
  assert.match(stages.stderr, /--stages: expected duration:target pairs/);
  const maxVus = await capture([
    'load',
    'http://127.0.0.1:9/',
    '--rate',
    '10',
    '--pre-allocated-vus',
    '5',
    '--max-vus',
    '2',
  ]);
  assert.is(maxVus.code, 2);
  assert.match(maxVus.stderr, /--max-vus: expected at least preAllocatedVUs \(5\), got 2/);
  const k6 = await capture([
    'load',
    'http://127.0.0.1:9/',
    '--engine',
    'k6',
    '--k6',
    '/nonexistent/k6',
    '--duration',
    '1s',
  ]);
  assert.is(k6.code, 3);
  assert.match(k6.stderr, /k6 at \/nonexistent\/k6 is missing/);
});

test('flags map onto k6 executors: --rate → constant-arrival-rate with VUs sized for 100 ms / 1 s latency, --stages → ramping-vus', () => {
  assert.equal(profileFromFlags({ rate: 200, duration: '30s' }).profile, {
    executor: 'constant-arrival-rate',
    rate: 200,
    duration: '30s',
    preAllocatedVUs: 20,
    maxVUs: 200,
  });
  assert.equal(profileFromFlags({ stages: '10s:20,20s:0' }).profile, {
    executor: 'ramping-vus',
    stages: [
      { duration: '10s', target: 20 },
      { duration: '20s', target: 0 },
    ],
  });
  assert.equal(profileFromFlags({ stages: '5s:100', rate: 10, maxVus: 50 }).profile?.executor, 'ramping-arrival-rate');
  assert.equal(profileFromFlags({ vus: 0 }).errors, ['--vus: expected a positive integer, got 0']);
  assert.equal(planFromFlags('http://127.0.0.1:8080/a?b=1', { header: ['X-A: 1'], method: 'post' }).plan, {
    method: 'POST',
    baseUrl: 'http://127.0.0.1:8080',
    path: '/a?b=1',
    headers: { 'x-a': '1' },
  });
  assert.equal(planFromFlags('http://x/', { header: ['nocolon'] }).errors, [
    '--header: expected "name: value", got "nocolon"',
  ]);
});

test('load without --host against the local mesh: every answer 404 (no virtual host), and stderr says to pass --host; with it, 200s and no hint', async () => {
  const m = await startMesh();
  try {
    const flags = ['--vus', '1', '--duration', '300ms', '--engine', 'builtin', '--quiet', '--json'];
    const bare = await capture(['load', `${m.gatewayUrl}/productpage`, ...flags]);
    assert.is(bare.code, 0, bare.stderr);
    const r = JSON.parse(bare.stdout);
    assert.ok(r.requests > 0);
    assert.equal(r.statuses, { 404: r.requests });
    assert.match(bare.stderr, /every response was 404: .*pass --host .*--host bookinfo\.example\.com/);
    const hosted = await capture(['load', `${m.gatewayUrl}/productpage`, ...flags, '--host', 'bookinfo.example.com']);
    const h = JSON.parse(hosted.stdout);
    assert.equal(h.statuses, { 200: h.requests });
    assert.not.match(hosted.stderr, /every response was 404/);
  } finally {
    await m.stop();
  }
});

test('every load example aimed at `meshproof mesh` (127.0.0.1:8080), in --help and the README, passes its Host', () => {
  const readme = readFileSync('README.md', 'utf8')
    .split('\n')
    .filter((l) => /meshproof load http:\/\/127\.0\.0\.1:8080/.test(l));
  const lines = [...loadCommand.examples.map(([cmd]) => cmd), ...readme];
  assert.ok(lines.length >= 8, String(lines.length));
  for (const line of lines) assert.match(line, /--host bookinfo\.example\.com/, line);
});

test('Ctrl-C during load: the result measured so far is printed, and the exit is 3 (interrupted), not 0', async () => {
  // a request in means the guard is installed (before engine.run): SIGINT at the fourth, once
  const s = await startServer((req, res, n) => {
    if (n === 3) setImmediate(() => process.emit('SIGINT'));
    delayed(10)(req, res, n);
  });
  try {
    const r = await capture([
      'load',
      s.url,
      '--vus',
      '1',
      '--duration',
      '5s',
      '--engine',
      'builtin',
      '--quiet',
      '--json',
    ]);
    assert.is(r.code, 3, r.stderr);
    const result = JSON.parse(r.stdout);
    assert.ok(result.requests >= 3 && result.durationMs < 4000, `${result.requests} in ${result.durationMs} ms`);
    assert.match(r.stderr, /interrupted; stopping the load and printing what was measured/);
    assert.match(r.stderr, /meshproof: interrupted \(SIGINT\): the result covers the load sent until then/);
  } finally {
    await s.close();
  }
});

test('table cells are sanitised: control characters would make `table` throw', () => {
  assert.is(cell('a\u0007b\u001b[31m'), 'a\\x07b\\x1b[31m');
});

test.run();
