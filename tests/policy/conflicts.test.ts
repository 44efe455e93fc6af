/** Policy-set conflicts (issue 13 item 10): one object twice, or outside the local mesh's namespace, found before anything runs. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadPolicies, formatFinding } from '../../src/policy/index.js';
import { policySetConflicts } from '../../src/policy/conflicts.js';

const DIR = 'tests/fixtures/policy/conflicts';

test('the same DestinationRule twice in one file: one error at the second, naming the first (file:line:col both)', async () => {
  const findings = policySetConflicts(await loadPolicies([`${DIR}/twice.yaml`]));
  assert.equal(findings.map(formatFinding), [
    `${DIR}/twice.yaml:15:3: error: metadata.name: DestinationRule default/productpage is already defined at ${DIR}/twice.yaml:5:3: one policy set may name an object once (the later one would silently replace the earlier)`,
  ]);
});

test('"default/productpage" and an unnamespaced "productpage" are one object once the run namespace is default, two when it is not', async () => {
  const docs = await loadPolicies(['policies/connection-pool.yaml', `${DIR}/no-ns.yaml`]);
  assert.is(policySetConflicts(docs, { defaultNamespace: 'default' }).length, 1);
  assert.is(policySetConflicts(docs, { defaultNamespace: 'shop' }).length, 0);
  assert.is(policySetConflicts(docs).length, 0, 'unknown run namespace: not provably one object');
});

test('across files only between files of one set; the repo policies/ folder (three DRs named productpage, alternatives) is no conflict when found in a folder', async () => {
  const docs = await loadPolicies(['policies']);
  const named = new Set<string>();
  assert.is(policySetConflicts(docs, { sameSet: (f) => named.has(f) }).length, 0);
  assert.is(
    policySetConflicts(docs).length,
    4,
    'as one set: 3 DestinationRules and 3 VirtualServices named default/productpage are 2 + 2 duplicates',
  );
});

test('local mesh: an object outside its one namespace is an error at metadata.namespace', async () => {
  const findings = policySetConflicts(await loadPolicies([`${DIR}/other-ns.yaml`]), {
    onlyNamespace: 'default',
    defaultNamespace: 'default',
  });
  assert.equal(findings.map(formatFinding), [
    `${DIR}/other-ns.yaml:6:3: error: metadata.namespace: DestinationRule shop/productpage: the local mesh serves one namespace, "default"; an object in "shop" would never reach its gateway (set metadata.namespace: default, or run against a cluster)`,
  ]);
});

test.run();
