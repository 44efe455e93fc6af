/**
 * The local Kubernetes API's answers beyond the REST verbs the tests' fake cluster already
 * holds to (tests/cluster/fake-apiserver-*.test.ts): what it does not serve (plain-text 404 as
 * the notfoundhandler, 405 as NewGenericServerResponse), Istio's webhook (meshproof's validator,
 * answered as ToStatusErr), the CRD file, the allow-all access review, the read-only core
 * objects, the pod proxy's refusal of loopback pod IPs, and `onChange` with the full object set.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { readCrdFile, startKubeApi, type KubeApi, type Obj } from '../../src/kube-api/index.js';
import { ConfigError } from '../../src/errors.js';
import { istioCrdFile } from '../cluster/fake-crd-schema.js';
import { call, coreFixture, runKubectl } from './helpers.js';
import { kubeconfigText } from '../../src/kube-api/kubeconfig.js';

const DRS = '/apis/networking.istio.io/v1/namespaces/default/destinationrules';
const dr = (spec: Obj = { host: 'productpage' }, name = 'productpage') => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: { name },
  spec,
});

let api: KubeApi;
let changes: Obj[][];
test.before.each(async () => {
  changes = [];
  api = await startKubeApi({
    onChange: (objects) => changes.push(objects),
    core: coreFixture,
  });
});
test.after.each(async () => {
  await api.stop();
});

test('what is not served: an unserved version or group is the notfoundhandler\'s plain "404 page not found"; an unknown core resource a JSON NotFound; other verbs 405', async () => {
  for (const p of [
    '/apis/networking.istio.io/v9/namespaces/default/destinationrules',
    '/apis/networking.istio.io/v1/namespaces/default/gateways',
    '/apis/apps/v1/deployments',
  ]) {
    const r = await fetch(`${api.url}${p}`);
    assert.is(r.status, 404, p);
    assert.is(r.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.is(await r.text(), '404 page not found\n');
  }
  const nodes = await call(api.url, 'GET', '/api/v1/nodes');
  assert.equal(
    { status: nodes.status, json: nodes.json },
    {
      status: 404,
      json: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'the server could not find the requested resource',
        reason: 'NotFound',
        details: {},
        code: 404,
      },
    },
  );
  const notAllowed = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'the server does not allow this method on the requested resource',
    reason: 'MethodNotAllowed',
    details: {},
    code: 405,
  };
  for (const [method, p] of [
    ['PUT', DRS],
    ['DELETE', DRS],
    ['POST', `${DRS}/productpage`],
    ['POST', '/apis/networking.istio.io/v1/destinationrules'],
    ['POST', '/api/v1/namespaces/default/services'],
    ['DELETE', '/api/v1/namespaces/istio-system/pods/gw-0'],
  ]) {
    const r = await call(api.url, method, p, dr());
    assert.equal({ status: r.status, json: r.json }, { status: 405, json: notAllowed }, `${method} ${p}`);
  }
});

test("Istio's webhook (meshproof's validator): an invalid DestinationRule is 403 Forbidden as ToStatusErr words a denial, on create, patch and apply; nothing stored, no push", async () => {
  const bad = dr({ host: 'productpage', trafficPolicy: { connectionPool: { tcp: { maxConnections: -1 } } } });
  const r = await call(api.url, 'POST', DRS, bad);
  assert.is(r.status, 403);
  assert.is(r.json.reason, 'Forbidden');
  assert.equal(r.json.details, { name: 'productpage', group: 'networking.istio.io', kind: 'destinationrules' });
  assert.match(
    r.json.message,
    /^destinationrules\.networking\.istio\.io "productpage" is forbidden: admission webhook "validation\.istio\.io" denied the request: configuration is invalid: max connections must be non-negative$/,
  );
  const applied = await call(
    api.url,
    'PATCH',
    `${DRS}/productpage?fieldManager=t`,
    YAML.stringify(bad),
    'application/apply-patch+yaml',
  );
  assert.is(applied.status, 403);
  assert.is(api.store.list('destinationrules').length, 0);
  assert.equal(changes, []);
  // a valid one is stored and pushed; a merge patch that breaks it is refused and changes nothing
  assert.is((await call(api.url, 'POST', DRS, dr())).status, 201);
  const patched = await call(
    api.url,
    'PATCH',
    `${DRS}/productpage`,
    { spec: { host: '' } },
    'application/merge-patch+json',
  );
  assert.is(patched.status, 403);
  assert.is(api.store.get('destinationrules', 'default', 'productpage')!.spec.host, 'productpage');
  assert.is(changes.length, 1);
});

test("the webhook's denial reads as istiod's: Istio's own messages without meshproof's field paths; several as go-multierror lists them", async () => {
  const prefix =
    'destinationrules.networking.istio.io "productpage" is forbidden: admission webhook "validation.istio.io" denied the request: configuration is invalid: ';
  // validateConnectionPool → agent.ValidateDuration: no ", got …" and no path in Istio's text
  const one = await call(
    api.url,
    'POST',
    DRS,
    dr({ host: 'productpage', trafficPolicy: { connectionPool: { tcp: { connectTimeout: '0s' } } } }),
  );
  assert.is(one.status, 403);
  assert.is(one.json.message, `${prefix}duration must be greater than 1ms`);
  // ValidateDestinationRule: "duplicate subset names: v1", then the subset's own name rule
  const two = await call(
    api.url,
    'POST',
    DRS,
    dr({ host: 'productpage', subsets: [{ name: 'v1' }, { name: 'v1' }, { name: 'v_2' }] }),
  );
  assert.is(two.status, 403);
  assert.is(
    two.json.message,
    `${prefix}2 errors occurred:\n\t* duplicate subset names: v1\n\t* subset name is invalid: v_2\n\n`,
  );
  assert.is(api.store.list('destinationrules').length, 0);
});

test("an admitted object's webhook warnings come back as Warning headers (admitPilot: Allowed with toKubeWarnings)", async () => {
  const deprecated = dr({ host: 'productpage', trafficPolicy: { outlierDetection: { consecutiveErrors: 5 } } });
  const r = await call(api.url, 'POST', DRS, deprecated);
  assert.is(r.status, 201);
  assert.is(
    r.headers.get('warning'),
    '299 - "outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead"',
  );
  const clean = await call(api.url, 'POST', DRS, dr({ host: 'reviews' }, 'reviews'));
  assert.equal([clean.status, clean.headers.get('warning')], [201, null]);
  // Istio's own words (validateHTTPFaultInjectionAbort's AppendWarningf), not meshproof's note
  const vs = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'abort-typeless' },
    spec: {
      hosts: ['reviews'],
      http: [{ fault: { abort: { percentage: { value: 5 } } }, route: [{ destination: { host: 'reviews' } }] }],
    },
  };
  const typeless = await call(api.url, 'POST', '/apis/networking.istio.io/v1/namespaces/default/virtualservices', vs);
  assert.equal(
    [typeless.status, typeless.headers.get('warning')],
    [201, '299 - "abort configured, but error type not set"'],
  );
});

test('onChange hands over every stored Istio object after each change, in creation order; a dry run and an unchanged write push nothing', async () => {
  await call(api.url, 'POST', DRS, dr({ host: 'a' }, 'a'));
  await call(api.url, 'POST', '/apis/networking.istio.io/v1beta1/namespaces/default/virtualservices', {
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'VirtualService',
    metadata: { name: 'vs' },
    spec: { hosts: ['x'], http: [{ route: [{ destination: { host: 'a' } }] }] },
  });
  await call(api.url, 'POST', `${DRS}?dryRun=All`, dr({ host: 'b' }, 'b'));
  const same = api.store.get('destinationrules', 'default', 'a')!;
  await call(api.url, 'PUT', `${DRS}/a`, same);
  await call(api.url, 'DELETE', `${DRS}/a`);
  assert.equal(
    changes.map((set) => set.map((o) => `${o.kind}/${o.metadata.name}`)),
    [['DestinationRule/a'], ['DestinationRule/a', 'VirtualService/vs'], ['VirtualService/vs']],
  );
});

test('SelfSubjectAccessReview: everything allowed (AlwaysAllow: no reason); both or neither attribute sets is 422', async () => {
  const review = {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    spec: {
      resourceAttributes: {
        verb: 'patch',
        group: 'networking.istio.io',
        resource: 'destinationrules',
        namespace: 'default',
      },
    },
  };
  const r = await call(api.url, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', review);
  assert.is(r.status, 201);
  assert.equal(r.json.status, { allowed: true });
  assert.equal(r.json.spec, review.spec);
  const bad = await call(api.url, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { spec: {} });
  assert.is(bad.status, 422);
  assert.is(bad.json.details.causes[0].field, 'spec.resourceAttributes');
});

test('core objects: namespaced and all-namespace lists, label selectors (=, !=), get by name and its NotFound; the pod proxy refuses a loopback pod IP (400 "address not allowed"), an unknown pod 404', async () => {
  const gw = await call(
    api.url,
    'GET',
    '/api/v1/namespaces/istio-system/services?labelSelector=istio%3Dingressgateway',
  );
  assert.equal(
    gw.json.items.map((s: Obj) => s.metadata.name),
    ['gw'],
  );
  assert.is(gw.json.kind, 'ServiceList');
  const notGw = await call(api.url, 'GET', '/api/v1/services?labelSelector=istio!%3Dingressgateway');
  assert.equal(
    notGw.json.items.map((s: Obj) => s.metadata.name),
    ['app'],
  );
  assert.is((await call(api.url, 'GET', '/api/v1/namespaces/default')).json.metadata.name, 'default');
  const missing = await call(api.url, 'GET', '/api/v1/namespaces/default/pods/nope');
  assert.is(missing.status, 404);
  assert.is(missing.json.message, 'pods "nope" not found');
  const proxy = await call(api.url, 'GET', '/api/v1/namespaces/istio-system/pods/gw-0:15000/proxy/stats');
  assert.equal([proxy.status, proxy.json.message], [400, 'address not allowed']);
  assert.is((await call(api.url, 'GET', '/api/v1/namespaces/istio-system/pods/gw-9:15000/proxy/stats')).status, 404);
});

test("a CRD file: its served versions, and writes typed against its openAPIV3Schema (500 on apply, 400 strict on create, pruned with a Warning header per unknown field under Warn, the default, none under Ignore); a file without Istio's CRDs is a ConfigError naming it", async () => {
  const file = istioCrdFile('1.29.6');
  if (!file) return void console.log('  skipped: ../shared/data/istio-crds is absent');
  const typed = await startKubeApi({ crds: readCrdFile(file) });
  try {
    assert.equal(typed.servedVersions, ['v1', 'v1beta1', 'v1alpha3']);
    const typo = dr({ host: 'productpage', trafficPolicy: { connectionPool: { tcp: { maxConnection: 1 } } } });
    const applied = await call(
      typed.url,
      'PATCH',
      `${DRS}/productpage?fieldManager=t`,
      YAML.stringify(typo),
      'application/apply-patch+yaml',
    );
    assert.is(applied.status, 500);
    assert.match(
      applied.json.message,
      '.spec.trafficPolicy.connectionPool.tcp.maxConnection: field not declared in schema',
    );
    const created = await call(typed.url, 'POST', `${DRS}?fieldValidation=Strict`, typo);
    assert.equal(
      [created.status, created.json.message],
      [400, 'strict decoding error: unknown field "spec.trafficPolicy.connectionPool.tcp.maxConnection"'],
    );
    // Warn, the default without the parameter (handlers/rest.go): stored pruned, one Warning
    // header per unknown field (addStrictDecodingWarnings; NewWarningHeader's `299 - "…"`)
    const warned = await call(typed.url, 'POST', DRS, { ...typo, spec: { ...typo.spec, colour: 'blue' } });
    assert.is(warned.status, 201);
    // in the order found (the real pruner walks Go maps, so its order is not fixed)
    assert.equal(
      warned.headers
        .get('warning')!
        .split(/, (?=299 )/)
        .sort(),
      [
        '299 - "unknown field \\"spec.colour\\""',
        '299 - "unknown field \\"spec.trafficPolicy.connectionPool.tcp.maxConnection\\""',
      ],
    );
    assert.equal(warned.json.spec, { host: 'productpage', trafficPolicy: { connectionPool: { tcp: {} } } });
    const ignored = await call(typed.url, 'PUT', `${DRS}/productpage?fieldValidation=Ignore`, {
      ...typo,
      metadata: { ...typo.metadata, resourceVersion: warned.json.metadata.resourceVersion },
    });
    assert.equal([ignored.status, ignored.headers.get('warning')], [200, null]);
    // the real kubectl prints each warning (--validate=warn sends fieldValidation=Warn)
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshproof-warn-'));
    const kubeconfig = path.join(dir, 'kubeconfig');
    fs.writeFileSync(kubeconfig, kubeconfigText(typed.url));
    const file = path.join(dir, 'reviews.yaml');
    fs.writeFileSync(
      file,
      YAML.stringify({ ...typo, metadata: { name: 'reviews' }, spec: { host: 'reviews', colour: 'blue' } }),
    );
    const k = await runKubectl(kubeconfig, 'create', '--validate=warn', '-n', 'default', '-f', file);
    fs.rmSync(dir, { recursive: true, force: true });
    if (String(k.code) === 'ENOENT') console.log('  skipped the kubectl half: kubectl is not installed');
    else assert.equal([k.code, k.stderr.trim()], [0, 'Warning: unknown field "spec.colour"']);
  } finally {
    await typed.stop();
  }
  const notCrds = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'meshproof-crd-')), 'x.yaml');
  fs.writeFileSync(notCrds, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
  assert.throws(
    () => readCrdFile(notCrds),
    (e: Error) =>
      e instanceof ConfigError &&
      e.message.startsWith(`${notCrds}: no CustomResourceDefinition of destinationrules and virtualservices`),
  );
});

test.run();
