/**
 * `meshproof mesh` serves the Kubernetes API for its Istio objects (issue 19): the summary
 * names the API, the kubeconfig and a kubectl line that works as pasted; the real kubectl
 * applies, patches (merge and JSON), watches and deletes, and every change shows in the
 * gateway's /config_dump at once (push delay 0); SIGINT removes the default kubeconfig.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ExitCode } from '../../src/errors.js';

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/mesh-cli.ts', import.meta.url));
const ENV = { ...process.env, KUBECONFIG: '' };

async function run(cmd: string, args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    return { ...(await exec(cmd, args, { cwd: ROOT, timeout: 20_000, env: ENV })), code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

/** max_connections of the productpage cluster in the gateway's /config_dump. */
async function maxConnections(adminUrl: string): Promise<number> {
  const dump = (await (await fetch(`${adminUrl}/config_dump`)).json()) as any;
  const clusters = dump.configs.find((c: any) => c['@type'].endsWith('ClustersConfigDump'));
  const c = [...(clusters.dynamic_active_clusters ?? [])].find((x: any) =>
    x.cluster.name.startsWith('outbound|9080||productpage'),
  );
  return c.cluster.circuit_breakers.thresholds[0].max_connections;
}

test('meshproof mesh: kubectl apply / patch / get -w / delete against its API, each change live in /config_dump; the printed kubectl line works as pasted', async () => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', FIXTURE, '--pods', '1', '--port', '0', '--admin-port', '0', '--api-port', '0', '--json'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: ENV },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  try {
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    const s = JSON.parse(line.toString());
    assert.match(s.api.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.is(s.api.context, 'meshproof-local');
    assert.ok(fs.existsSync(s.api.kubeconfig), s.api.kubeconfig);
    assert.is(s.api.kubectl, `kubectl --kubeconfig ${s.api.kubeconfig} get destinationrules -A`);
    for (let i = 0; i < 100 && !stderr.includes('Ctrl-C stops the mesh.'); i++)
      await new Promise((r) => setTimeout(r, 50));
    assert.match(stderr, `kubeconfig ${s.api.kubeconfig}   (context meshproof-local)`);
    assert.match(stderr, `  ${s.api.kubectl}\n`);
    const kc = s.api.kubeconfig as string;
    // the line as pasted into a shell
    const pasted = await run('sh', ['-c', s.api.kubectl]);
    assert.is(pasted.code, 0, pasted.stderr);
    assert.match(pasted.stderr, 'No resources found');
    const vs = await run('kubectl', [
      '--kubeconfig',
      kc,
      'get',
      'vs',
      'productpage',
      '-o',
      'jsonpath={.spec.hosts[0]}',
    ]);
    assert.is(vs.stdout, 'bookinfo.example.com', 'the mesh starts with its VirtualService in the API');
    assert.is(await maxConnections(s.adminUrl), 4294967295, "Istio's default before any policy");

    const watcher = spawn(
      'kubectl',
      ['--kubeconfig', kc, 'get', 'dr', '-w', '--output-watch-events', '-n', 'default'],
      {
        env: ENV,
      },
    );
    let watched = '';
    watcher.stdout.on('data', (d) => (watched += d));
    try {
      const applied = await run('kubectl', ['--kubeconfig', kc, 'apply', '-f', 'policies/connection-pool.yaml']);
      assert.is(applied.stdout.trim(), 'destinationrule.networking.istio.io/productpage created', applied.stderr);
      assert.is(await maxConnections(s.adminUrl), 1);
      const patch = (type: string, body: unknown) =>
        run('kubectl', ['--kubeconfig', kc, 'patch', 'dr', 'productpage', '--type', type, '-p', JSON.stringify(body)]);
      const merged = await patch('merge', {
        spec: { trafficPolicy: { connectionPool: { tcp: { maxConnections: 5 } } } },
      });
      assert.is(merged.code, 0, merged.stderr);
      assert.is(await maxConnections(s.adminUrl), 5);
      const json = await patch('json', [
        { op: 'replace', path: '/spec/trafficPolicy/connectionPool/tcp/maxConnections', value: 7 },
      ]);
      assert.is(json.code, 0, json.stderr);
      assert.is(await maxConnections(s.adminUrl), 7);
      const ssa = await run('kubectl', [
        '--kubeconfig',
        kc,
        'apply',
        '--server-side',
        '-f',
        'policies/connection-pool.yaml',
      ]);
      assert.is(ssa.code, 1, 'kubectl-patch owns maxConnections now: a server-side apply conflicts');
      assert.match(ssa.stderr, 'Apply failed with 1 conflict: conflict with "kubectl-patch"');
      const deleted = await run('kubectl', ['--kubeconfig', kc, 'delete', 'dr', 'productpage']);
      assert.is(deleted.code, 0, deleted.stderr);
      assert.is(await maxConnections(s.adminUrl), 4294967295, "kubectl delete restores Istio's default");
      const deadline = Date.now() + 10_000;
      while (!/DELETED/.test(watched) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.equal(
        watched
          .split('\n')
          .filter((l) => /^(ADDED|MODIFIED|DELETED)/.test(l))
          .map((l) => l.split(/\s+/).slice(0, 2).join(' ')),
        ['ADDED productpage', 'MODIFIED productpage', 'MODIFIED productpage', 'DELETED productpage'],
      );
    } finally {
      watcher.kill();
    }
    child.kill('SIGINT');
    const [code] = await once(child, 'exit');
    assert.is(code, ExitCode.ok, stderr);
    assert.not.ok(fs.existsSync(kc), 'the default kubeconfig is removed on stop');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('meshproof mesh --crds with a file that holds no Istio CRD: exit 2 naming the file', async () => {
  const r = await run(process.execPath, [
    '--import',
    'tsx',
    FIXTURE,
    '--port',
    '0',
    '--admin-port',
    '0',
    '--crds',
    'package.json',
  ]);
  assert.is(r.code, ExitCode.usage);
  assert.match(r.stderr, 'package.json: no CustomResourceDefinition of destinationrules and virtualservices');
});

test.run();
