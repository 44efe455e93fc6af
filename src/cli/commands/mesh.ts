/**
 * `meshproof mesh`: the local mesh standalone, for a workshop's own k6, curl and kubectl.
 * Prints the gateway URL, admin URL, the local Kubernetes API with its kubeconfig, pods, a
 * ready-to-paste curl and kubectl line; stays up until SIGINT, SIGTERM or SIGHUP.
 */
import { once } from 'node:events';
import { defineCommand, jsonOption } from '../command.js';
import { ConfigError, ExitCode, UsageError } from '../../errors.js';
import { checkDocs, checkFailed, formatCheckReport, loadPolicies } from '../../policy/index.js';
import { loadScenario } from '../../scenario/scenario.js';
import { startMesh } from '../../mesh/index.js';
import { formatSummary, meshSummary } from '../../mesh/summary.js';
import { DEFAULT_APP, type AppModel } from '../../mesh/app-model.js';
import type { ClientNetwork } from '../../mesh/client-network.js';
import { DEFAULT_SEED } from '../../util/random.js';
import { guardSignals, type GuardMessages } from '../signals.js';

import { isProxyVersion, PROXY_VERSIONS } from '../../mesh/proxy.js';
import { delayMsFlag, seedFlag } from '../flag-checks.js';
import { parseVersionCounts, podsForVersions, versionedObjects } from '../../mesh/versions.js';
import { escapeControls } from '../../util/text.js';
import { MAX_LOCAL_WORKERS } from '../../scenario/local-gateway.js';
import { refuseConflicts } from '../../experiment/policies.js';
import { readCrdFile, type CrdSet } from '../../kube-api/index.js';
import { startLocalKubeApi, type LocalKubeApi } from '../../targets/local-kube-api.js';

const MESH_MESSAGES: GuardMessages = {
  stopping: () => 'stopping the local mesh…',
  stillWorking: 'meshproof: still stopping the local mesh; press Ctrl-C once more to quit anyway',
  quitting: 'meshproof: quitting before the local mesh stopped',
};

interface MeshArgs {
  scenario?: string;
  policy?: string[];
  pods?: number;
  versions?: string;
  port: number;
  'admin-port': number;
  seed?: number;
  workers?: number;
  'accept-http10': boolean;
  proxy?: string;
  'push-delay': number;
  'access-log'?: string;
  'api-port': number;
  'kubeconfig-out'?: string;
  crds?: string;
  json: boolean;
}

/** Istio's ingress gateway listens on 8080 in the pod; Envoy's admin on 15000. */
const DEFAULT_GATEWAY_PORT = 8080;
const DEFAULT_ADMIN_PORT = 15000;
/**
 * Without a scenario, one worker: Istio's circuit-breaking task (3 parallel curls → one 503,
 * E1) reads as documented only on a single worker; a scenario brings its own `local.workers`.
 */
const STANDALONE_WORKERS = 1;
/** Each pod is a real loopback server; more than this is a typo. */
const MAX_PODS = 50;

export default defineCommand<MeshArgs>({
  command: 'mesh',
  describe:
    'start the local mesh (gateway with Envoy semantics, simulated pods, admin API) and keep it up until Ctrl-C',
  examples: [
    [
      '$0 mesh --policy policies/connection-pool.yaml',
      'the demo app behind a circuit breaker; curl it from another terminal',
    ],
    [
      '$0 mesh --pods 1 --policy policies/connection-pool.yaml',
      "Istio's single-replica circuit-breaking task: 3 parallel curls → one 503 overflow",
    ],
    [
      '$0 mesh --versions v1=2,v2=1 --policy policies/traffic-shift.yaml',
      'two versions of the app (pods labelled version=v1 / v2) behind a 90/10 split',
    ],
    ['$0 mesh --scenario scenarios/outlier-detection.yaml --port 9000', "a scenario's app model on port 9000"],
    [
      '$0 mesh --pods 1 --kubeconfig-out /tmp/mesh.kubeconfig',
      'then `kubectl --kubeconfig /tmp/mesh.kubeconfig apply -f policies/connection-pool.yaml` while load runs',
    ],
  ],
  builder: (y) =>
    y.options({
      scenario: { type: 'string', describe: 'take the app model (`local:`) and seed from this scenario file' },
      policy: {
        type: 'string',
        array: true,
        describe: 'DestinationRule / VirtualService YAML to apply at start (repeatable)',
      },
      pods: {
        type: 'number',
        describe:
          "number of pods (copies of the first pod of the app model); 1 makes the classic single-replica circuit-breaking demo [default: the scenario's, else 3]",
      },
      versions: {
        type: 'string',
        describe:
          'versions of the app and their pods, e.g. v1=2,v2=1: pods <app>-<version>-<i> labelled app and version, for DestinationRule subsets',
      },
      port: {
        type: 'number',
        default: DEFAULT_GATEWAY_PORT,
        describe: 'gateway port on 127.0.0.1 (0 = any free port)',
      },
      'admin-port': {
        type: 'number',
        default: DEFAULT_ADMIN_PORT,
        describe: 'admin API port on 127.0.0.1 (0 = any free port)',
      },
      seed: {
        type: 'number',
        describe: `random seed for pod latency, faults and backoff (default: the scenario's, else ${DEFAULT_SEED})`,
      },
      workers: {
        type: 'number',
        describe:
          "Envoy worker threads to emulate, each with its own connection pools (§2.3); default: the scenario's local.workers, else 1 (the single-worker circuit-breaking story)",
      },
      'accept-http10': {
        type: 'boolean',
        default: false,
        describe: 'serve HTTP/1.0 as Istio does with PILOT_HTTP10=1 (default: 426 Upgrade Required, §6.1)',
      },
      proxy: {
        type: 'string',
        describe: `Envoy whose version-dependent rules to emulate: ${PROXY_VERSIONS.join(' | ')} (default: the scenario's local.proxy, else current; envoy-1.26 = the rules of Envoy ≤ 1.27, e.g. the pre-1.28 outlier ejection cap, for Istio ≤ 1.19)`,
      },
      'push-delay': {
        type: 'number',
        default: 0,
        describe: 'ms between a policy change and the config swap (xDS push delay)',
      },
      'access-log': { type: 'string', describe: 'write an Envoy-style access log (with response flags) to this file' },
      'api-port': {
        type: 'number',
        default: 0,
        describe:
          'port of the local Kubernetes API on 127.0.0.1 (destinationrules, virtualservices; every change pushed to the gateway); 0 = any free port',
      },
      'kubeconfig-out': {
        type: 'string',
        describe:
          'write the kubeconfig (context meshproof-local) here; default: a file in the OS temp dir, removed on stop',
      },
      crds: {
        type: 'string',
        describe:
          "Istio's CRD file (e.g. crd-all.gen.yaml): the API serves its versions and checks writes against its openAPIV3Schema, as a cluster would",
      },
      ...jsonOption,
    }),
  run: async (argv) => {
    for (const flag of ['port', 'admin-port', 'api-port'] as const) {
      const v = argv[flag];
      if (!Number.isInteger(v) || v < 0 || v > 65535)
        throw new UsageError(`--${flag}: expected a port 0..65535, got ${v}`);
    }
    if (
      argv.workers !== undefined &&
      (!Number.isInteger(argv.workers) || argv.workers < 1 || argv.workers > MAX_LOCAL_WORKERS)
    )
      throw new UsageError(`--workers: expected an integer 1..${MAX_LOCAL_WORKERS}, got ${argv.workers}`);
    const pushDelayMs = delayMsFlag(argv['push-delay'], '--push-delay');
    const proxy = argv.proxy;
    if (proxy !== undefined && !isProxyVersion(proxy))
      throw new UsageError(`--proxy: expected one of ${PROXY_VERSIONS.join(', ')}, got ${JSON.stringify(proxy)}`);
    let app: AppModel = DEFAULT_APP;
    let seed = seedFlag(argv.seed);
    let workers = argv.workers;
    let network: ClientNetwork | undefined;
    if (argv.scenario) {
      const scenario = await loadScenario(argv.scenario);
      app = scenario.local;
      seed ??= scenario.seed;
      workers ??= scenario.localGateway.workers;
      network = scenario.localGateway.network;
    }
    if (argv.pods !== undefined && argv.versions !== undefined)
      throw new UsageError('--pods and --versions: give one (--versions sets the pods of each version)');
    if (argv.pods !== undefined) app = withPodCount(app, argv.pods);
    if (argv.versions !== undefined) app = withVersions(app, argv.versions);
    const policies = await readPolicies(argv.policy ?? [], app.service.namespace);
    const crds: CrdSet | undefined = argv.crds === undefined ? undefined : readCrdFile(argv.crds);
    const mesh = await startMesh({
      app,
      policies,
      seed: seed ?? DEFAULT_SEED,
      workers: workers ?? STANDALONE_WORKERS,
      network,
      acceptHttp10: argv['accept-http10'],
      proxy,
      pushDelayMs,
      accessLogPath: argv['access-log'],
      gatewayPort: argv.port,
      adminPort: argv['admin-port'],
    }).catch((err: NodeJS.ErrnoException) => {
      // startMesh has closed everything it opened; the input was wrong (exit 2)
      if (err.code === 'EADDRINUSE' || (err.code === 'EACCES' && err.syscall === 'listen'))
        throw new UsageError(`${err.message}: choose another --port / --admin-port (0 = any free port)`);
      if (err.syscall === 'open' && argv['access-log'] !== undefined)
        throw new UsageError(`--access-log ${argv['access-log']}: cannot open it for writing (${err.code})`);
      throw err;
    });
    let api: LocalKubeApi;
    try {
      api = await startLocalKubeApi(mesh, { port: argv['api-port'], crds, kubeconfigOut: argv['kubeconfig-out'] });
    } catch (err) {
      await mesh.stop();
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'EADDRINUSE' || (e.code === 'EACCES' && e.syscall === 'listen'))
        throw new UsageError(`${e.message}: choose another --api-port (0 = any free port)`);
      if (e.syscall === 'open')
        throw new UsageError(`--kubeconfig-out ${argv['kubeconfig-out']}: cannot write it (${e.code})`);
      throw err;
    }
    // listen before saying "Ctrl-C stops the mesh": a signal sent the moment the summary shows
    // must stop the mesh, not kill it with the ports open. SIGHUP too (closed terminal, dropped SSH)
    const guard = guardSignals({ messages: MESH_MESSAGES });
    const stop = once(guard.signal, 'abort');
    const summary = meshSummary(mesh, {
      url: api.url,
      kubeconfig: api.kubeconfig,
      context: api.context,
      kubectl: api.kubectl,
    });
    if (argv.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    process.stderr.write(formatSummary(summary));
    try {
      await stop;
      await api.stop();
      await mesh.stop();
    } finally {
      guard.dispose();
    }
    return { exitCode: ExitCode.ok };
  },
});

/** The app with `n` pods, each a copy of the first (names …-v1-0 … -v1-(n−1)). */
function withPodCount(app: AppModel, n: number): AppModel {
  if (!Number.isInteger(n) || n < 1 || n > MAX_PODS)
    throw new UsageError(`--pods: expected an integer 1..${MAX_PODS}, got ${n}`);
  const first = app.pods[0];
  const base = first.name.replace(/-\d+$/, '');
  const pods = Array.from(
    { length: n },
    (_, i) =>
      app.pods[i] ?? { ...first, name: `${base}-${i}`, labels: { ...first.labels }, behaviour: { ...first.behaviour } },
  );
  return { ...app, pods };
}

/** The app with one Deployment per version (src/mesh/versions.ts), pods behaving like the app's first. */
function withVersions(app: AppModel, text: string): AppModel {
  const versions = parseVersionCounts(text, MAX_PODS);
  if (typeof versions === 'string') throw new UsageError(`--versions: ${versions}`);
  return {
    ...app,
    pods: podsForVersions(app.service.name, versions, app.pods[0].behaviour),
    objects: versionedObjects(versions.map((v) => v.name)),
  };
}

/** Loads and validates policy files; a validation error stops the start (exit 2). */
async function readPolicies(files: string[], namespace: string): Promise<Record<string, unknown>[]> {
  if (files.length === 0) return [];
  const docs = await loadPolicies(files);
  const report = checkDocs(files, docs);
  if (checkFailed(report, false)) throw new ConfigError(formatCheckReport(report).trimEnd());
  // the local mesh serves its app's one namespace, as `run` refuses it (issue 13 item 10)
  refuseConflicts(
    docs.filter((d) => d.checked),
    { defaultNamespace: namespace, onlyNamespace: namespace },
  );
  if (report.warnings > 0) process.stderr.write(formatCheckReport(report));
  const skipped = docs.filter((d) => !d.checked);
  for (const d of skipped)
    process.stderr.write(
      `${escapeControls(`${d.file}:${d.line}:${d.column}: ${d.kind} ${d.name}`)}: not a DestinationRule/VirtualService, ignored by the local mesh\n`,
    );
  return docs.filter((d) => d.checked).map((d) => d.object);
}
