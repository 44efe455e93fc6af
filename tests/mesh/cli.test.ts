/**
 * `meshproof mesh`: starts, prints URLs, serves the §1 overflow reply byte for byte under the
 * demo connection-pool policy, and stops cleanly on SIGINT (exit 0).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { ExitCode } from '../../src/errors.js';
import { until } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/mesh-cli.ts', import.meta.url));

/** Raw HTTP/1.1 exchange, so the test sees the exact bytes the gateway writes. */
function raw(port: number, host: string): Promise<string> {
  return rawExchange(port, `GET /productpage HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
}

/** Writes `request` as is and returns every byte until the gateway closes the connection. */
function rawExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(request));
    let out = '';
    s.on('data', (d) => (out += d));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

/** Starts `meshproof mesh <args>`; stderr accumulates in `out.stderr`. */
function startCli(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { child, stderr: '' };
  child.stderr.on('data', (d) => (out.stderr += d));
  return out;
}

interface Summary {
  gatewayUrl: string;
  adminUrl: string;
  curl: string;
  proxy: string;
  pods: { name: string }[];
  workers: number;
  network: { rttMs: number; jitterMs: number };
}

/** The `--json` summary line (one small write, so one chunk). */
async function summaryOf(child: ReturnType<typeof spawn>): Promise<Summary> {
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return JSON.parse(line.toString());
}

/**
 * Runs `meshproof mesh <flags> --port 0 --admin-port 0 --json`, hands `body` its summary and
 * gateway port, then stops it with `signal` and asserts exit 0. Returns the run (its stderr).
 */
async function withMeshCli(
  flags: string[],
  body: (summary: Summary, port: number, cli: ReturnType<typeof startCli>) => Promise<void>,
  signal: NodeJS.Signals = 'SIGINT',
): Promise<ReturnType<typeof startCli>> {
  const cli = startCli([...flags, '--port', '0', '--admin-port', '0', '--json']);
  try {
    const summary = await summaryOf(cli.child);
    await body(summary, Number(new URL(summary.gatewayUrl).port), cli);
  } finally {
    cli.child.kill(signal);
  }
  const [code] = await once(cli.child, 'exit');
  assert.is(code, 0, cli.stderr);
  return cli;
}

test('meshproof mesh --pods 1 --policy policies/connection-pool.yaml: 3 parallel requests → one §1 overflow reply; SIGINT stops it (exit 0)', async () => {
  const cli = await withMeshCli(
    ['--pods', '1', '--policy', 'policies/connection-pool.yaml'],
    async (summary, port, cli) => {
      assert.is(summary.pods.length, 1);
      assert.is(summary.workers, 1, 'without a scenario: one worker (the E1 curl story)');
      assert.match(summary.curl, /^curl -si -H 'Host: bookinfo\.example\.com' http:\/\/127\.0\.0\.1:\d+\/productpage$/);
      assert.match(await raw(port, 'bookinfo.example.com'), /^HTTP\/1\.1 200 /); // warm: one idle pooled connection (§2.2 E1)
      const replies = await Promise.all([0, 1, 2].map(() => raw(port, 'bookinfo.example.com')));
      const over = replies.filter((r) => r.startsWith('HTTP/1.1 503 '));
      assert.is(over.length, 1, replies.join('\n---\n'));
      const [head, body] = over[0].split('\r\n\r\n');
      assert.is(body, 'upstream connect error or disconnect/reset before headers. reset reason: overflow');
      const headers = head.toLowerCase().split('\r\n');
      for (const h of [
        'content-length: 81',
        'content-type: text/plain',
        'x-envoy-overloaded: true',
        'server: istio-envoy',
      ])
        assert.ok(headers.includes(h), `${h} in ${head}`);
      assert.ok(!head.toLowerCase().includes('x-envoy-upstream-service-time'));
      assert.match(cli.stderr, /gateway {2}http:\/\/127\.0\.0\.1:\d+/);
    },
  );
  assert.match(cli.stderr, /stopping the local mesh/);
});

test("meshproof mesh --scenario: the scenario's local app (3 pods, pod 2 answering 500) behind the gateway; --workers 1 overrides the scenario's 2", async () => {
  // --workers outranks the scenario's local.workers (default 2): the summary says 1
  const flags = ['--scenario', 'scenarios/outlier-detection.yaml', '--workers', '1'];
  await withMeshCli(
    flags,
    async (summary, port, cli) => {
      assert.equal(
        summary.pods.map((p) => p.name),
        ['productpage-v1-0', 'productpage-v1-1', 'productpage-v1-2'],
      );
      assert.equal([summary.workers, summary.network], [1, { rttMs: 0, jitterMs: 0 }]);
      // least request (§3.4) picks among idle pods at random: 12 sequential requests reach all three
      const replies: string[] = [];
      for (let i = 0; i < 12; i++) replies.push(await raw(port, 'bookinfo.example.com'));
      const from = (pod: string) => replies.filter((r) => r.endsWith(`${pod} 500\n`) || r.endsWith(`${pod} 200\n`));
      assert.ok(
        from('productpage-v1-2').every((r) => r.startsWith('HTTP/1.1 500 ')),
        'pod 2 answers 500',
      );
      assert.ok([...from('productpage-v1-0'), ...from('productpage-v1-1')].every((r) => r.startsWith('HTTP/1.1 200 ')));
      assert.is(
        from('productpage-v1-0').length + from('productpage-v1-1').length + from('productpage-v1-2').length,
        12,
      );
      assert.ok(
        from('productpage-v1-2').length > 0 && from('productpage-v1-2').length < 12,
        `pod 2 served ${from('productpage-v1-2').length} of 12`,
      );
      assert.is(summary.proxy, 'current');
      const rule =
        /proxy current Envoy \(≥ 1\.28, Istio ≥ 1\.20; Istio 1\.29 ships 1\.37\): ejection cap 100·\(ejected\+1\)\/hosts ≤ maxEjectionPercent/;
      assert.ok(await until(() => rule.test(cli.stderr), 5000), cli.stderr);
    },
    'SIGTERM',
  );
});

test('meshproof mesh stops cleanly on SIGHUP (closed terminal) too: exit 0, the gateway port closed (issue 13 item 5)', async () => {
  const cli = startCli(['--pods', '1', '--port', '0', '--admin-port', '0', '--json']);
  const { child } = cli;
  const summary = await summaryOf(child);
  const port = Number(new URL(summary.gatewayUrl).port);
  child.kill('SIGHUP');
  const [code, signal] = await once(child, 'exit');
  assert.equal([code, signal], [0, null], cli.stderr);
  assert.match(cli.stderr, /stopping the local mesh/);
  const refused = await raw(port, 'bookinfo.example.com').then(
    () => 'answered',
    (e: NodeJS.ErrnoException) => e.code,
  );
  assert.is(refused, 'ECONNREFUSED');
});

test('meshproof mesh --accept-http10 serves HTTP/1.0 as Istio does with PILOT_HTTP10=1 (default: 426, §6.1)', async () => {
  await withMeshCli(['--accept-http10'], async (_summary, port) => {
    const reply = await rawExchange(port, 'GET /productpage HTTP/1.0\r\nHost: bookinfo.example.com\r\n\r\n');
    assert.match(reply, /^HTTP\/1\.0 200 OK\r\n/);
  });
});

test('meshproof mesh --versions v1=2,v2=1 --policy policies/traffic-shift.yaml: pods per version; every answer names its subset and comes from a pod of that version', async () => {
  await withMeshCli(['--versions', 'v1=2,v2=1', '--policy', 'policies/traffic-shift.yaml'], async (summary, port) => {
    assert.equal(
      summary.pods.map((p) => p.name),
      ['productpage-v1-0', 'productpage-v1-1', 'productpage-v2-0'],
    );
    // the policy file itself sets no attribution header: the pod's own x-meshproof-pod names the version
    const replies = await Promise.all(Array.from({ length: 20 }, () => raw(port, 'bookinfo.example.com')));
    for (const r of replies) assert.match(r, /^HTTP\/1\.1 200 OK\r\n[\s\S]*x-meshproof-pod: productpage-v[12]-\d/);
  });
});

test('meshproof mesh --pods with --versions, or a malformed --versions: exit 2 (usage) naming the flag', async () => {
  for (const args of [
    ['--pods', '1', '--versions', 'v1=1'],
    ['--versions', 'v1:2'],
  ]) {
    const cli = startCli([...args, '--port', '0', '--admin-port', '0']);
    const [code] = await once(cli.child, 'exit');
    assert.is(code, ExitCode.usage, cli.stderr);
    assert.match(cli.stderr, args[0] === '--pods' ? '--pods and --versions' : '--versions: expected VERSION=PODS');
  }
});

test('meshproof mesh rejects a bad --port before starting anything: exit 2 (usage)', async () => {
  const cli = startCli(['--port', '70000']);
  const [code] = await once(cli.child, 'exit');
  assert.is(code, ExitCode.usage, cli.stderr);
  assert.match(cli.stderr, /^meshproof: --port: expected a port 0\.\.65535, got 70000$/m);
});

test('meshproof mesh refuses --workers above the scenario ceiling (64) before starting anything: exit 2 (a billion workers never came up and never answered)', async () => {
  const cli = startCli(['--workers', '1000000000', '--port', '0', '--admin-port', '0']);
  const [code] = await once(cli.child, 'exit');
  assert.is(code, ExitCode.usage, cli.stderr);
  assert.match(cli.stderr, /^meshproof: --workers: expected an integer 1\.\.64, got 1000000000$/m);
});

test('meshproof mesh --policy with an object in another namespace is refused as run refuses it (issue 13 item 10): exit 2 at metadata.namespace, nothing started', async () => {
  const cli = startCli([
    '--policy',
    'tests/fixtures/policy/conflicts/other-ns.yaml',
    '--port',
    '0',
    '--admin-port',
    '0',
  ]);
  const [code] = await once(cli.child, 'exit');
  assert.is(code, ExitCode.usage, cli.stderr);
  assert.match(
    cli.stderr,
    /other-ns\.yaml:6:3: error: metadata\.namespace: DestinationRule shop\/productpage: the local mesh serves one namespace, "default"/,
  );
  assert.not.match(cli.stderr, /local mesh up/);
});

test('meshproof mesh --proxy (§3.2): envoy-1.26 is named in the banner and --json; an unknown version is a usage error', async () => {
  const bad = startCli(['--proxy', 'envoy-1.20']);
  const [code] = await once(bad.child, 'exit');
  assert.is(code, ExitCode.usage, bad.stderr);
  assert.match(bad.stderr, /^meshproof: --proxy: expected one of current, envoy-1\.26, got "envoy-1\.20"$/m);
  await withMeshCli(
    ['--proxy', 'envoy-1.26'],
    async (summary, _port, cli) => {
      assert.is(summary.proxy, 'envoy-1.26');
      const rule =
        /proxy envoy-1\.26 \(Envoy ≤ 1\.27, Istio ≤ 1\.19\): ejection cap 100·ejected\/hosts < maxEjectionPercent, the first ejection always allowed/;
      assert.ok(await until(() => rule.test(cli.stderr), 5000), cli.stderr);
    },
    'SIGTERM',
  );
});

test.run();
