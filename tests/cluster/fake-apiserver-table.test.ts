/**
 * The fake API server against a table of request → response pairs a real kube-apiserver
 * gives (issue 11 "Make the fake API server honest"). Each row names the source it mirrors;
 * status code, reason and message shape are asserted. Rows that need the real Istio CRDs
 * (../shared/data/istio-crds) are skipped with a message when ../shared is absent.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import YAML from 'yaml';
import { startFakeApiServer, type FakeApiServer } from './fake-apiserver.js';

let fake: FakeApiServer;
test.before.each(async () => {
  fake = await startFakeApiServer();
});
test.after.each(async () => {
  await fake.close();
});

const DR = '/apis/networking.istio.io/v1/namespaces/default/destinationrules';
const dr = (extra: Record<string, unknown> = {}, spec: Record<string, unknown> = { host: 'productpage' }) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: { name: 'productpage', ...extra },
  spec,
});

async function call(
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
  ua = 'kubectl/v1.32.4',
): Promise<{ status: number; json: any }> {
  const res = await fetch(`${fake.url}${path}`, {
    method,
    headers: { 'content-type': contentType, 'user-agent': ua },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}
const apply = (body: unknown, query: string) =>
  call('PATCH', `${DR}/productpage?${query}`, YAML.stringify(body), 'application/apply-patch+yaml');
const fields = (o: any) =>
  Object.fromEntries(o.metadata.managedFields.map((m: any) => [`${m.manager}/${m.operation}`, m.fieldsV1]));

test('POST of an existing name: 409 AlreadyExists, the stored object untouched (handlers/create.go, registry store)', async () => {
  assert.is((await call('POST', DR, dr())).status, 201);
  const again = await call('POST', DR, dr({}, { host: 'other' }));
  assert.is(again.status, 409);
  assert.is(again.json.reason, 'AlreadyExists');
  assert.is(again.json.message, 'destinationrules.networking.istio.io "productpage" already exists');
  assert.is(fake.get('destinationrules', 'default', 'productpage')!.spec.host, 'productpage');
});

test('PUT without metadata.resourceVersion: 422 Invalid naming the resource, after NotFound (registry store.go Update)', async () => {
  // store.go checks existence first (AllowCreateOnUpdate false), then builds the GroupKind
  // from qualifiedResource.Resource: the plural, not the Kind
  const missing = await call('PUT', `${DR}/productpage`, dr());
  assert.is(missing.status, 404);
  assert.is(missing.json.reason, 'NotFound');
  await call('POST', DR, dr());
  const r = await call('PUT', `${DR}/productpage`, dr());
  assert.is(r.status, 422);
  assert.is(r.json.reason, 'Invalid');
  assert.is(
    r.json.message,
    'destinationrules.networking.istio.io "productpage" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update',
  );
  assert.equal([r.json.details.kind, r.json.details.group], ['destinationrules', 'networking.istio.io']);
  assert.equal(r.json.details.causes, [
    {
      reason: 'FieldValueInvalid',
      field: 'metadata.resourceVersion',
      message: 'Invalid value: 0x0: must be specified for an update',
    },
  ]);
});

test('a body whose apiVersion is not the URL\'s: 400 on create/update (handlers/create.go), 400 "Incorrect version specified in apply patch" (structuredmerge.go)', async () => {
  const create = await call('POST', '/apis/networking.istio.io/v1beta1/namespaces/default/destinationrules', dr());
  assert.is(create.status, 400);
  assert.is(
    create.json.message,
    'the API version in the data (networking.istio.io/v1) does not match the expected API version (networking.istio.io/v1beta1)',
  );
  const r = await call(
    'PATCH',
    '/apis/networking.istio.io/v1beta1/namespaces/default/destinationrules/productpage?fieldManager=x',
    YAML.stringify(dr()),
    'application/apply-patch+yaml',
  );
  assert.is(r.status, 400);
  assert.is(
    r.json.message,
    'Incorrect version specified in apply patch. Specified patch version: networking.istio.io/v1, expected: networking.istio.io/v1beta1',
  );
});

test('apply without fieldManager: 422 with a FieldValueRequired cause; force on a merge patch: 422 Forbidden', async () => {
  const r = await apply(dr(), '');
  assert.is(r.status, 422);
  assert.is(
    r.json.message,
    'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
  );
  assert.equal(r.json.details.causes, [
    { reason: 'FieldValueRequired', field: 'fieldManager', message: 'Required value: is required for apply patch' },
  ]);
  await call('POST', DR, dr());
  const m = await call(
    'PATCH',
    `${DR}/productpage?force=true`,
    { spec: { host: 'x' } },
    'application/merge-patch+json',
  );
  assert.is(m.status, 422);
  assert.is(
    m.json.message,
    'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
  );
});

test('apply carrying managedFields: 400 "metadata.managedFields must be nil"; apply with a stale resourceVersion: 409', async () => {
  const withMf = await apply(dr({ managedFields: [{ manager: 'x' }] }), 'fieldManager=alice');
  assert.is(withMf.status, 400);
  assert.is(withMf.json.message, 'metadata.managedFields must be nil');
  assert.is((await apply(dr(), 'fieldManager=alice')).status, 201);
  const stale = await apply(dr({ resourceVersion: '1' }), 'fieldManager=alice');
  assert.is(stale.status, 409);
  assert.match(
    stale.json.message,
    'the object has been modified; please apply your changes to the latest version and try again',
  );
  // stale and conflicting: the field manager's conflict comes first (structuredmerge Apply runs
  // inside the update, before the store compares resourceVersions)
  const both = await apply(dr({ resourceVersion: '1' }, { host: 'other' }), 'fieldManager=bob');
  assert.is(both.status, 409);
  assert.is(both.json.message, 'Apply failed with 1 conflict: conflict with "alice": .spec.host');
});

test('apply of an undeclared field or a wrong type: 500, no reason, "failed to create typed patch object (ns/name; gvk): .path: …" (real CRD schema)', async () => {
  if (!fake.crdsLoaded) return void console.log('  skipped: ../shared/data/istio-crds is absent');
  const r = await apply(
    dr({}, { host: 'p', trafficPolicy: { connectionPool: { tcp: { maxConnection: 1 } } } }),
    'fieldManager=alice',
  );
  assert.is(r.status, 500);
  // metav1.Status.Reason is `omitempty`: no key at all (the JSON once carried "reason": "")
  assert.not.ok('reason' in r.json);
  assert.is(
    r.json.message,
    'failed to create typed patch object (default/productpage; networking.istio.io/v1, Kind=DestinationRule): .spec.trafficPolicy.connectionPool.tcp.maxConnection: field not declared in schema',
  );
  const t = await apply(
    dr({}, { host: 'p', trafficPolicy: { connectionPool: { tcp: { maxConnections: 'many' } } } }),
    'fieldManager=alice',
  );
  assert.is(t.status, 500);
  assert.match(
    t.json.message,
    '.spec.trafficPolicy.connectionPool.tcp.maxConnections: expected numeric (int or float), got string',
  );
  assert.is(fake.get('destinationrules', 'default', 'productpage'), undefined);
});

test('SSA conflict: 409 "Apply failed with 1 conflict: conflict with \\"alice\\": .spec.host" and a FieldManagerConflict cause (conflict.go)', async () => {
  await apply(dr(), 'fieldManager=alice');
  const r = await apply(dr({}, { host: 'other' }), 'fieldManager=bob');
  assert.is(r.status, 409);
  assert.is(r.json.reason, 'Conflict');
  assert.is(r.json.message, 'Apply failed with 1 conflict: conflict with "alice": .spec.host');
  assert.equal(r.json.details.causes, [
    // StatusCause.Type is `json:"reason"` (apimachinery meta/v1 types.go): the key is "reason"
    { reason: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.spec.host' },
  ]);
  // an Update manager is printed with its apiVersion; several conflicts are grouped by manager
  await call(
    'PATCH',
    `${DR}/productpage`,
    { spec: { subsets: [{ name: 'v1' }] } },
    'application/merge-patch+json',
    'kubectl-edit/v1.32.4',
  );
  const two = await apply(dr({}, { host: 'other', subsets: [{ name: 'v2' }] }), 'fieldManager=bob');
  assert.is(
    two.json.message,
    'Apply failed with 2 conflicts: conflicts with "alice":\n- .spec.host\nconflicts with "kubectl-edit" using networking.istio.io/v1:\n- .spec.subsets',
  );
});

test('managedFields: apply keeps other managers\' fields outside the applied set; Update entries carry "." markers; equal values are shared', async () => {
  await call(
    'POST',
    DR,
    dr({ labels: { app: 'p' } }, { host: 'productpage', subsets: [{ name: 'v1' }] }),
    'application/json',
    'kubectl-create/v1.32.4',
  );
  assert.equal(fields(fake.get('destinationrules', 'default', 'productpage')), {
    'kubectl-create/Update': {
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': { '.': {}, 'f:host': {}, 'f:subsets': {} },
    },
  });
  const r = await apply(
    dr({}, { host: 'productpage', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } }),
    'fieldManager=alice',
  );
  assert.is(r.status, 200);
  assert.equal(fields(r.json), {
    'alice/Apply': { 'f:spec': { 'f:host': {}, 'f:trafficPolicy': { 'f:tls': { 'f:mode': {} } } } },
    'kubectl-create/Update': {
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': { '.': {}, 'f:host': {}, 'f:subsets': {} },
    },
  });
  assert.equal(r.json.spec.subsets, [{ name: 'v1' }], 'fields outside the applied set stay');
});

test('a PUT whose managedFields differ from the live ones replaces them (fieldmanager.go decodeLiveOrNew); content unchanged = no Update entry', async () => {
  await apply(dr(), 'fieldManager=alice');
  const snapshot = fake.get('destinationrules', 'default', 'productpage')!;
  // a content change by PUT: .spec.host moves to meshproof (Update); alice keeps nothing → dropped
  const put = await call('PUT', `${DR}/productpage?fieldManager=meshproof`, {
    ...dr({}, { host: 'other' }),
    metadata: { name: 'productpage', resourceVersion: snapshot.metadata.resourceVersion },
  });
  assert.equal(Object.keys(fields(put.json)), ['meshproof/Update']);
  const back = await call('PUT', `${DR}/productpage?fieldManager=meshproof`, {
    ...dr(),
    metadata: { name: 'productpage', resourceVersion: put.json.metadata.resourceVersion },
  });
  assert.equal(Object.keys(fields(back.json)), ['meshproof/Update'], 'one PUT with content cannot give ownership back');
  const owners = await call('PUT', `${DR}/productpage?fieldManager=meshproof`, {
    ...dr(),
    metadata: {
      name: 'productpage',
      resourceVersion: back.json.metadata.resourceVersion,
      managedFields: snapshot.metadata.managedFields,
    },
  });
  assert.equal(owners.json.metadata.managedFields, snapshot.metadata.managedFields, 'verbatim, times included');
  assert.is(
    (await apply(dr({}, { host: 'next' }), 'fieldManager=alice')).status,
    200,
    'the owner applies a change without conflict',
  );
});

test('json-patch is accepted; dry-run keeps the stored resourceVersion and a dry-run create has none; labels: {} is not stored', async () => {
  const dry = await call('POST', `${DR}?dryRun=All`, dr());
  assert.is(dry.status, 201);
  assert.is(dry.json.metadata.resourceVersion, undefined);
  assert.is(fake.get('destinationrules', 'default', 'productpage'), undefined);
  const created = await call('POST', DR, dr());
  const rv = created.json.metadata.resourceVersion;
  const jp = await call(
    'PATCH',
    `${DR}/productpage?dryRun=All`,
    [{ op: 'replace', path: '/spec/host', value: 'x' }],
    'application/json-patch+json',
  );
  assert.is(jp.status, 200);
  assert.is(jp.json.spec.host, 'x');
  assert.is(jp.json.metadata.resourceVersion, rv, 'dry run: the stored resourceVersion');
  const real = await call(
    'PATCH',
    `${DR}/productpage`,
    [
      { op: 'add', path: '/metadata/labels', value: {} },
      { op: 'replace', path: '/spec/host', value: 'y' },
    ],
    'application/json-patch+json',
  );
  assert.is(real.json.spec.host, 'y');
  assert.ok(Number(real.json.metadata.resourceVersion) > Number(rv));
  assert.is('labels' in real.json.metadata, false, 'ObjectMeta labels are omitempty');
  const bad = await call(
    'PATCH',
    `${DR}/productpage`,
    [{ op: 'test', path: '/spec/host', value: 'z' }],
    'application/json-patch+json',
  );
  assert.is(bad.status, 422);
});

test("versions: only the CRD's served versions are routed; pre-1.22 serves v1beta1/v1alpha3 only (404 for v1)", async () => {
  assert.equal(fake.servedVersions, ['v1', 'v1beta1', 'v1alpha3']);
  const old = await startFakeApiServer({ istio: 'pre-1.22' });
  try {
    const r = await fetch(`${old.url}/apis/networking.istio.io/v1/namespaces/default/destinationrules/x`);
    assert.is(r.status, 404);
    const group = (await (await fetch(`${old.url}/apis/networking.istio.io`)).json()) as any;
    assert.equal(group.preferredVersion.version, 'v1beta1');
  } finally {
    await old.close();
  }
});

test.run();
