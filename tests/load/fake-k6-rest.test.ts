// The fake k6's REST API (tests/fixtures/fake-k6/rest.mjs), which the stand-in k6 operator's
// starter drives: `--paused` holds the run until PATCH /v1/status {"paused":false}, answered as
// k6's api/v1/status_routes.go handlePatchStatus and execution/scheduler.go SetPaused answer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { operatorArguments } from '../../src/load/k6-operator/objects.js';
import { ensureBundle, FAKE_K6 } from './helpers/bundle.js';

const script = ensureBundle();

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

async function status(base: string, method = 'GET', body?: string) {
  const res = await fetch(`${base}/v1/status`, {
    method,
    body,
    headers: body ? { 'content-type': 'application/json' } : {},
  });
  return { code: res.status, json: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

test('--paused: nothing runs until PATCH paused:false; pausing is refused before and after the start as k6 refuses it; stopped:true ends the run', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-k6-rest-'));
  const started = path.join(dir, 'started');
  const responses = path.join(dir, 'responses.json');
  fs.writeFileSync(responses, JSON.stringify(Array.from({ length: 4 }, () => ({ status: 200, duration: 1 }))));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const args = [
    'run',
    ...operatorArguments(
      { method: 'GET', baseUrl: 'http://127.0.0.1:9', path: '/' },
      { executor: 'constant-vus', vus: 2, duration: '1s' },
    ).split(' '),
    script,
    `--address=127.0.0.1:${port}`,
    '--paused',
  ];
  const child = spawn(FAKE_K6, args, {
    env: { ...process.env, FAKE_K6_RESPONSES: responses, FAKE_K6_STARTED: started, FAKE_K6_UNTIL_SIGINT: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  try {
    let first: Awaited<ReturnType<typeof status>> | undefined;
    for (let i = 0; i < 200 && !first; i++)
      (first = await status(base).catch(() => undefined)), await new Promise((r) => setTimeout(r, 25));
    assert.ok(first, `the REST API never answered: ${out}`);
    // ExecutionStatusPausedBeforeRun = 4; not running; nothing started
    assert.equal(first.json.data.type, 'status');
    assert.equal(first.json.data.id, 'default');
    assert.equal(
      [first.json.data.attributes.status, first.json.data.attributes.paused, first.json.data.attributes.running],
      [4, true, false],
    );
    await new Promise((r) => setTimeout(r, 200));
    assert.not.ok(fs.existsSync(started), 'a paused instance does not start on its own');
    // k6 SetPaused(true) before the start: "execution is already paused" (500 Pause error)
    const again = await status(base, 'PATCH', JSON.stringify({ data: { attributes: { paused: true } } }));
    assert.equal(
      [again.code, again.json.errors[0]],
      [500, { status: '500', title: 'Pause error', detail: 'execution is already paused' }],
    );
    // not JSON: 400 Invalid data
    assert.is((await status(base, 'PATCH', '{')).code, 400);
    const resumed = await status(
      base,
      'PATCH',
      JSON.stringify({ data: { attributes: { paused: false }, id: 'default', type: 'status' } }),
    );
    assert.is(resumed.code, 200);
    assert.equal([resumed.json.data.attributes.paused, resumed.json.data.attributes.running], [false, true]);
    // after the start, constant-vus cannot be paused (only externally-controlled can)
    const late = await status(base, 'PATCH', JSON.stringify({ data: { attributes: { paused: true } } }));
    assert.equal(
      [late.code, late.json.errors[0].detail],
      [500, "constant-vus executor 'meshproof' doesn't support pause and resume operations after its start"],
    );
    assert.is(fs.readFileSync(started, 'utf8').trim().split('\n').length, 1);
    // stopped: true → engine.Stop(): the run ends as on SIGINT (summary written, exit 105 ExternalAbort)
    const stop = await status(base, 'PATCH', JSON.stringify({ data: { attributes: { stopped: true } } }));
    assert.equal([stop.code, stop.json.data.attributes.stopped], [200, true]);
    assert.is(await exited, 105, out);
    assert.match(out, 'BEGIN MESHPROOF SUMMARY');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the fake refuses --paused without --address (its REST API only starts with --address, unlike real k6)', async () => {
  const env = operatorArguments(
    { method: 'GET', baseUrl: 'http://127.0.0.1:9', path: '/' },
    { executor: 'constant-vus', vus: 1, duration: '1s' },
  ).split(' ');
  const child = spawn(FAKE_K6, ['run', ...env, '--paused', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  assert.is(code, 104);
  assert.match(err, '--paused without --address');
});

test.run();
