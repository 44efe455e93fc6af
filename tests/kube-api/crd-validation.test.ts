/**
 * The local Kubernetes API validates DestinationRules as kube-apiserver validates a custom
 * resource (src/kube-api/crd-validation.ts): kube-openapi's schema validator with
 * apiextensions' field-error conversion, then the CEL rules of Istio 1.29.6's CRD (1.22.8 has
 * none: the same object is admitted there), blocking errors as strategy.go hasBlockingErr, and
 * ratcheting on updates. Every status, reason, message and cause is the real server's wording
 * (sources cited in the src files). Istio's webhook is off here (webhook: false) except where
 * the order of the two is the point. Skips when ../shared/data/istio-crds is absent.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { readCrdFile, startKubeApi, type CrdSet, type KubeApi, type Obj } from '../../src/kube-api/index.js';
import { kubeconfigText } from '../../src/kube-api/kubeconfig.js';
import { istioCrdFile, type IstioRelease } from '../cluster/fake-crd-schema.js';
import { call, runKubectl } from './helpers.js';
import { ClusterApplier } from '../../src/cluster/applier.js';
import { Journal } from '../../src/cluster/journal.js';
import { loadConnection } from '../../src/cluster/kubeconfig.js';
import { ExitCode, MeshproofError } from '../../src/errors.js';
import { loadPolicyText } from '../../src/policy/load.js';

const DRS = '/apis/networking.istio.io/v1/namespaces/default/destinationrules';
const dr = (spec: Obj, name = 'productpage', extra: Obj = {}) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: { name, ...extra },
  spec,
});
const PREFIX = 'DestinationRule.networking.istio.io "productpage" is invalid: ';
const NOT_CHECKED = {
  reason: 'FieldValueInvalid',
  message:
    'Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
  field: '<nil>',
};

const files = { '1.29.6': istioCrdFile('1.29.6'), '1.22.8': istioCrdFile('1.22.8') };
const have = files['1.29.6'] !== undefined && files['1.22.8'] !== undefined;
const skip = () => console.log('  skipped: ../shared/data/istio-crds is absent');

async function withApi<T>(
  release: IstioRelease,
  fn: (api: KubeApi) => Promise<T>,
  opts: { seed?: Obj[]; crds?: CrdSet; webhook?: boolean } = {},
): Promise<T> {
  const api = await startKubeApi({
    crds: opts.crds ?? readCrdFile(files[release]!),
    webhook: opts.webhook ?? false,
    seed: opts.seed,
  });
  try {
    return await fn(api);
  } finally {
    await api.stop();
  }
}
/** A temp folder holding a kubeconfig for `api`, removed after `fn`. */
async function withKubeconfig<T>(api: KubeApi, fn: (dir: string, kubeconfig: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshproof-crdv-'));
  try {
    const kubeconfig = path.join(dir, 'kubeconfig');
    fs.writeFileSync(kubeconfig, kubeconfigText(api.url));
    return await fn(dir, kubeconfig);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
const create = (api: KubeApi, body: Obj) => call(api.url, 'POST', DRS, body);
/** code, reason, message and causes of an answer */
const answer = (r: { status: number; json: any }) => ({
  status: r.status,
  reason: r.json.reason,
  message: r.json.message,
  causes: r.json.details?.causes,
});

test('maximum of a uint32 wrapper: 4294967296 is 422 "Invalid value: 4294967296: … in body should be less than or equal to 4294967295" on 1.29.6 and 1.22.8 alike; -1 is "greater than or equal to 0"; the limit of a float is printed as Go\'s %v', async () => {
  if (!have) return skip();
  const field = 'spec.trafficPolicy.outlierDetection.consecutive5xxErrors';
  for (const release of ['1.29.6', '1.22.8'] as const)
    await withApi(release, async (api) => {
      const r = await create(
        api,
        dr({ host: 'p', trafficPolicy: { outlierDetection: { consecutive5xxErrors: 4294967296 } } }),
      );
      const body = `Invalid value: 4294967296: ${field} in body should be less than or equal to 4294967295`;
      assert.equal(answer(r), {
        status: 422,
        reason: 'Invalid',
        message: `${PREFIX}${field}: ${body}`,
        causes: [{ reason: 'FieldValueInvalid', message: body, field }],
      });
      assert.equal(r.json.details.kind, 'DestinationRule');
      assert.equal(r.json.details.group, 'networking.istio.io');
      const low = await create(
        api,
        dr({ host: 'p', trafficPolicy: { outlierDetection: { consecutive5xxErrors: -1 } } }),
      );
      assert.is(
        low.json.message,
        `${PREFIX}${field}: Invalid value: -1: ${field} in body should be greater than or equal to 0`,
      );
      assert.is(api.store.list('destinationrules').length, 0, release);
    });
  // retryBudget.percent (1.29.6 only): a double with maximum 100
  await withApi('1.29.6', async (api) => {
    const f = 'spec.trafficPolicy.retryBudget.percent';
    const r = await create(api, dr({ host: 'p', trafficPolicy: { retryBudget: { percent: 100.5 } } }));
    assert.is(r.json.message, `${PREFIX}${f}: Invalid value: 100.5: ${f} in body should be less than or equal to 100`);
    assert.is((await create(api, dr({ host: 'p', trafficPolicy: { retryBudget: { percent: 100 } } }))).status, 201);
  });
});

test('a number beyond int64 (1e20) is a float64 to the apiserver (util/json: Int64, else Float64): TypeInvalid "number" for an integer field, and the maximum check prints both as %v floats', async () => {
  if (!have) return skip();
  const field = 'spec.trafficPolicy.outlierDetection.consecutive5xxErrors';
  await withApi('1.22.8', async (api) => {
    const r = await create(api, dr({ host: 'p', trafficPolicy: { outlierDetection: { consecutive5xxErrors: 1e20 } } }));
    assert.equal(r.json.details.causes, [
      {
        reason: 'FieldValueTypeInvalid',
        message: `Invalid value: "number": ${field} in body must be of type integer: "number"`,
        field,
      },
      {
        reason: 'FieldValueInvalid',
        message: `Invalid value: 1e+20: ${field} in body should be less than or equal to 4.294967295e+09`,
        field,
      },
    ]);
    // the largest int64 the JSON text can name is still an integer (its limit printed as %d)
    const big = await create(
      api,
      dr({ host: 'p', trafficPolicy: { outlierDetection: { consecutive5xxErrors: 2 ** 62 } } }),
    );
    assert.is(
      big.json.message,
      `${PREFIX}${field}: Invalid value: 4611686018427387904: ${field} in body should be less than or equal to 4294967295`,
    );
  });
});

test("format int32 is stripped (apiextensions supports no int32 format): maxEjectionPercent 101 and maxConnections 4294967296 pass the schema — only Istio's webhook refuses 101", async () => {
  if (!have) return skip();
  await withApi('1.29.6', async (api) => {
    const r = await create(
      api,
      dr({
        host: 'p',
        trafficPolicy: {
          outlierDetection: { maxEjectionPercent: 101 },
          connectionPool: { tcp: { maxConnections: 4294967296 } },
        },
      }),
    );
    assert.is(r.status, 201, JSON.stringify(r.json));
  });
  await withApi(
    '1.29.6',
    async (api) => {
      const r = await create(api, dr({ host: 'p', trafficPolicy: { outlierDetection: { maxEjectionPercent: 101 } } }));
      assert.is(r.status, 403);
      assert.match(r.json.message, 'admission webhook "validation.istio.io" denied the request');
    },
    { webhook: true },
  );
});

test('oneOf: loadBalancer with both simple and consistentHash is the composite error at the nil path, value "" (validation.go default branch): "<nil>: Invalid value: \\"\\": \\"spec.trafficPolicy.loadBalancer\\" must validate one and only one schema (oneOf). Found 2 valid alternatives"', async () => {
  if (!have) return skip();
  const detail =
    '"spec.trafficPolicy.loadBalancer" must validate one and only one schema (oneOf). Found 2 valid alternatives';
  for (const release of ['1.29.6', '1.22.8'] as const)
    await withApi(release, async (api) => {
      const r = await create(
        api,
        dr({
          host: 'p',
          trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN', consistentHash: { useSourceIp: true } } },
        }),
      );
      assert.equal(answer(r), {
        status: 422,
        reason: 'Invalid',
        message: `${PREFIX}<nil>: Invalid value: "": ${detail}`,
        causes: [{ reason: 'FieldValueInvalid', message: `Invalid value: "": ${detail}`, field: '<nil>' }],
      });
    });
  // consistentHash's allOf of two oneOfs: the oneOf's error, then the allOf's
  await withApi('1.29.6', async (api) => {
    const r = await create(
      api,
      dr({
        host: 'p',
        trafficPolicy: { loadBalancer: { consistentHash: { useSourceIp: true, httpHeaderName: 'x' } } },
      }),
    );
    const at = '"spec.trafficPolicy.loadBalancer.consistentHash"';
    assert.equal(
      r.json.details.causes.map((c: Obj) => c.message),
      [
        `Invalid value: "": ${at} must validate one and only one schema (oneOf). Found 2 valid alternatives`,
        `Invalid value: "": ${at} must validate all the schemas (allOf)`,
      ],
    );
  });
});

test('enum: an unlisted loadBalancer.simple is NotSupported with the supported values; with CEL rules in the schema (1.29.6) a blocking error adds "<nil>: … some validation rules were not checked", without (1.22.8) it does not', async () => {
  if (!have) return skip();
  const f = 'spec.trafficPolicy.loadBalancer.simple';
  const unsupported = {
    reason: 'FieldValueNotSupported',
    message:
      'Unsupported value: "FASTEST": supported values: "UNSPECIFIED", "LEAST_CONN", "RANDOM", "PASSTHROUGH", "ROUND_ROBIN", "LEAST_REQUEST"',
    field: f,
  };
  const body = dr({ host: 'p', trafficPolicy: { loadBalancer: { simple: 'FASTEST' } } });
  await withApi('1.29.6', async (api) => {
    assert.equal(answer(await create(api, body)), {
      status: 422,
      reason: 'Invalid',
      message: `${PREFIX}[${f}: ${unsupported.message}, <nil>: ${NOT_CHECKED.message}]`,
      causes: [unsupported, NOT_CHECKED],
    });
  });
  await withApi('1.22.8', async (api) => {
    const r = await create(api, body);
    assert.equal(r.json.details.causes, [unsupported]);
    assert.is(r.json.message, `${PREFIX}${f}: ${unsupported.message}`);
  });
});

test('a wrong type on create is kube-openapi\'s TypeInvalid (`Invalid value: "string": … in body must be of type integer: "string"`), then a missing required host, in one 422 (before: an SMD-style "expected numeric" message)', async () => {
  if (!have) return skip();
  const f = 'spec.trafficPolicy.connectionPool.tcp.maxConnections';
  await withApi('1.22.8', async (api) => {
    const r = await create(api, dr({ trafficPolicy: { connectionPool: { tcp: { maxConnections: 'many' } } } }));
    assert.equal(r.json.details.causes, [
      {
        reason: 'FieldValueTypeInvalid',
        message: `Invalid value: "string": ${f} in body must be of type integer: "string"`,
        field: f,
      },
      { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.host' },
    ]);
    const half = await create(
      api,
      dr({ host: 'p', trafficPolicy: { connectionPool: { http: { http1MaxPendingRequests: 1.5 } } } }),
    );
    const h = 'spec.trafficPolicy.connectionPool.http.http1MaxPendingRequests';
    assert.is(
      half.json.message,
      `${PREFIX}${h}: Invalid value: "number": ${h} in body must be of type integer: "number"`,
    );
  });
});

test('CEL (1.29.6): connectTimeout "0.5ms" fails `duration(self) >= duration(\'1ms\')` with its message, value the schema type; "abc" is an evaluation error; 1.22.8 (no rules) admits both', async () => {
  if (!have) return skip();
  const f = 'spec.trafficPolicy.connectionPool.tcp.connectTimeout';
  const timeout = (t: string) => dr({ host: 'p', trafficPolicy: { connectionPool: { tcp: { connectTimeout: t } } } });
  await withApi('1.29.6', async (api) => {
    assert.equal(answer(await create(api, timeout('0.5ms'))), {
      status: 422,
      reason: 'Invalid',
      message: `${PREFIX}${f}: Invalid value: "string": must be a valid duration greater than 1ms`,
      causes: [
        {
          reason: 'FieldValueInvalid',
          message: 'Invalid value: "string": must be a valid duration greater than 1ms',
          field: f,
        },
      ],
    });
    const bad = await create(api, timeout('abc'));
    assert.is(
      bad.json.message,
      `${PREFIX}${f}: Invalid value: "string": type conversion error from 'string' to 'google.protobuf.Duration' evaluating rule: must be a valid duration greater than 1ms`,
    );
    // Go time.ParseDuration forms; 1ms is the limit itself (>=)
    for (const [i, ok] of ['1ms', '1000us', '.001s', '1h'].entries()) {
      const r = await create(api, { ...timeout(ok), metadata: { name: `ok-${i}` } });
      assert.is(r.status, 201, ok);
    }
  });
  await withApi('1.22.8', async (api) => {
    assert.is((await create(api, timeout('0.5ms'))).status, 201);
    assert.is((await create(api, { ...timeout('abc'), metadata: { name: 'other' } })).status, 201);
  });
});

test('CEL (1.29.6): workloadSelector.matchLabels — a wildcard key, an empty key (rules on the map: value "object") and a wildcard value (rule on the values: path[key]); a value over maxLength 63 is TooLong and blocks the rules', async () => {
  if (!have) return skip();
  const m = 'spec.workloadSelector.matchLabels';
  await withApi('1.29.6', async (api) => {
    const r = await create(
      api,
      dr({ host: 'p', workloadSelector: { matchLabels: { 'app*': 'x', '': 'y', app: 'v*' } } }),
    );
    assert.equal(r.json.details.causes, [
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "object": wildcard not allowed in label key match',
        field: m,
      },
      { reason: 'FieldValueInvalid', message: 'Invalid value: "object": key must not be empty', field: m },
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "string": wildcard not allowed in label value match',
        field: `${m}[app]`,
      },
    ]);
    const long = await create(api, dr({ host: 'p', workloadSelector: { matchLabels: { 'app*': 'x'.repeat(64) } } }));
    assert.equal(long.json.details.causes, [
      { reason: 'FieldValueTooLong', message: 'Too long: may not be more than 63 bytes', field: `${m}.app*` },
      NOT_CHECKED,
    ]);
  });
  await withApi('1.22.8', async (api) => {
    assert.is((await create(api, dr({ host: 'p', workloadSelector: { matchLabels: { 'app*': 'v*' } } }))).status, 201);
  });
});

test("ratcheting on update: a stored object's unchanged invalid fields pass (a schema error silently, a rule failure as a Warning header); changing the invalid field to another invalid value is 422", async () => {
  if (!have) return skip();
  const old = dr(
    {
      host: 'p',
      trafficPolicy: {
        outlierDetection: { consecutive5xxErrors: 4294967296 },
        connectionPool: { tcp: { connectTimeout: '0.5ms' } },
      },
    },
    'productpage',
  );
  await withApi(
    '1.29.6',
    async (api) => {
      const stored = (await call(api.url, 'GET', `${DRS}/productpage`)).json;
      const next = { ...stored, spec: { ...stored.spec, host: 'reviews' } };
      const r = await call(api.url, 'PUT', `${DRS}/productpage`, next);
      assert.is(r.status, 200, JSON.stringify(r.json));
      assert.is(
        r.headers.get('warning'),
        '299 - "spec.trafficPolicy.connectionPool.tcp.connectTimeout: Invalid value: \\"string\\": must be a valid duration greater than 1ms"',
      );
      // a merge patch that touches the invalid value: no longer ratcheted
      const f = 'spec.trafficPolicy.outlierDetection.consecutive5xxErrors';
      const p = await call(
        api.url,
        'PATCH',
        `${DRS}/productpage`,
        { spec: { trafficPolicy: { outlierDetection: { consecutive5xxErrors: 4294967297 } } } },
        'application/merge-patch+json',
      );
      assert.is(p.status, 422);
      assert.is(
        p.json.message,
        `${PREFIX}${f}: Invalid value: 4294967297: ${f} in body should be less than or equal to 4294967295`,
      );
      // a create is never ratcheted
      const again = await create(api, { ...old, metadata: { name: 'other' } });
      assert.is(again.status, 422);
      assert.is(again.json.details.causes.length, 2);
    },
    { seed: [old] },
  );
});

test('a rule of a form the local API does not evaluate: the write is admitted with a Warning naming the rule and the field (not silently, not refused)', async () => {
  if (!have) return skip();
  const crds = readCrdFile(files['1.29.6']!);
  const v1 = crds.destinationrules.versions.find((v) => v.name === 'v1')!;
  v1.schema.properties.spec.properties.host['x-kubernetes-validations'] = [
    { rule: "self.matches('^[a-z.]+$')", message: 'host must be lower case' },
  ];
  await withApi(
    '1.29.6',
    async (api) => {
      const r = await create(api, dr({ host: 'P' }));
      assert.is(r.status, 201);
      assert.is(
        r.headers.get('warning'),
        `299 - "meshproof: spec.host: x-kubernetes-validations rule 'self.matches('^[a-z.]+$')' was not evaluated (the local Kubernetes API evaluates only the rule forms of Istio's CRDs)"`,
      );
    },
    { crds },
  );
});

test("the schema answers before Istio's webhook (strategy Validate runs before validating admission): an object both refuse is the 422, not the 403", async () => {
  if (!have) return skip();
  await withApi(
    '1.29.6',
    async (api) => {
      const r = await create(
        api,
        dr({ host: 'p', trafficPolicy: { outlierDetection: { consecutive5xxErrors: -1, maxEjectionPercent: 101 } } }),
      );
      assert.is(r.status, 422);
      assert.is(r.json.details.causes[0].field, 'spec.trafficPolicy.outlierDetection.consecutive5xxErrors');
    },
    { webhook: true },
  );
});

test("kubectl apply of an invalid DestinationRule prints the server's 422 and exits 1", async () => {
  if (!have) return skip();
  await withApi('1.29.6', (api) =>
    withKubeconfig(api, async (dir, kubeconfig) => {
      const file = path.join(dir, 'dr.yaml');
      fs.writeFileSync(
        file,
        YAML.stringify(dr({ host: 'p', trafficPolicy: { connectionPool: { tcp: { connectTimeout: '0.5ms' } } } })),
      );
      const k = await runKubectl(kubeconfig, 'apply', '-n', 'default', '-f', file);
      if (String(k.code) === 'ENOENT') return void console.log('  skipped: kubectl is not installed');
      assert.is(k.code, 1);
      assert.is(
        k.stderr.trim(),
        `The DestinationRule "productpage" is invalid: spec.trafficPolicy.connectionPool.tcp.connectTimeout: Invalid value: "string": must be a valid duration greater than 1ms`,
      );
    }),
  );
});

test("meshproof's cluster path: a schema 422 on apply is the policy's error (exit 2) at the rejected field's file:line:col, with the server's message; nothing stored", async () => {
  if (!have) return skip();
  await withApi('1.29.6', async (api) => {
    const err = await applyRefused(
      api,
      'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: productpage\nspec:\n  host: productpage\n  trafficPolicy:\n    connectionPool:\n      tcp:\n        connectTimeout: 0.5ms\n',
      'policies/timeout.yaml',
    );
    assert.is(err.exitCode, ExitCode.usage);
    assert.is(
      err.message,
      'policies/timeout.yaml:10:9: the cluster rejected destinationrules.networking.istio.io "productpage": DestinationRule.networking.istio.io "productpage" is invalid: spec.trafficPolicy.connectionPool.tcp.connectTimeout: Invalid value: "string": must be a valid duration greater than 1ms',
    );
    assert.is(api.store.list('destinationrules').length, 0);
  });
});

/** What meshproof's applier throws when the local API refuses `text` (named `file`). */
async function applyRefused(api: KubeApi, text: string, file: string): Promise<MeshproofError> {
  return withKubeconfig(api, async (dir, kubeconfig) => {
    const applier = new ClusterApplier({
      conn: await loadConnection({ kubeconfig }),
      runId: 'run-422',
      journal: new Journal(path.join(dir, 'journal')),
      log: () => {},
    });
    const err = await applier.apply(loadPolicyText(text, file)).then(
      () => undefined,
      (e) => e,
    );
    assert.instance(err, MeshproofError);
    return err;
  });
}

test("meshproof's cluster path: a 422 on a label value points at that label's line, a key with dots included (field.Path.Key: matchLabels[app.kubernetes.io/name])", async () => {
  if (!have) return skip();
  await withApi('1.29.6', async (api) => {
    const err = await applyRefused(
      api,
      'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: productpage\nspec:\n  host: productpage\n  workloadSelector:\n    matchLabels:\n      tier: web\n      app.kubernetes.io/name: reviews*\n',
      'policies/selector.yaml',
    );
    assert.match(
      err.message,
      /^policies\/selector\.yaml:10:7: .* spec\.workloadSelector\.matchLabels\[app\.kubernetes\.io\/name\]: Invalid value: "string": wildcard not allowed in label value match$/,
    );
  });
});

test("VirtualService: a rule inside a list item names the index (spec.http[0].timeout); ratcheting judges a list as a whole (Istio's lists are atomic): another item changed is 422, only hosts changed passes with a Warning", async () => {
  if (!have) return skip();
  const VSS = '/apis/networking.istio.io/v1/namespaces/default/virtualservices';
  const vs = (http: Obj[], hosts = ['productpage'], name = 'productpage') => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name },
    spec: { hosts, http },
  });
  const route = [{ destination: { host: 'productpage' } }];
  const slow = { route, timeout: '0.5ms' };
  const message =
    'VirtualService.networking.istio.io "other" is invalid: spec.http[0].timeout: Invalid value: "string": must be a valid duration greater than 1ms';
  await withApi(
    '1.29.6',
    async (api) => {
      const created = await call(api.url, 'POST', VSS, vs([slow], ['other'], 'other'));
      assert.equal([created.status, created.json.message], [422, message]);
      const stored = (await call(api.url, 'GET', `${VSS}/productpage`)).json;
      const hostsOnly = await call(api.url, 'PUT', `${VSS}/productpage`, {
        ...stored,
        spec: { ...stored.spec, hosts: ['productpage', 'pp'] },
      });
      assert.is(hostsOnly.status, 200, JSON.stringify(hostsOnly.json));
      assert.is(
        hostsOnly.headers.get('warning'),
        '299 - "spec.http[0].timeout: Invalid value: \\"string\\": must be a valid duration greater than 1ms"',
      );
      const again = (await call(api.url, 'GET', `${VSS}/productpage`)).json;
      const secondRoute = await call(api.url, 'PUT', `${VSS}/productpage`, {
        ...again,
        spec: { ...again.spec, http: [slow, { route }] },
      });
      assert.is(secondRoute.status, 422);
      assert.is(secondRoute.json.details.causes[0].field, 'spec.http[0].timeout');
    },
    { seed: [vs([slow])] },
  );
});

test.run();
