/**
 * Server-side printing (src/kube-api/table.ts): a `kubectl get` asks for a meta.k8s.io Table
 * and gets Istio's printer columns (apiextensions-apiserver tableconvertor), each row's object
 * a PartialObjectMetadata (handlers/response.go asTable); a watch asked for a Table sends one-row
 * Tables; AGE is apimachinery's duration.HumanDuration.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import YAML from 'yaml';
import fs from 'node:fs';
import { startKubeApi, type KubeApi } from '../../src/kube-api/index.js';
import { asTable, humanDuration, PRINTER_COLUMNS, tableVersion } from '../../src/kube-api/table.js';
import { istioCrdFile } from '../cluster/fake-crd-schema.js';
import { call } from './helpers.js';

const TABLE_ACCEPT =
  'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
const VS = '/apis/networking.istio.io/v1/namespaces/default/virtualservices';
const vs = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'productpage' },
  spec: {
    hosts: ['bookinfo.example.com'],
    gateways: ['bookinfo-gateway'],
    http: [{ route: [{ destination: { host: 'productpage', port: { number: 9080 } } }] }],
  },
};

let api: KubeApi;
test.before.each(async () => {
  api = await startKubeApi();
});
test.after.each(async () => {
  await api.stop();
});

async function getTable(path: string): Promise<{ status: number; json: any }> {
  const res = await fetch(`${api.url}${path}`, { headers: { accept: TABLE_ACCEPT } });
  return { status: res.status, json: await res.json() };
}

test("humanDuration: duration.HumanDuration's steps (s below 2m, m+s below 10m, m below 3h, h+m below 8h, h below 2d, d+h below 8d, d, y+d, y)", () => {
  const s = 1000;
  const cases: [number, string][] = [
    [-5 * s, '<invalid>'],
    [-1 * s + 1, '0s'],
    [0, '0s'],
    [119 * s, '119s'],
    [120 * s, '2m'],
    [125 * s, '2m5s'],
    [600 * s, '10m'],
    [179 * 60 * s, '179m'],
    [3 * 3600 * s, '3h'],
    [3 * 3600 * s + 60 * s, '3h1m'],
    [47 * 3600 * s, '47h'],
    [50 * 3600 * s, '2d2h'],
    [72 * 3600 * s, '3d'],
    [400 * 86400 * s, '400d'],
    [(730 + 3) * 86400 * s, '2y3d'],
    [9 * 365 * 86400 * s, '9y'],
  ];
  for (const [ms, want] of cases) assert.is(humanDuration(ms), want, `${ms} ms`);
});

test('Accept: a meta.k8s.io Table v1 first, v1beta1 when only it is asked, none for plain JSON', () => {
  const req = (accept?: string) => ({ headers: accept === undefined ? {} : { accept } }) as any;
  assert.is(tableVersion(req(TABLE_ACCEPT)), 'v1');
  assert.is(tableVersion(req('application/json;as=Table;v=v1beta1;g=meta.k8s.io, application/json')), 'v1beta1');
  assert.is(tableVersion(req('application/json')), undefined);
  assert.is(tableVersion(req()), undefined);
});

test("the printer columns are Istio's, in both CRD releases (name, jsonPath, type, description)", () => {
  for (const release of ['1.22.8', '1.29.6'] as const) {
    const file = istioCrdFile(release);
    if (!file) return console.log('  skipped: needs ../shared/data/istio-crds');
    for (const doc of YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
      const crd = doc.toJS();
      const cols = PRINTER_COLUMNS[crd?.spec?.names?.plural];
      if (!cols) continue;
      for (const v of crd.spec.versions)
        assert.equal(
          v.additionalPrinterColumns.map((c: any) => [c.name, c.jsonPath, c.type]),
          cols.map((c) => [c.name, c.jsonPath, c.type]),
          `${release} ${crd.spec.names.plural} ${v.name}`,
        );
    }
  }
});

test('list and get as a Table: Name then Gateways/Hosts (lists as JSON) and Age; rows carry PartialObjectMetadata; a missing value is null', async () => {
  assert.is((await call(api.url, 'POST', VS, vs)).status, 201);
  const list = await getTable(VS);
  assert.is(list.status, 200);
  assert.is(list.json.kind, 'Table');
  assert.is(list.json.apiVersion, 'meta.k8s.io/v1');
  assert.is(list.json.metadata.resourceVersion, api.store.resourceVersion());
  assert.equal(
    list.json.columnDefinitions.map((c: any) => [c.name, c.type, c.format]),
    [
      ['Name', 'string', 'name'],
      ['Gateways', 'string', ''],
      ['Hosts', 'string', ''],
      ['Age', 'date', ''],
    ],
  );
  assert.is(list.json.rows.length, 1);
  const [name, gateways, hosts, age] = list.json.rows[0].cells;
  assert.equal([name, gateways, hosts], ['productpage', '["bookinfo-gateway"]', '["bookinfo.example.com"]']);
  assert.match(age, /^[0-9]s$/);
  assert.is(list.json.rows[0].object.kind, 'PartialObjectMetadata');
  assert.is(list.json.rows[0].object.metadata.namespace, 'default');
  const one = await getTable(`${VS}/productpage`);
  assert.is(one.json.rows.length, 1);
  assert.is(one.json.rows[0].cells[0], 'productpage');
  // without a Table in Accept: the object itself
  const plain = await call(api.url, 'GET', `${VS}/productpage`);
  assert.is(plain.json.kind, 'VirtualService');
  // a DestinationRule without spec.host: its Host cell is null
  const t = asTable(
    'destinationrules',
    'v1',
    [{ metadata: { name: 'x', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: {} }],
    '7',
    Date.parse('2026-01-01T00:02:05Z'),
  );
  assert.equal(t.rows[0].cells, ['x', null, '2m5s']);
});

test.run();
