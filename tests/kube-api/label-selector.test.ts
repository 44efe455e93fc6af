/**
 * `?labelSelector=` as the API server reads it (k8s.io/apimachinery pkg/labels/selector.go
 * Parse and Requirement.Matches): set-based terms, gt/lt, the parser's error texts, and the
 * 400 BadRequest a selector that does not parse gets — on core lists and on Istio objects.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseLabelSelector, SelectorError } from '../../src/kube-api/label-selector.js';
import { startKubeApi, type KubeApi } from '../../src/kube-api/index.js';
import { call, coreFixture } from './helpers.js';

const L = { app: 'productpage', version: 'v1', tier: '3' };
const sel = (s: string) => parseLabelSelector(s)(L);

/** Each selector fails to parse with exactly its message. */
function expectErrors(cases: [string, string][]): void {
  for (const [s, msg] of cases) {
    try {
      parseLabelSelector(s);
      assert.unreachable(`${s} parsed`);
    } catch (e) {
      assert.instance(e, SelectorError, s);
      assert.is((e as Error).message, msg, s);
    }
  }
}

test('selector.go Matches: =, ==, != (missing key matches), in, notin (missing key matches), exists, !, gt, lt', () => {
  const cases: [string, boolean][] = [
    ['app=productpage', true],
    ['app==productpage', true],
    ['app!=productpage', false],
    ['missing!=x', true],
    ['version in (v1,v2)', true],
    ['version in (v2)', false],
    ['version notin (v2, v3)', true],
    ['missing notin (x)', true],
    ['missing in (x)', false],
    ['app', true],
    ['!app', false],
    ['!missing', true],
    ['tier>2', true],
    ['tier<3', false],
    ['app>2', false], // not an integer: no match
    ['app=productpage,version in (v1),!missing', true],
    ['app=productpage,version=v2', false],
    ['  app  =  productpage  ', true],
    ['version in (in, notin, v1)', true], // `in` / `notin` are values inside a set
    ['x in ()', false], // () is the set {""}
    ['app=', false],
    ['', true],
  ];
  for (const [s, want] of cases) assert.is(sel(s), want, s);
});

test("selector.go Parse errors, word for word: what the 400's message says", () => {
  const cases: [string, string][] = [
    ['a in', "unable to parse requirement: found '' expected: '('"],
    ['a IN (b)', "unable to parse requirement: found 'IN', expected: in, notin, =, ==, !=, gt, lt"],
    ['a=b,', "found '', expected: identifier after ','"],
    ['a=b c', "found 'c', expected: ',' or 'end of string'"],
    ['!a=b', "found '=', expected: ',' or 'end of string'"],
    ['a in (b c)', "unable to parse requirement: found 'c', expected: ',' or ')'"],
    ['=a', "found '=', expected: !, identifier, or 'end of string'"],
    [
      'a>x',
      "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be an integer",
    ],
  ];
  expectErrors(cases);
});

const NAME_RULE =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const VALUE_RULE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

test('NewRequirement / validateLabelKey errors: field paths and aggregates as the API server words them', () => {
  const cases: [string, string][] = [
    // parseKeyAndInferOperator validates the key with Parse's nil path: "<nil>" (kube-apiserver's
    // authorizer tests quote 'unable to parse requirement: <nil>: Invalid value: "*bar": name part …')
    ['*bar', `unable to parse requirement: <nil>: Invalid value: "*bar": name part ${NAME_RULE}`],
    [
      'a/',
      `unable to parse requirement: <nil>: Invalid value: "a/": name part must be non-empty; name part ${NAME_RULE}`,
    ],
    [
      `${'k'.repeat(64)}=v`,
      `unable to parse requirement: <nil>: Invalid value: "${'k'.repeat(64)}": name part must be no more than 63 characters`,
    ],
    // the value's path is values[i][key], i its index in the sorted set
    ['a in (b, z-)', `unable to parse requirement: values[1][a]: Invalid value: "z-": ${VALUE_RULE}`],
    // a Gt value that is neither an int64 nor a label value: both errors, one aggregate
    [
      'a>1-',
      `unable to parse requirement: [values[0]: Invalid value: "1-": for 'Gt', 'Lt' operators, the value must be an integer, values[0][a]: Invalid value: "1-": ${VALUE_RULE}]`,
    ],
    // strconv.ParseInt(…, 10, 64): out of range is not an integer
    [
      'a<9223372036854775808',
      `unable to parse requirement: values[0]: Invalid value: "9223372036854775808": for 'Gt', 'Lt' operators, the value must be an integer`,
    ],
  ];
  expectErrors(cases);
  // a label value beyond int64 is not an integer to Matches either
  assert.is(parseLabelSelector('n>1')({ n: '9223372036854775808' }), false);
  assert.is(parseLabelSelector('n>1')({ n: '9223372036854775807' }), true);
});

let api: KubeApi;
test.before(async () => {
  api = await startKubeApi({
    core: coreFixture,
  });
});
test.after(async () => {
  await api.stop();
});

test("set-based selectors on a core list; a selector that does not parse is 400 BadRequest with the parser's words", async () => {
  const r = await call(
    api.url,
    'GET',
    `/api/v1/services?labelSelector=${encodeURIComponent('istio notin (ingressgateway)')}`,
  );
  assert.equal(
    r.json.items.map((s: { metadata: { name: string } }) => s.metadata.name),
    ['app'],
  );
  const bad = await call(api.url, 'GET', `/api/v1/services?labelSelector=${encodeURIComponent('istio in')}`);
  assert.is(bad.status, 400);
  assert.is(bad.json.reason, 'BadRequest');
  assert.is(bad.json.message, "unable to parse requirement: found '' expected: '('");
});

test('label selectors on Istio objects (a real API server filters every list by labels)', async () => {
  const base = '/apis/networking.istio.io/v1/namespaces/default/destinationrules';
  for (const [name, team] of [
    ['a', 'x'],
    ['b', 'y'],
  ])
    assert.is(
      (
        await call(api.url, 'POST', base, {
          apiVersion: 'networking.istio.io/v1',
          kind: 'DestinationRule',
          metadata: { name, namespace: 'default', labels: { team } },
          spec: { host: 'productpage' },
        })
      ).status,
      201,
    );
  const r = await call(api.url, 'GET', `${base}?labelSelector=${encodeURIComponent('team in (y)')}`);
  assert.equal(
    r.json.items.map((o: { metadata: { name: string } }) => o.metadata.name),
    ['b'],
  );
  assert.is((await call(api.url, 'GET', `${base}?labelSelector=team%3D%3D%3D`)).status, 400);
});

test.run();
