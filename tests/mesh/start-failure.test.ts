/**
 * Issue 13 item 15: `meshproof mesh` with a busy --admin-port or an unwritable --access-log
 * exits 2 with nothing left listening — the gateway and pods that had already started are
 * closed again. Counted with process.getActiveResourcesInfo() (one TCPServerWrap per
 * listening server) and by connecting to the gateway's port.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { once } from 'node:events';
import { runCli } from '../helpers/cli-capture.js';
import { ExitCode } from '../../src/errors.js';

const listeners = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;

/** Listening servers, once closing handles have been released (a close completes a few event-loop turns later); at most 2 s. */
async function settledListeners(expected: number): Promise<number> {
  for (let i = 0; i < 200 && listeners() !== expected; i++) await new Promise((r) => setTimeout(r, 10));
  return listeners();
}

async function freePort(): Promise<number> {
  const s = net.createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    c.once('connect', () => (c.destroy(), resolve(false)));
    c.once('error', () => resolve(true));
  });
}

test('mesh --admin-port <busy>: exit 2 naming the port, and the gateway (on its own port) and the 3 pods are closed again', async () => {
  const busy = net.createServer().listen(0, '127.0.0.1');
  await once(busy, 'listening');
  const busyPort = (busy.address() as net.AddressInfo).port;
  const gatewayPort = await freePort();
  try {
    const before = await settledListeners(1);
    const r = await runCli(['mesh', '--port', String(gatewayPort), '--admin-port', String(busyPort)]);
    assert.is(r.code, ExitCode.usage, r.stderr);
    assert.match(r.stderr, new RegExp(`EADDRINUSE.*${busyPort}.*choose another --port / --admin-port`));
    assert.is(await settledListeners(before), before, 'no server left listening');
    assert.ok(await refused(gatewayPort), `gateway port ${gatewayPort} closed`);
  } finally {
    await new Promise((r) => busy.close(r));
  }
});

test('mesh --access-log /nonexistent/x: exit 2 naming the flag, nothing listening and no "mesh up"', async () => {
  const gatewayPort = await freePort();
  const before = await settledListeners(0);
  const r = await runCli([
    'mesh',
    '--port',
    String(gatewayPort),
    '--admin-port',
    '0',
    '--access-log',
    '/nonexistent/x',
  ]);
  assert.is(r.code, ExitCode.usage, r.stderr);
  assert.match(r.stderr, /^meshproof: --access-log \/nonexistent\/x: cannot open it for writing \(ENOENT\)$/m);
  assert.not.match(r.stderr, /gateway/);
  assert.is(await settledListeners(before), before, 'no server left listening');
  assert.ok(await refused(gatewayPort), `gateway port ${gatewayPort} closed`);
});

test('mesh --push-delay -5 and --seed -1 are refused naming the flag (exit 2)', async () => {
  const delay = await runCli(['mesh', '--push-delay', '-5', '--port', '0', '--admin-port', '0']);
  assert.is(delay.code, ExitCode.usage);
  assert.match(delay.stderr, /--push-delay: expected milliseconds from 0 to 2147483647, got -5/);
  const seed = await runCli(['mesh', '--seed', '-1', '--port', '0', '--admin-port', '0']);
  assert.is(seed.code, ExitCode.usage);
  assert.match(seed.stderr, /--seed: expected an integer from 0 to 4294967295, got -1/);
});

test.run();
