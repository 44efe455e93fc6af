/**
 * The local mesh as an experiment target, through the same code as a real cluster (issue 19 item
 * 2): the mesh starts with its Kubernetes API (local-kube-api.ts) and the run opens a cluster
 * target (src/cluster/target.ts) with the kubeconfig that API wrote — server-side apply, the
 * journal, restore with managedFields and its read-back, concurrent-change detection, propagation
 * read from the gateway's `/config_dump` and counters from its `/stats`, both reached as on a
 * cluster: the pod proxy refuses the gateway pod's 127.0.0.1 address (400, as kube-apiserver
 * does) and the reader falls back to the API's port-forward. What stays local: the report calls
 * the target "local mesh · …" (with the emulated proxy's rule, §3.2), the run is `kind: 'local'`
 * (no cluster load cap), the load goes to the mesh's gateway URL (no discovery: it is known), and
 * `/config_dump` is polled every 10 ms (the API and the gateway are on loopback and the push is
 * immediate).
 *
 * The kubeconfig and the journal go to a private folder removed on close, not to
 * reports/.journal: the objects the journal protects live in the API's memory and die with
 * the run, so a journal outliving them could only block a later run — or a real cluster's
 * objects of the same name (Journal.assertNoConflict goes by key) — for nothing. For the same
 * reason it is written without fsync (Journal `durable: false`): the one difference from a
 * cluster run's journal, and half of what a local run's apply and restore cost.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Scenario } from '../scenario/scenario.js';
import type { OpenTarget } from '../ports.js';
import type { PolicyDoc } from '../policy/model.js';
import { startMesh } from '../mesh/index.js';
import { createClusterTarget } from '../cluster/target.js';
import { describeLocalGateway } from '../scenario/local-gateway.js';
import { runIdFor } from '../report/write.js';
import { startLocalKubeApi } from './local-kube-api.js';

/** The local API and gateway answer in microseconds: poll `/config_dump` often so verify adds no visible wait. */
export const LOCAL_POLL_MS = 10;

export interface LocalTargetOptions {
  /** the policies the run applies (gateway counters are selected by them, as on a cluster) */
  policies?: PolicyDoc[];
  /** default: derived from now and the scenario name */
  runId?: string;
  /** where the kubeconfig and the journal go, kept after close (tests); default a private temp folder removed on close */
  stateDir?: string;
  /** human lines from the applier (restore notes) */
  log?: (line: string) => void;
}

export async function openLocalTarget(scenario: Scenario, opts: LocalTargetOptions = {}): Promise<OpenTarget> {
  const { workers, network } = scenario.localGateway;
  const mesh = await startMesh({ app: scenario.local, seed: scenario.seed, workers, network });
  const made = opts.stateDir ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'meshproof-local-'));
  const dir = opts.stateDir ?? made!;
  const stop: (() => Promise<void>)[] = [
    () => mesh.stop(),
    async () => {
      if (made) fs.rmSync(made, { recursive: true, force: true });
    },
  ];
  const close = async () => {
    for (const s of stop.splice(0)) await s();
  };
  try {
    fs.mkdirSync(dir, { recursive: true });
    const api = await startLocalKubeApi(mesh, { kubeconfigOut: path.join(dir, 'kubeconfig') });
    stop.unshift(() => api.stop());
    const gateway = describeLocalGateway(scenario.localGateway);
    const host = scenario.target.host ?? scenario.local.gatewayHost;
    const runId = opts.runId ?? runIdFor(new Date(), scenario.name);
    const t = await createClusterTarget({
      kubeconfig: api.kubeconfig,
      namespace: scenario.policy.namespace ?? scenario.local.service.namespace,
      target: mesh.gatewayUrl,
      host,
      runId,
      journalDir: path.join(dir, 'journal'),
      // its objects die with the run: no power cut can leave one to restore, so no fsync
      durableJournal: false,
      policies: opts.policies,
      log: opts.log,
      description: `local mesh${gateway ? ` · ${gateway}` : ''}, ${mesh.proxyRule}`,
      propagationPollMs: LOCAL_POLL_MS,
    });
    return {
      applier: t.applier,
      target: { url: mesh.gatewayUrl, host, kind: 'local' },
      // the gateway serves from this process's main thread (the orchestrator moves the engine off
      // it); the pods from their own worker thread unless the mesh was started without one
      topology: { mesh: 'in-process', pods: mesh.podThreads > 0 ? 'worker-thread' : 'in-process' },
      namespace: t.namespace,
      counters: t.counters,
      runId,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
