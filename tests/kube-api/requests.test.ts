/**
 * How the local Kubernetes API judges a write's request before and around the object, as
 * kube-apiserver does (sources cited in src/kube-api/request-options.ts, object-meta.ts,
 * istio-handler.ts): query options (422 `<Kind>Options.meta.k8s.io`), the body's namespace
 * and name against the URL (400), the custom resource validator's name, kind and label causes
 * (422), PATCH media types before options (415), DeleteOptions from the body and
 * rest.BeforeDelete's precondition texts, a resourceVersion on create (500). The real kubectl
 * drives the cases it reaches (skipped with a message when it is absent).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startKubeApi, type KubeApi, type Obj } from '../../src/kube-api/index.js';
import { kubeconfigText } from '../../src/kube-api/kubeconfig.js';
import { call, runKubectl } from './helpers.js';

const exec = promisify(execFile);
const haveKubectl = await exec('kubectl', ['version', '--client']).then(
  () => true,
  () => false,
);
const DRS = '/apis/networking.istio.io/v1/namespaces/default/destinationrules';
const dr = (metadata: Obj = {}, spec: Obj = { host: 'productpage' }) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: { name: 'productpage', ...metadata },
  spec,
});
const SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

let api: KubeApi;
let dir: string;
let kubeconfig: string;
test.before.each(async () => {
  api = await startKubeApi();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshproof-requests-'));
  kubeconfig = path.join(dir, 'kubeconfig');
  fs.writeFileSync(kubeconfig, kubeconfigText(api.url));
});
test.after.each(async () => {
  await api.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function kubectl(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return runKubectl(kubeconfig, ...args);
}

test('query options: dryRun=true is 422 CreateOptions (NotSupported, Go %#v of the list) and stores nothing; a bad fieldValidation and fieldManager are causes of the same 422', async () => {
  const r = await call(api.url, 'POST', `${DRS}?dryRun=true`, dr());
  assert.is(r.status, 422);
  assert.equal(r.json, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message:
      'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"true"}: supported values: "All"',
    reason: 'Invalid',
    details: {
      group: 'meta.k8s.io',
      kind: 'CreateOptions',
      causes: [
        {
          reason: 'FieldValueNotSupported',
          field: 'dryRun',
          message: 'Unsupported value: []string{"true"}: supported values: "All"',
        },
      ],
    },
    code: 422,
  });
  // before: taken as a real write (201, stored)
  assert.is(api.store.get('destinationrules', 'default', 'productpage'), undefined);
  const many = await call(
    api.url,
    'POST',
    `${DRS}?fieldValidation=Loud&fieldManager=${'m'.repeat(129)}&dryRun=All&dryRun=Some`,
    dr(),
  );
  assert.is(many.status, 422);
  assert.equal(
    many.json.details.causes.map((c: Obj) => `${c.reason} ${c.field}: ${c.message}`),
    [
      'FieldValueTooLong fieldManager: Too long: must have at most 128 bytes',
      'FieldValueNotSupported dryRun: Unsupported value: []string{"All", "Some"}: supported values: "All"',
      'FieldValueNotSupported fieldValidation: Unsupported value: "Loud": supported values: "", "Ignore", "Strict", "Warn"',
    ],
  );
  assert.match(many.json.message, /^CreateOptions\.meta\.k8s\.io "" is invalid: \[fieldManager: Too long/);
});

test('the body against the URL: another namespace is 400 on create, replace and patch; another name is checkName\'s 400 "(X) … (Y)" on replace, merge patch and apply (before: stored under the body\'s name)', async () => {
  const ns = 'the namespace of the provided object does not match the namespace sent on the request';
  const create = await call(api.url, 'POST', DRS, dr({ namespace: 'other' }));
  assert.equal([create.status, create.json.reason, create.json.message], [400, 'BadRequest', ns]);
  const made = await call(api.url, 'POST', DRS, dr());
  assert.is(made.status, 201);
  const rv = made.json.metadata.resourceVersion;
  const name = 'the name of the object (reviews) does not match the name on the URL (productpage)';
  const APPLY = 'application/apply-patch+yaml';
  const cases: [string, string, unknown, string | undefined, string][] = [
    ['replace, another name', 'PUT', dr({ name: 'reviews', resourceVersion: rv }), undefined, name],
    ['replace, another namespace', 'PUT', dr({ namespace: 'other', resourceVersion: rv }), undefined, ns],
    ['merge patch, another name', 'PATCH', { metadata: { name: 'reviews' } }, 'application/merge-patch+json', name],
    ['apply, another name', 'PATCH', JSON.stringify(dr({ name: 'reviews' })), APPLY, name],
    ['apply, another namespace', 'PATCH', JSON.stringify(dr({ namespace: 'other' })), APPLY, ns],
  ];
  for (const [what, method, body, type, message] of cases) {
    const query = method === 'PATCH' && type === APPLY ? '?fieldManager=alice' : '';
    const r = await call(api.url, method, `${DRS}/productpage${query}`, body, type);
    assert.equal([r.status, r.json.message], [400, message], what);
    assert.is(api.store.get('destinationrules', 'default', 'reviews'), undefined, what);
  }
  assert.is(api.store.get('destinationrules', 'default', 'productpage')!.metadata.resourceVersion, rv);
});

test('the custom resource validator: a bad name is 422 "metadata.name: Invalid value" (kubectl create prints it), a missing one "Required value", a bad label value "metadata.labels", a wrong kind "kind: … must be DestinationRule" alone; generateName names the object', async () => {
  const bad = await call(api.url, 'POST', DRS, dr({ name: 'Bad_Name' }));
  assert.is(bad.status, 422);
  assert.is(
    bad.json.message,
    `DestinationRule.networking.istio.io "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": ${SUBDOMAIN}`,
  );
  assert.equal(bad.json.details, {
    name: 'Bad_Name',
    group: 'networking.istio.io',
    kind: 'DestinationRule',
    causes: [
      { reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "Bad_Name": ${SUBDOMAIN}` },
    ],
  });
  const unnamed = await call(api.url, 'POST', DRS, { ...dr(), metadata: {} });
  assert.equal(
    [unnamed.status, unnamed.json.message],
    [
      422,
      'DestinationRule.networking.istio.io "" is invalid: metadata.name: Required value: name or generateName is required',
    ],
  );
  const label = await call(api.url, 'POST', DRS, dr({ labels: { team: 'shop floor' } }));
  assert.is(label.status, 422);
  assert.equal(label.json.details.causes[0].field, 'metadata.labels');
  assert.match(
    label.json.details.causes[0].message,
    `Invalid value: "shop floor": a valid label must be an empty string`,
  );
  const kind = await call(api.url, 'POST', DRS, { ...dr({ name: 'Bad_Name' }), kind: 'VirtualService' });
  assert.equal(
    [kind.status, kind.json.message],
    [
      422,
      'DestinationRule.networking.istio.io "Bad_Name" is invalid: kind: Invalid value: "VirtualService": must be DestinationRule',
    ],
  );
  assert.equal(api.store.list('destinationrules'), []);
  // generateName without a name: named by SimpleNameGenerator (prefix + 5 of utilrand's alphabet)
  const generated = await call(api.url, 'POST', DRS, { ...dr(), metadata: { generateName: 'pp-' } });
  assert.is(generated.status, 201);
  assert.match(generated.json.metadata.name, /^pp-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  assert.ok(api.store.get('destinationrules', 'default', generated.json.metadata.name));
  // seeded: another API with the same seed generates the same name (a run can be replayed)
  const twin = await startKubeApi();
  try {
    const again = await call(twin.url, 'POST', DRS, { ...dr(), metadata: { generateName: 'pp-' } });
    assert.is(again.json.metadata.name, generated.json.metadata.name);
  } finally {
    await twin.stop();
  }
  if (!haveKubectl) return console.log('  skipped the kubectl half: kubectl is not installed');
  const file = path.join(dir, 'bad.yaml');
  fs.writeFileSync(file, JSON.stringify({ ...dr({ name: 'Bad_Name', namespace: 'default' }) }));
  const k = await kubectl('create', '-f', file);
  assert.is(k.code, 1);
  assert.match(
    k.stderr,
    `The DestinationRule "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": ${SUBDOMAIN}`,
  );
});

test("a resourceVersion on create is the storage's 500 with no reason (POST, and an apply that would create); the same create as a dry run is answered", async () => {
  const post = await call(api.url, 'POST', DRS, dr({ resourceVersion: '1234' }));
  assert.equal(post.json, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'resourceVersion should not be set on objects to be created',
    code: 500,
  });
  const apply = await call(
    api.url,
    'PATCH',
    `${DRS}/productpage?fieldManager=alice&force=true`,
    JSON.stringify(dr({ resourceVersion: '1234' })),
    'application/apply-patch+yaml',
  );
  assert.equal([apply.status, apply.json.message], [500, 'resourceVersion should not be set on objects to be created']);
  const dry = await call(api.url, 'POST', `${DRS}?dryRun=All`, dr({ resourceVersion: '1234' }));
  assert.is(dry.status, 201);
  assert.equal(api.store.list('destinationrules'), []);
});

test('PATCH: a media type the CRD handler does not accept is 415 before the options are judged (before: 422 for force on a strategic merge patch)', async () => {
  await call(api.url, 'POST', DRS, dr());
  const r = await call(
    api.url,
    'PATCH',
    `${DRS}/productpage?force=true`,
    { spec: { host: 'x' } },
    'application/strategic-merge-patch+json',
  );
  assert.equal([r.status, r.json.reason], [415, 'UnsupportedMediaType']);
  assert.is(
    r.json.message,
    'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
  );
  const force = await call(
    api.url,
    'PATCH',
    `${DRS}/productpage?force=true`,
    { spec: {} },
    'application/merge-patch+json',
  );
  assert.equal(
    [force.status, force.json.message],
    [422, 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch'],
  );
});

test('DELETE: preconditions as rest.BeforeDelete words them (the UID first, the kind as resource), options from the body: kubectl delete --dry-run=server leaves the object (before: deleted)', async () => {
  const made = (await call(api.url, 'POST', DRS, dr())).json;
  const { uid, resourceVersion: rv } = made.metadata;
  const both = await call(api.url, 'DELETE', `${DRS}/productpage`, {
    preconditions: { uid: 'other-uid', resourceVersion: '1' },
  });
  assert.equal(both.json, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `Operation cannot be fulfilled on DestinationRule.networking.istio.io "productpage": the UID in the precondition (other-uid) does not match the UID in record (${uid}). The object might have been deleted and then recreated`,
    reason: 'Conflict',
    details: { name: 'productpage', group: 'networking.istio.io', kind: 'DestinationRule' },
    code: 409,
  });
  const stale = await call(api.url, 'DELETE', `${DRS}/productpage`, { preconditions: { resourceVersion: '1' } });
  assert.is(stale.status, 409);
  assert.is(
    stale.json.message,
    `Operation cannot be fulfilled on DestinationRule.networking.istio.io "productpage": the ResourceVersion in the precondition (1) does not match the ResourceVersion in record (${rv}). The object might have been modified`,
  );
  const policy = await call(api.url, 'DELETE', `${DRS}/productpage`, { propagationPolicy: 'Later' });
  assert.equal(
    [policy.status, policy.json.message],
    [
      422,
      'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Later": supported values: "Foreground", "Background", "Orphan", "nil"',
    ],
  );
  const dryBody = await call(api.url, 'DELETE', `${DRS}/productpage`, { dryRun: ['All'] });
  assert.is(dryBody.status, 200);
  assert.ok(api.store.get('destinationrules', 'default', 'productpage'), 'a dry run in the body deletes nothing');
  if (!haveKubectl) return console.log('  skipped the kubectl half: kubectl is not installed');
  const k = await kubectl('delete', 'dr', 'productpage', '-n', 'default', '--dry-run=server');
  assert.is(k.code, 0, k.stderr);
  assert.match(k.stdout, 'destinationrule.networking.istio.io "productpage" deleted (server dry run)');
  assert.ok(
    api.store.get('destinationrules', 'default', 'productpage'),
    'kubectl delete --dry-run=server deletes nothing',
  );
  const real = await kubectl('delete', 'dr', 'productpage', '-n', 'default');
  assert.is(real.code, 0, real.stderr);
  assert.is(api.store.get('destinationrules', 'default', 'productpage'), undefined);
});

test('NamespaceLifecycle: a create (or an apply that creates) in a namespace that does not exist is 404 `namespaces "X" not found`, before validation; the apiserver\'s own namespaces exist (before: stored)', async () => {
  const NOPE = '/apis/networking.istio.io/v1/namespaces/nope/destinationrules';
  const post = await call(api.url, 'POST', NOPE, dr({ name: 'Bad_Name' }));
  assert.equal(post.json, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'namespaces "nope" not found',
    reason: 'NotFound',
    details: { name: 'nope', kind: 'namespaces' },
    code: 404,
  });
  const apply = await call(
    api.url,
    'PATCH',
    `${NOPE}/productpage?fieldManager=alice`,
    JSON.stringify(dr()),
    'application/apply-patch+yaml',
  );
  assert.equal([apply.status, apply.json.message], [404, 'namespaces "nope" not found']);
  assert.equal(api.store.list('destinationrules'), []);
  const system = await call(api.url, 'GET', '/api/v1/namespaces/kube-system');
  assert.equal([system.status, system.json.metadata.name], [200, 'kube-system']);
  const inSystem = await call(
    api.url,
    'POST',
    '/apis/networking.istio.io/v1/namespaces/kube-public/destinationrules',
    dr(),
  );
  assert.is(inSystem.status, 201);
  if (!haveKubectl) return console.log('  skipped the kubectl half: kubectl is not installed');
  const file = path.join(dir, 'nope.yaml');
  fs.writeFileSync(file, JSON.stringify(dr({ namespace: 'nope' })));
  const k = await kubectl('apply', '-f', file);
  assert.is(k.code, 1);
  assert.match(k.stderr, 'namespaces "nope" not found');
});

test.run();
