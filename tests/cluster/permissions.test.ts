/**
 * Permissions first (issue 13 item 9): every verb a run needs is asked with
 * SelfSubjectAccessReview before any load; a missing one is exit 3 naming verb, resource,
 * namespace and why. The fake answers reviews as kube-apiserver does (fake-apiserver.ts).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createClusterTarget } from '../../src/cluster/target.js';
import { checkPermissions, requiredAccess, type AccessNeed } from '../../src/cluster/permissions.js';
import { ExitCode } from '../../src/errors.js';
import { setup, policies, type Env } from './helpers.js';

let env: Env;
test.before.each(async () => {
  env = await setup();
  env.fake.pods.push({ name: 'gw-a', namespace: 'istio-system', labels: { istio: 'ingressgateway' } });
});
test.after.each(() => env.cleanup());

const open = async (dryRun = false) =>
  createClusterTarget({
    kubeconfig: env.kubeconfig,
    target: 'http://127.0.0.1:8080',
    runId: 'r',
    journalDir: env.journalDir,
    policies: await policies('route-timeout.yaml', 'connection-pool.yaml'),
    dryRun,
    log: () => {},
  });

test('every verb the run uses is asked once: 5 per policy resource, list pods, pods/proxy get, pods/portforward get+create', async () => {
  const t = await open();
  assert.match(t.describe, 'permissions: every verb the run needs is allowed (SelfSubjectAccessReview)');
  // asked all at once, so they may reach the server in any order
  const asked = env.fake.accessReviews
    .map((r) => `${r.verb} ${r.resource}${r.subresource ? `/${r.subresource}` : ''} ${r.namespace}`)
    .sort();
  assert.equal(
    asked,
    [
      ...['get', 'patch', 'create', 'update', 'delete'].map((v) => `${v} virtualservices default`),
      ...['get', 'patch', 'create', 'update', 'delete'].map((v) => `${v} destinationrules default`),
      'list pods istio-system',
      'get pods/proxy istio-system',
      'get pods/portforward istio-system',
      'create pods/portforward istio-system',
    ].sort(),
  );
  assert.ok(
    env.fake.accessReviews.every(
      (r) =>
        r.group ===
        (String(r.resource).endsWith('services') || String(r.resource).endsWith('rules') ? 'networking.istio.io' : ''),
    ),
  );
});

test('no patch right: exit 3 before anything is read, applied or loaded, naming each refused verb and why', async () => {
  env.fake.mode = 'forbidden';
  env.fake.forbiddenVerbs = new Set(['patch']);
  const err = await open().then(
    () => undefined,
    (e) => e,
  );
  assert.is(err?.exitCode, ExitCode.infra);
  assert.is(
    err.message,
    `forbidden before any load: the Kubernetes API at ${env.fake.url} would refuse to patch virtualservices.networking.istio.io in namespace "default" (server-side apply); patch destinationrules.networking.istio.io in namespace "default" (server-side apply) (asked with SelfSubjectAccessReview); grant the Role in the README section "Pointing it at a real cluster"`,
  );
  assert.not.ok(
    env.fake.requests.some((r) => r.path.startsWith('/apis/networking.istio.io/v1/') || r.path.includes('/pods')),
    'no policy object or pod was touched',
  );
});

test('a dry run needs only get and patch on the policies, and no Envoy admin access', async () => {
  env.fake.mode = 'forbidden';
  env.fake.forbiddenVerbs = new Set(['create', 'update', 'delete']);
  await open(true);
  assert.is(env.fake.accessReviews.length, 2 * 2 + 1);
});

test('admin access: the pod proxy or a port-forward (get and create) suffices; neither is one missing need naming both ways', async () => {
  const rules = requiredAccess({ keys: [], gatewayNamespace: 'istio-system', discoverTarget: false });
  const deny = (refused: string[]) => async (n: AccessNeed) => ({
    allowed: !refused.includes(`${n.verb} ${n.resource}/${n.subresource ?? ''}`),
  });
  assert.is(await checkPermissions(rules, deny(['get pods/proxy']), 's'), undefined);
  assert.is(await checkPermissions(rules, deny(['create pods/portforward']), 's'), undefined);
  const err = await checkPermissions(rules, deny(['get pods/proxy', 'create pods/portforward']), 's').then(
    () => undefined,
    (e) => e,
  );
  assert.match(
    err.message,
    `would refuse to get pods/proxy in namespace "istio-system", or create pods/portforward in namespace "istio-system" (read each replica's Envoy /config_dump and /stats)`,
  );
});

test('a review API that fails is no verdict: a note, and the run goes on', async () => {
  const rules = requiredAccess({ keys: [], gatewayNamespace: 'istio-system', discoverTarget: true });
  const note = await checkPermissions(
    rules,
    async () => {
      throw new Error('404 page not found');
    },
    'https://k8s',
  );
  assert.is(
    note,
    'permissions not checked up front: SelfSubjectAccessReview at https://k8s failed (404 page not found); a missing permission shows when it is used',
  );
});

test('the fake answers a SelfSubjectAccessReview in the real shape: 201, the review echoed, status {allowed} / {allowed:false} (no reason from RBAC), 422 for an empty spec', async () => {
  // JSON only, as client-node sends it; kubectl sends protobuf for built-in kinds, which the fake does not decode
  const post = (spec: object) =>
    fetch(`${env.fake.url}/apis/authorization.k8s.io/v1/selfsubjectaccessreviews`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec }),
    });
  const attrs = { verb: 'delete', group: 'networking.istio.io', resource: 'destinationrules', namespace: 'default' };
  const yes = await post({ resourceAttributes: attrs });
  assert.is(yes.status, 201);
  const y = (await yes.json()) as {
    kind: string;
    apiVersion: string;
    spec: unknown;
    status: { allowed: boolean; denied?: boolean; reason: string };
  };
  assert.equal(
    [y.kind, y.apiVersion, y.spec, y.status.allowed, y.status.denied],
    ['SelfSubjectAccessReview', 'authorization.k8s.io/v1', { resourceAttributes: attrs }, true, undefined],
  );
  assert.match(y.status.reason, /^RBAC: allowed by /);
  env.fake.mode = 'forbidden';
  env.fake.forbiddenVerbs = new Set(['delete']);
  const no = await post({ resourceAttributes: attrs });
  assert.equal([no.status, ((await no.json()) as { status: unknown }).status], [201, { allowed: false }]);
  const bad = await post({});
  assert.equal([bad.status, ((await bad.json()) as { reason: string }).reason], [422, 'Invalid']);
});

test.run();
