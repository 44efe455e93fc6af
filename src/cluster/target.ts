/**
 * The one entry point `meshproof run` uses for a real cluster (the experiment wires its flags
 * here): connect like kubectl, check the API answers, find the gateway URL (`--target auto`)
 * and its replicas, and hand back the cluster applier — journaled, with the propagation check
 * behind `verify()` — plus the gateway counter source and the sentences saying what was
 * decided and why.
 *
 *   createClusterTarget(opts: ClusterTargetOptions): Promise<ClusterTarget>
 */
import { byKind } from '../policy/by-kind.js';
import type { PolicyDoc } from '../policy/model.js';
import { UsageError } from '../errors.js';
import { serviceFqdn, translateCluster } from '../translate/index.js';
import type { CounterSource } from '../ports.js';
import { ClusterApplier } from './applier.js';
import { expectedConfig } from '../translate/config-dump.js';
import { gatewayCounterSource, effectiveLimits } from './counters.js';
import { decideHost, discoverGatewayUrl } from './discovery.js';
import { AdminReader, GATEWAY_DEFAULTS, listGatewayPods, type GatewaySelector } from './gateway-pods.js';
import { Journal } from './journal.js';
import { checkReachable, loadConnection } from './kubeconfig.js';
import { waitForPropagation } from '../translate/propagation.js';
import { checkPermissions, requiredAccess, selfSubjectAccessReviewer } from './permissions.js';
import { keyOf } from '../ports.js';

export interface ClusterTargetOptions {
  kubeconfig?: string;
  context?: string;
  /** scenario `policy.namespace` or `--namespace`; else the context's */
  namespace?: string;
  /** gateway base URL, or 'auto' (also the default) to discover the ingress gateway Service */
  target?: string | 'auto';
  /** scenario `target.host`; else the VirtualService's first host */
  host?: string;
  dryRun?: boolean;
  allowSystemNamespaces?: boolean;
  /** objects outside `namespace` are refused unless this is set */
  allowOtherNamespaces?: boolean;
  runId: string;
  /** default reports/.journal */
  journalDir?: string;
  /** false: journal without fsync (Journal `durable`), for objects that die with this process; default true */
  durableJournal?: boolean;
  /** the policies the run applies: Host header, effective limits, counter selection */
  policies?: PolicyDoc[];
  /** where the ingress gateway runs (default istio-system, istio=ingressgateway) */
  gateway?: GatewaySelector;
  /** human lines (dry-run plan, restore notes) */
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /** what reports call the target (ClusterApplier.description); default the context's description */
  description?: string;
  /**
   * ms between two `/config_dump` reads of a replica not showing the policy yet; default
   * PROPAGATION_POLL_MS. The local mesh's API sits on loopback and pushes in microseconds.
   */
  propagationPollMs?: number;
}

export interface ClusterTarget {
  applier: ClusterApplier;
  /** where the load goes */
  url: string;
  /** Host header, when decided */
  host?: string;
  /** namespace for policy objects that name none (flag/scenario, else the context's) */
  namespace: string;
  /** one line per decision: connection, target, host, replicas, effective limits */
  describe: string;
  counters: CounterSource;
  runId: string;
  journalPath: string;
  /** gateway pod names */
  replicas: string[];
  close(): Promise<void>;
}

export async function createClusterTarget(opts: ClusterTargetOptions): Promise<ClusterTarget> {
  const auto = !opts.target || opts.target === 'auto';
  if (!auto && !/^https?:\/\/[^/]+/.test(opts.target!))
    throw new UsageError(`--target ${opts.target}: expected "auto" or a URL like http://HOST:PORT`);
  // not echoed: the URL holds a password (design.md "Safety rules": never print credentials)
  if (!auto && /^https?:\/\/[^/]*@/.test(opts.target!))
    throw new UsageError(
      '--target: expected a URL without "user:password@" (it is printed and written to reports); put credentials in the scenario\'s target.headers, whose values reports withhold',
    );
  const conn = await loadConnection(opts);
  await checkReachable(conn);
  const docs = opts.policies ?? [];
  const lines = [`cluster: ${conn.describe}`];
  // every verb the run will use, asked before any load (issue 13 item 9); exit 3 naming what is missing
  const access = requiredAccess({
    keys: docs.map((d) => keyOf(d, conn.namespace)),
    dryRun: opts.dryRun,
    gatewayNamespace: opts.gateway?.namespace ?? GATEWAY_DEFAULTS.namespace,
    discoverTarget: auto,
  });
  const unchecked = await checkPermissions(access, selfSubjectAccessReviewer(conn), conn.server);
  lines.push(unchecked ?? 'permissions: every verb the run needs is allowed (SelfSubjectAccessReview)');
  const url = auto
    ? await discoverGatewayUrl(conn, opts.gateway)
    : { value: opts.target!.replace(/\/+$/, ''), because: `--target ${opts.target}` };
  lines.push(`target: ${url.because}${!opts.target ? ' (no --target given: discovered)' : ''}`);
  const host = decideHost(opts.host, docs);
  if (host) lines.push(`host: ${host.because}`);
  const pods = await listGatewayPods(conn, opts.gateway);
  const podByName = new Map(pods.map((p) => [p.name, p]));
  lines.push(
    `gateway replicas: ${pods.length} (${pods.map((p) => p.name).join(', ')}); connection-pool limits apply per replica`,
  );
  const { drs } = byKind(docs.map((d) => d.object));
  const drFqdns = drs.map((d) => serviceFqdn(d.spec.host, d.metadata?.namespace ?? conn.namespace));
  for (const fqdn of drFqdns)
    for (const l of effectiveLimits(translateCluster(drs, { fqdn, port: 0 }), pods.length))
      lines.push(`limit: ${l.replace('|0|', '|*|')}`);
  const admin = new AdminReader(conn);
  const journal = new Journal(opts.journalDir, opts.durableJournal ?? true);
  const applier = new ClusterApplier({
    conn,
    runId: opts.runId,
    journal,
    dryRun: opts.dryRun,
    allowSystemNamespaces: opts.allowSystemNamespaces,
    allowOtherNamespaces: opts.allowOtherNamespaces,
    log: opts.log,
    description: opts.description,
    verifier: (applied, o) =>
      waitForPropagation({
        replicas: pods.map((p) => p.name),
        readConfigDump: (name) => admin.read(podByName.get(name)!, 'config_dump'),
        expected: expectedConfig(byKind(applied.map((d) => d.object)), conn.namespace),
        timeoutMs: o.timeoutMs,
        signal: o.signal,
        appliedAt: o.appliedAt,
        pollMs: opts.propagationPollMs,
      }),
  });
  const counters = gatewayCounterSource(
    pods.map((p) => p.name),
    async (name) => String(await admin.read(podByName.get(name)!, 'stats')),
    drFqdns.length > 0 ? drFqdns : undefined,
  );
  return {
    applier,
    url: url.value,
    host: host?.value,
    namespace: conn.namespace,
    describe: lines.join('\n'),
    counters,
    runId: opts.runId,
    journalPath: journal.pathOf(opts.runId),
    replicas: pods.map((p) => p.name),
    close: async () => {},
  };
}
