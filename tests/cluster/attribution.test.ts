/**
 * Issue 16 item 3 against the fake API server: the attribution header meshproof adds to each
 * route destination of the VirtualService it applies is applied like any policy field, shows in
 * the dry-run plan, is journaled, and is gone after restore (read back with kubectl).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { ClusterApplier } from '../../src/cluster/applier.js';
import { Journal } from '../../src/cluster/journal.js';
import { loadConnection } from '../../src/cluster/kubeconfig.js';
import { keyOf } from '../../src/ports.js';
import { attribute } from '../../src/experiment/attribution.js';
import { setup, kubectl, getYamlMasked, policies, PRE_EXISTING_VS, type Env } from './helpers.js';

let env: Env;
test.before.each(async () => {
  env = await setup();
  const file = path.join(env.dir, 'vs.yaml');
  fs.writeFileSync(file, PRE_EXISTING_VS);
  const r = await kubectl(env, 'apply', '-f', file);
  assert.is(r.code, 0, r.stderr);
});
test.after.each(async () => {
  await env.cleanup();
});

async function attributedDocs() {
  const { docs, attribution } = attribute(await policies('traffic-shift.yaml'), undefined, 'default');
  assert.ok(attribution?.injected);
  return docs;
}

test('the attribution header is applied per destination, journaled, and gone after restore (kubectl get -o yaml byte-identical, no x-meshproof-subset)', async () => {
  const before = await getYamlMasked(env, 'virtualservice', 'productpage');
  const docs = await attributedDocs();
  const journal = new Journal(env.journalDir);
  const applier = new ClusterApplier({
    conn: await loadConnection({ kubeconfig: env.kubeconfig }),
    runId: 'run-attr',
    journal,
    log: () => {},
  });
  const snap = await applier.snapshot(docs.map((d) => keyOf(d, 'default')));
  await applier.apply(docs);
  const during = await kubectl(
    env,
    'get',
    'virtualservice',
    'productpage',
    '-n',
    'default',
    '-o',
    'jsonpath={.spec.http[0].route[*].headers.response.set.x-meshproof-subset}',
  );
  assert.is(during.stdout.trim(), 'v1 v2');
  const journaled = JSON.stringify(journal.read('run-attr')?.applied ?? []);
  assert.is(journaled.split('x-meshproof-subset').length - 1, 2, 'both destinations journaled with the header');
  await applier.restore(snap);
  const after = await getYamlMasked(env, 'virtualservice', 'productpage');
  assert.is(after, before);
  assert.not.match(after, 'x-meshproof-subset');
  assert.match((await kubectl(env, 'get', 'destinationrule', 'productpage', '-n', 'default')).stderr, /not found/);
});

test('--dry-run plan shows the attribution header on each destination and stores nothing', async () => {
  const docs = await attributedDocs();
  const lines: string[] = [];
  const applier = new ClusterApplier({
    conn: await loadConnection({ kubeconfig: env.kubeconfig }),
    runId: 'run-dry',
    journal: new Journal(env.journalDir),
    log: (l) => lines.push(l),
    dryRun: true,
  });
  await applier.snapshot(docs.map((d) => keyOf(d, 'default')));
  await applier.apply(docs);
  const plan = lines.join('\n');
  assert.match(plan, '"x-meshproof-subset":"v1"');
  assert.match(plan, '"x-meshproof-subset":"v2"');
  assert.not.match(await getYamlMasked(env, 'virtualservice', 'productpage'), 'x-meshproof-subset');
});

test.run();
