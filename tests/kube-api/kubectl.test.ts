/**
 * The real kubectl (installed on this machine) against the local Kubernetes API, for what the
 * mesh CLI test (tests/mesh/cli-kubectl.test.ts) does not cover: `kubectl explain` reads the
 * group version's /openapi/v3 document, which with Istio's CRDs carries their openAPIV3Schema
 * (apiextensions-apiserver's OpenAPI builder), named by a SHA-512 content hash (kube-openapi
 * handler3's ETag). Skips with a message when ../shared (the CRDs) or kubectl is absent.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { readCrdFile, startKubeApi, type KubeApi } from '../../src/kube-api/index.js';
import { kubeconfigText } from '../../src/kube-api/kubeconfig.js';
import { call, runKubectl } from './helpers.js';
import { istioCrdFile } from '../cluster/fake-crd-schema.js';

const exec = promisify(execFile);
const crdFile = istioCrdFile('1.29.6');
const haveKubectl = await exec('kubectl', ['version', '--client']).then(
  () => true,
  () => false,
);

let api: KubeApi;
let kubeconfig: string;
let dir: string;

function kubectl(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return runKubectl(kubeconfig, ...args);
}

test.before(async () => {
  if (!crdFile || !haveKubectl) return;
  api = await startKubeApi({ crds: readCrdFile(crdFile) });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshproof-kubectl-'));
  kubeconfig = path.join(dir, 'kubeconfig');
  fs.writeFileSync(kubeconfig, kubeconfigText(api.url));
});
test.after(async () => {
  await api?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('kubectl explain: the CRD schema\'s fields and descriptions, down to a nested field (before: "field \\"tcp\\" does not exist")', async () => {
  if (!crdFile || !haveKubectl) return console.log('  skipped: needs ../shared/data/istio-crds and kubectl');
  const tcp = await kubectl('explain', 'destinationrules.spec.trafficPolicy.connectionPool.tcp');
  assert.is(tcp.code, 0, tcp.stderr);
  assert.match(tcp.stdout, 'KIND:       DestinationRule');
  assert.match(tcp.stdout, 'FIELD: tcp <Object>');
  assert.match(
    tcp.stdout,
    /maxConnections\t<integer>\n\s+Maximum number of HTTP1 \/TCP connections to a destination host\./,
  );
  const vs = await kubectl('explain', 'vs', '--recursive');
  assert.is(vs.code, 0, vs.stderr);
  for (const f of ['apiVersion\t<string>', 'spec\t<Object>', 'hosts\t<[]string>', 'retries\t<Object>'])
    assert.match(vs.stdout, f);
});

test('/openapi/v3: each group version named by the uppercase hex SHA-512 of its document (the ETag kube-openapi puts in serverRelativeURL)', async () => {
  if (!crdFile || !haveKubectl) return console.log('  skipped: needs ../shared/data/istio-crds');
  const index = (await (await fetch(`${api.url}/openapi/v3`)).json()) as any;
  const url = index.paths['apis/networking.istio.io/v1'].serverRelativeURL as string;
  const body = await (await fetch(`${api.url}${url}`)).text();
  assert.is(
    url,
    `/openapi/v3/apis/networking.istio.io/v1?hash=${createHash('sha512').update(body).digest('hex').toUpperCase()}`,
  );
  const doc = JSON.parse(body);
  const dr = doc.components.schemas['io.istio.networking.v1.DestinationRule'];
  assert.equal(dr['x-kubernetes-group-version-kind'], [
    { group: 'networking.istio.io', version: 'v1', kind: 'DestinationRule' },
  ]);
  assert.is(
    dr.properties.spec.properties.trafficPolicy.properties.connectionPool.properties.tcp.properties.maxConnections.type,
    'integer',
  );
});

test("kubectl get and get -w print Istio's printer columns from the server's Table, one header (before: NAME AGE, and a second header for watch events)", async () => {
  if (!crdFile || !haveKubectl) return console.log('  skipped: needs ../shared/data/istio-crds and kubectl');
  const watcher = spawn('kubectl', ['--kubeconfig', kubeconfig, 'get', 'dr', '-w', '--output-watch-events'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  watcher.stdout.on('data', (d) => (out += d));
  try {
    // kubectl lists first (nothing there yet), then watches: give it a second to start watching
    await new Promise((r) => setTimeout(r, 1000));
    const dr = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'pp' },
      spec: { host: 'productpage' },
    };
    const path = '/apis/networking.istio.io/v1/namespaces/default/destinationrules';
    assert.is((await call(api.url, 'POST', path, dr)).status, 201);
    assert.is(
      (await call(api.url, 'PATCH', `${path}/pp`, { spec: { host: 'reviews' } }, 'application/merge-patch+json'))
        .status,
      200,
    );
    for (let i = 0; i < 100 && !out.includes('MODIFIED'); i++) await new Promise((r) => setTimeout(r, 50));
    const lines = out
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/).slice(0, 3));
    assert.equal(lines, [
      ['EVENT', 'NAME', 'HOST'],
      ['ADDED', 'pp', 'productpage'],
      ['MODIFIED', 'pp', 'reviews'],
    ]);
  } finally {
    watcher.kill();
  }
  const get = await kubectl('get', 'dr');
  assert.equal(get.stdout.split('\n')[0].split(/\s+/), ['NAME', 'HOST', 'AGE']);
  assert.match(get.stdout.split('\n')[1], /^pp\s+reviews\s+\d+s$/);
});

test('kubectl get --sort-by asks for includeObject=Object and sorts the rows by the objects (before: "No resources found")', async () => {
  if (!crdFile || !haveKubectl) return console.log('  skipped: needs ../shared/data/istio-crds and kubectl');
  const path = '/apis/networking.istio.io/v1/namespaces/default/destinationrules';
  for (const [name, host] of [
    ['b', 'zzz'],
    ['a', 'aaa'],
  ]) {
    const dr = { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name }, spec: { host } };
    assert.is((await call(api.url, 'POST', path, dr)).status, 201);
  }
  const byHost = await kubectl('get', 'dr', 'a', 'b', '--sort-by=.spec.host', '-o', 'custom-columns=N:.metadata.name');
  assert.is(byHost.code, 0, byHost.stderr);
  const sorted = await kubectl('get', 'dr', '--sort-by=.spec.host');
  assert.is(sorted.code, 0, sorted.stderr);
  const names = sorted.stdout
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(/\s+/)[0]);
  assert.equal(names.slice(0, 1), ['a']);
  assert.is(names[names.length - 1], 'b');
});

test.run();
