/**
 * Connecting like kubectl does: `--kubeconfig` wins, else `KUBECONFIG` (a path list, merged,
 * first file's context wins), else `~/.kube/config`, else in-cluster credentials. `--context`
 * picks the context; the namespace is the scenario's or `--namespace`, else the context's,
 * else "default". A missing kubeconfig or an unreachable API is an InfraError (exit 3) whose
 * sentence says which.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { clientNode, type ClientNode } from './client-node.js';
import { InfraError, UsageError } from '../errors.js';
import { statusMessage } from './errors.js';
import { stripUserinfo } from '../util/redact.js';
import { apiClient } from './api-client.js';
import { API_MAX_RETRIES, API_RETRY_BUDGET_MS, realSleep, type ApiRetryOptions } from './api-retry.js';

export interface ConnectOptions {
  /** `--kubeconfig` */
  kubeconfig?: string;
  /** `--context` */
  context?: string;
  /** scenario `policy.namespace` or `--namespace` */
  namespace?: string;
  env?: NodeJS.ProcessEnv;
  /** where a retry's line goes ("API server busy (429) … retrying in 1 s"); default stderr */
  log?: (line: string) => void;
  /** the retry policy's bounds and clock (api-retry.ts); tests shorten the sleep */
  retry?: Partial<ApiRetryOptions>;
}

export interface Connection {
  kc: KubeConfig;
  /** the client library `kc` came from, loaded by loadConnection (client-node.ts): API classes are made from it */
  k8s: ClientNode;
  context: string;
  /** the cluster's server URL without userinfo (safe to print and to journal) */
  server: string;
  namespace: string;
  /** "context kind-dev (https://127.0.0.1:6443), namespace shop" */
  describe: string;
  /** how every API client of this connection sends again (api-client.ts, api-retry.ts) */
  retry: ApiRetryOptions;
}

/** How long the first call (GET /version) may take before the API counts as unreachable. */
export const REACHABILITY_TIMEOUT_MS = 10_000;

export async function loadConnection(opts: ConnectOptions = {}): Promise<Connection> {
  const env = opts.env ?? process.env;
  const k8s = await clientNode();
  const kc = loadKubeConfig(k8s, opts.kubeconfig, env);
  if (opts.context) {
    if (!kc.getContextObject(opts.context))
      throw new UsageError(
        `--context ${opts.context}: no such context in the kubeconfig (known: ${
          kc
            .getContexts()
            .map((c) => c.name)
            .join(', ') || 'none'
        })`,
      );
    kc.setCurrentContext(opts.context);
  }
  const context = kc.getCurrentContext();
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new InfraError(`the kubeconfig context "${context}" names no cluster; pick one with --context`);
  const namespace = opts.namespace || kc.getContextObject(context)?.namespace || 'default';
  // `server: https://TOKEN@host` (issue 13 item 12): `server` is what messages, reports and the
  // journal show, so it never carries the userinfo; requests still use the kubeconfig's own URL
  const server = stripUserinfo(cluster.server);
  const retry: ApiRetryOptions = {
    maxRetries: API_MAX_RETRIES,
    budgetMs: API_RETRY_BUDGET_MS,
    sleep: realSleep,
    log: opts.log ?? ((line) => process.stderr.write(`meshproof: ${line}\n`)),
    ...opts.retry,
  };
  return {
    kc,
    k8s,
    context,
    server,
    namespace,
    describe: `context ${context} (${server}), namespace ${namespace}`,
    retry,
  };
}

function loadKubeConfig(k8s: ClientNode, flag: string | undefined, env: NodeJS.ProcessEnv): KubeConfig {
  const kc = new k8s.KubeConfig();
  if (flag) {
    if (!fs.existsSync(flag)) throw new InfraError(`no kubeconfig: --kubeconfig ${flag} does not exist`);
    return loadFile(kc, flag, '--kubeconfig');
  }
  if (env.KUBECONFIG) {
    const files = env.KUBECONFIG.split(path.delimiter).filter((f) => f && fs.existsSync(f));
    if (files.length === 0)
      throw new InfraError(`no kubeconfig: none of the files in KUBECONFIG (${env.KUBECONFIG}) exists`);
    loadFile(kc, files[0], 'KUBECONFIG');
    for (const f of files.slice(1)) mergeFirstWins(kc, loadFile(new k8s.KubeConfig(), f, 'KUBECONFIG'));
    return kc;
  }
  const home = path.join(env.HOME ?? os.homedir(), '.kube', 'config');
  if (fs.existsSync(home)) return loadFile(kc, home, '~/.kube/config');
  if (env.KUBERNETES_SERVICE_HOST) {
    kc.loadFromCluster();
    return kc;
  }
  throw new InfraError(
    `no kubeconfig: --kubeconfig not given, KUBECONFIG not set and ${home} does not exist (and not running inside a cluster)`,
  );
}

/** kubectl's merge: the first file to name a cluster, user or context wins (client-node's mergeConfig throws instead). */
function mergeFirstWins(into: KubeConfig, from: KubeConfig): void {
  const add = <T extends { name: string }>(mine: T[], theirs: T[]) => {
    for (const t of theirs) if (!mine.some((m) => m.name === t.name)) mine.push(t);
  };
  add(into.clusters, from.clusters);
  add(into.users, from.users);
  add(into.contexts, from.contexts);
}

function loadFile(kc: KubeConfig, file: string, from: string): KubeConfig {
  try {
    kc.loadFromFile(file);
  } catch (err) {
    throw new InfraError(`kubeconfig ${kubeconfigProblem(file, err)} (from ${from})`);
  }
  return kc;
}

/**
 * "FILE:LINE:COL: cannot be read: REASON" without the source excerpt js-yaml appends to its
 * message: that excerpt quotes the lines around the mistake, which in a kubeconfig are
 * tokens, passwords and client keys (design.md "Safety rules": never print credentials).
 */
export function kubeconfigProblem(file: string, err: unknown): string {
  const e = err as { reason?: unknown; mark?: { line?: unknown; column?: unknown }; message?: unknown };
  if (typeof e?.reason === 'string' && typeof e.mark?.line === 'number' && typeof e.mark.column === 'number')
    return `${file}:${e.mark.line + 1}:${e.mark.column + 1}: cannot be read: ${e.reason}`;
  const first = String(e?.message ?? err).split('\n')[0];
  return `${file}: cannot be read: ${first}`;
}

/** GET /version; throws InfraError "cannot reach the Kubernetes API at …" when nothing answers. */
export async function checkReachable(conn: Connection, timeoutMs = REACHABILITY_TIMEOUT_MS): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  // past the timeout the request and its retries stop (api-retry.ts): none outlives the check
  const controller = new AbortController();
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`no answer within ${timeoutMs} ms`));
      controller.abort();
    }, timeoutMs);
  });
  try {
    const v = await Promise.race([
      apiClient(conn, conn.k8s.VersionApi, { signal: controller.signal }).getCode(),
      timeout,
    ]);
    return v.gitVersion;
  } catch (err) {
    throw new InfraError(
      `cannot reach the Kubernetes API at ${conn.server} (context ${conn.context}): ${statusMessage(err)}`,
    );
  } finally {
    clearTimeout(timer);
  }
}
