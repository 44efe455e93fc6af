/**
 * One applier (issue 19 item 2): a run on the local mesh goes through the cluster code —
 * server-side apply into the local Kubernetes API, the journal, restore with managedFields and
 * its read-back — and leaves the API's objects, managedFields included, exactly as they were
 * (read through the API, as kubectl would). The journal is closed on a normal end and on an
 * interrupt (SIGINT aborts the run's signal: src/cli/signals.ts).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { mkdtemp, rm, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseScenario, type Scenario } from '../../src/scenario/scenario.js';
import { openLocalTarget } from '../../src/targets/local-target.js';
import { ClusterApplier } from '../../src/cluster/applier.js';
import { runExperiment, ExperimentInterrupted } from '../../src/experiment/orchestrator.js';
import type { OpenTarget } from '../../src/ports.js';
import { FakeEngine } from '../experiment/fakes.js';
import { REPO } from '../cluster/helpers.js';
import { RUN_ID_LABEL } from '../../src/cluster/resources.js';
import { demoScenarioFiles } from '../../src/cli/demo-scenarios.js';
import { loadScenario } from '../../src/scenario/scenario.js';

type Obj = Record<string, any>;
const GROUP = '/apis/networking.istio.io/v1/namespaces/default';

/** The team's own DestinationRule, applied server-side by its own manager before the run. */
const TEAM_DR = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: { name: 'productpage', namespace: 'default', labels: { owner: 'team-shop' } },
  spec: { host: 'productpage', trafficPolicy: { connectionPool: { tcp: { maxConnections: 100 } } } },
};

async function withRun(
  f: (ctx: { dir: string; scenario: Scenario; target: OpenTarget; api: string }) => Promise<void>,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'meshproof-local-run-'));
  await copyFile(join(REPO, 'policies/outlier-detection.yaml'), join(dir, 'od.yaml'));
  await copyFile(join(REPO, 'policies/route-timeout.yaml'), join(dir, 'rt.yaml'));
  const file = join(dir, 'x.yaml');
  await writeFile(
    file,
    'name: local-run\nrepeat: 3\nwarmup: 0s\nload: { executor: constant-vus, vus: 1, duration: 1s }\npolicy: { files: [od.yaml, rt.yaml], settle: 0s }\nexpect: { policy: { http_reqs: ["count>=0"] } }\n',
  );
  const scenario = parseScenario(file, fs.readFileSync(file, 'utf8'));
  const target = await openLocalTarget(scenario, { stateDir: join(dir, 'state'), runId: 'run-local-1', log: () => {} });
  try {
    const api = /server: (\S+)/.exec(fs.readFileSync(join(dir, 'state', 'kubeconfig'), 'utf8'))![1];
    await f({ dir, scenario, target, api });
  } finally {
    await target.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function call(api: string, method: string, path: string, body?: Obj, type = 'application/json'): Promise<Obj> {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: body ? { 'content-type': type } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await res.json()) as Obj;
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${json.message}`);
  return json;
}

/** Every DestinationRule and VirtualService as the API returns it, minus resourceVersion and generation (every write moves them). */
async function objects(api: string): Promise<Obj[]> {
  const out: Obj[] = [];
  for (const plural of ['destinationrules', 'virtualservices'])
    for (const o of (await call(api, 'GET', `${GROUP}/${plural}`)).items as Obj[]) {
      delete o.metadata.resourceVersion;
      delete o.metadata.generation;
      out.push(o);
    }
  return out;
}

function journal(dir: string): Obj {
  return JSON.parse(fs.readFileSync(join(dir, 'state', 'journal', 'run-local-1.json'), 'utf8'));
}

test('the local target is the cluster applier, reached through the kubeconfig its API wrote; the report still says "local mesh", the run stays kind local', async () => {
  await withRun(async ({ target, dir }) => {
    assert.instance(target.applier, ClusterApplier);
    const applier = target.applier as ClusterApplier;
    assert.is(applier.opts.conn.context, 'meshproof-local');
    assert.is(applier.opts.journal.dir, join(dir, 'state', 'journal'));
    assert.is(applier.opts.journal.durable, false, 'no fsync: the objects die with the run');
    assert.match(target.applier.description, /^local mesh · 2 workers, proxy current Envoy /);
    assert.is(target.target.kind, 'local');
    assert.is(target.namespace, 'default');
  });
});

test('a run (B P P B B P) leaves every object and its managedFields exactly as before, read through the API; the policy was applied by server-side apply in between, merged into the team DestinationRule', async () => {
  await withRun(async ({ scenario, target, api, dir }) => {
    await call(
      api,
      'PATCH',
      `${GROUP}/destinationrules/productpage?fieldManager=team-shop`,
      TEAM_DR,
      'application/apply-patch+yaml',
    );
    const before = await objects(api);
    assert.equal(
      before.map((o) => [o.kind, o.metadata.managedFields.map((m: Obj) => m.manager)]),
      [
        ['DestinationRule', ['team-shop']],
        ['VirtualService', [before[1].metadata.managedFields[0].manager]],
      ],
    );
    const during: Obj[] = [];
    const log: string[] = [];
    const engine = new FakeEngine(
      log,
      async () => {
        if (log.at(-1) === 'policy') during.push((await objects(api))[0]);
        return { ok: 10 };
      },
      () => phaseOf(log.length),
    );
    const report = await runExperiment(scenario, {
      applier: target.applier,
      engine,
      target: target.target,
      counters: target.counters,
      runId: target.runId,
    });
    assert.equal(log, ['baseline', 'policy', 'policy', 'baseline', 'baseline', 'policy']);
    assert.is(during.length, 3);
    // the run's apply: the team's maxConnections kept (owned by team-shop), outlierDetection added by meshproof
    assert.equal(during[0].spec.trafficPolicy, {
      connectionPool: { tcp: { maxConnections: 100 } },
      outlierDetection: { consecutive5xxErrors: 3, interval: '1s', baseEjectionTime: '30s', maxEjectionPercent: 67 },
    });
    // sorted: the server orders entries by operation, then time in seconds, then manager (managedfields.go sortEncodedManagedFields)
    assert.equal(during[0].metadata.managedFields.map((m: Obj) => [m.manager, m.operation]).sort(), [
      ['meshproof', 'Apply'],
      ['team-shop', 'Apply'],
    ]);
    assert.is(during[0].metadata.labels[RUN_ID_LABEL], 'run-local-1');
    assert.equal(await objects(api), before, 'objects, labels, annotations and managedFields as before the run');
    assert.is(report.target.kind, 'local');
    assert.is(journal(dir).state, 'done');
  });
});

/** B P P B B P: the label of the n-th call (0-based) */
function phaseOf(n: number): string {
  return ['baseline', 'policy', 'policy', 'baseline', 'baseline', 'policy'][n];
}

test('an interrupt in the policy phase (SIGINT aborts the signal): restored through the API, journal closed', async () => {
  await withRun(async ({ scenario, target, api, dir }) => {
    const before = await objects(api);
    const controller = new AbortController();
    const log: string[] = [];
    let sawPolicy = false;
    const engine = new FakeEngine(
      log,
      async ({ n }) => {
        if (n === 1) {
          sawPolicy = (await objects(api)).some((o) => o.kind === 'DestinationRule');
          controller.abort('SIGINT');
        }
        return { ok: 10 };
      },
      () => phaseOf(log.length),
    );
    const err = await runExperiment(scenario, {
      applier: target.applier,
      engine,
      target: target.target,
      counters: target.counters,
      runId: target.runId,
      signal: controller.signal,
    }).catch((e: unknown) => e);
    assert.instance(err, ExperimentInterrupted);
    assert.ok(sawPolicy, 'the policy was in the API when the interrupt came');
    assert.equal(await objects(api), before);
    const j = journal(dir);
    assert.is(j.state, 'done');
    assert.ok(j.intents.some((i: Obj) => i.action === 'restore'));
  });
});

for (const file of demoScenarioFiles([])) {
  const name = file.replace(/^.*\/|\.yaml$/g, '');
  test(`demo ${name} through the unified path: applied by server-side apply, confirmed in /config_dump, restored with managedFields, journal closed`, async () => {
    const scenario = await loadScenario(file);
    const dir = await mkdtemp(join(tmpdir(), 'meshproof-local-demo-'));
    const target = await openLocalTarget(scenario, { stateDir: dir, runId: 'run-demo', log: () => {} });
    try {
      const api = /server: (\S+)/.exec(fs.readFileSync(join(dir, 'kubeconfig'), 'utf8'))![1];
      const before = await objects(api);
      let applied: Obj[] = [];
      const log: string[] = [];
      const events: string[] = [];
      const engine = new FakeEngine(
        log,
        async () => {
          if (log.at(-1) === 'policy') applied = await objects(api);
          return { ok: 10 };
        },
        () => phaseOf(log.length),
      );
      await runExperiment(
        { ...scenario, warmupMs: 0, policy: { ...scenario.policy, settleMs: 0 } },
        {
          applier: target.applier,
          engine,
          target: target.target,
          counters: target.counters,
          runId: target.runId,
          onEvent: (e) => {
            if (e.type === 'verified') events.push(`verified ${e.result.ok} ${e.result.replicas.map((r) => r.name)}`);
          },
        },
      );
      assert.equal(events, ['verified true istio-ingressgateway-0']);
      assert.ok(
        applied.some((o) => o.metadata.labels?.[RUN_ID_LABEL] === 'run-demo'),
        'the policy phase ran with the policy in the API',
      );
      assert.equal(await objects(api), before);
      const j = JSON.parse(fs.readFileSync(join(dir, 'journal', 'run-demo.json'), 'utf8'));
      assert.is(j.state, 'done');
    } finally {
      await target.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
}

test('without a state folder, the private one holding the kubeconfig and the journal is gone after close', async () => {
  const scenario = parseScenario(
    'scenarios/x.yaml',
    'name: t\nload: { executor: constant-vus, vus: 1, duration: 1s }\npolicy: { files: [x.yaml] }\nexpect: { policy: { http_reqs: ["count>=0"] } }\n',
  );
  const target = await openLocalTarget(scenario);
  const journalDir = (target.applier as ClusterApplier).opts.journal.dir;
  const kubeconfig = join(journalDir, '..', 'kubeconfig');
  assert.match(fs.readFileSync(kubeconfig, 'utf8'), /current-context: meshproof-local/);
  await target.close();
  assert.not.ok(fs.existsSync(join(journalDir, '..')));
});

test.run();
