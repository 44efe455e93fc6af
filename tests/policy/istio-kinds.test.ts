/**
 * Issue 13 item 16: a kind or version that networking.istio.io does not serve is a validation
 * error (kubectl would answer "no matches for kind"), not a "not checked" note that lets CI go
 * green on a typo. Other networking kinds (Gateway, ServiceEntry, …) stay "not checked".
 */
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAllDocuments } from 'yaml';
import { checkDocs, formatCheckReport } from '../../src/policy/check.js';
import { ISTIO_NETWORKING_KINDS } from '../../src/policy/istio-kinds.js';
import { loadPolicyText } from '../../src/policy/load.js';
import { assertNone, assertOne, validateText } from './helpers.js';

const doc = (apiVersion: string, kind: string) =>
  `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: x\nspec:\n  host: a\n`;

test('kind: DestinationRules is an error at the kind, with a hint', () => {
  assertOne(validateText(doc('networking.istio.io/v1', 'DestinationRules')), {
    path: 'kind',
    line: 2,
    column: 1,
    message:
      '"DestinationRules" is not a kind of networking.istio.io (did you mean "DestinationRule"?); Istio serves ' +
      'DestinationRule, EnvoyFilter, Gateway, ProxyConfig, ServiceEntry, Sidecar, VirtualService, WorkloadEntry, WorkloadGroup',
  });
});

test('networking.istio.io/v2 is an error at apiVersion listing the served versions', () => {
  assertOne(validateText(doc('networking.istio.io/v2', 'DestinationRule')), {
    path: 'apiVersion',
    line: 1,
    column: 1,
    message:
      '"networking.istio.io/v2": Istio serves DestinationRule as networking.istio.io/v1, networking.istio.io/v1alpha3, networking.istio.io/v1beta1',
  });
  assertOne(validateText(doc('networking.istio.io/v1', 'EnvoyFilter')), {
    path: 'apiVersion',
    line: 1,
    column: 1,
    message: '"networking.istio.io/v1": Istio serves EnvoyFilter as networking.istio.io/v1alpha3',
  });
});

test('served networking kinds and other groups stay "not checked" (0 errors, one note each)', () => {
  const text = [
    doc('networking.istio.io/v1', 'Gateway'),
    doc('networking.istio.io/v1beta1', 'ServiceEntry'),
    doc('example.com/v9', 'Widgets'),
  ].join('---\n');
  assertNone(validateText(text));
  const report = checkDocs(['x.yaml'], loadPolicyText(text, 'x.yaml'));
  assert.is(report.errors, 0);
  assert.is(
    formatCheckReport(report)
      .split('\n')
      .filter((l) => l.includes(': note: ')).length,
    3,
  );
});

test('the report has no "not checked" note for a document that already has the kind error', () => {
  const report = checkDocs(['x.yaml'], loadPolicyText(doc('networking.istio.io/v2', 'VirtualService'), 'x.yaml'));
  assert.is(report.errors, 1);
  assert.not.ok(formatCheckReport(report).includes('note:'));
});

// the versions served for DestinationRule, VirtualService and Gateway, held to Istio's real CRDs
const CRDS = new URL('../../../shared/data/istio-crds/', import.meta.url);
for (const file of ['networking-1.22.8.yaml', 'networking-1.29.6.yaml']) {
  test(`kinds and served versions match ${file}`, () => {
    const path = new URL(file, CRDS);
    if (!existsSync(path))
      return console.log(`  skipped: ${path.pathname} absent (../shared is not in a user's clone)`);
    const crds = parseAllDocuments(readFileSync(path, 'utf8')).map(
      (d) =>
        d.toJS() as { spec: { group: string; names: { kind: string }; versions: { name: string; served: boolean }[] } },
    );
    assert.is(crds.length, 3);
    for (const crd of crds) {
      assert.is(crd.spec.group, 'networking.istio.io');
      const served = crd.spec.versions
        .filter((v) => v.served)
        .map((v) => v.name)
        .sort();
      assert.equal([...(ISTIO_NETWORKING_KINDS[crd.spec.names.kind] ?? [])].sort(), served, crd.spec.names.kind);
    }
  });
}

test.run();
