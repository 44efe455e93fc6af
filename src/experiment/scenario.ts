/**
 * Scenario files (issue D item 1): one experiment per YAML file — what to send, to what,
 * which policy to prove, and the gates that decide. Every mistake is reported with
 * `file:line:col: field: what was expected, got what`, all of them at once.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { AppModel } from '../mesh/app-model.js';
import type { LoadProfile } from '../load/model.js';
import { ConfigError } from '../cli/exit.js';
import { DEFAULT_SEED } from '../util/random.js';
import { Fields } from './yaml-fields.js';
import { readLocalModel } from './local-model.js';
import { readLocalGateway, type LocalGateway } from './local-gateway.js';
import { readGates, type GateSpec } from './scenario-gates.js';
import { readLoad } from './scenario-load.js';
import * as D from './defaults.js';

export interface ScenarioTarget {
  /** gateway base URL; undefined = the local mesh (or cluster discovery, decided by the CLI) */
  url?: string;
  /** Host header; undefined = the local app's gateway host, or the cluster's VirtualService host */
  host?: string;
  path: string;
  method: string;
  headers: Record<string, string>;
}

export interface ScenarioPolicy {
  /** absolute paths (resolved against the scenario file's folder) */
  files: string[];
  /** as written in the scenario, for the report */
  filesAsWritten: string[];
  /** as written; undefined = the target's default (local: the app's namespace; cluster: --namespace, else the context's) */
  namespace?: string;
  settleMs: number;
  propagationTimeoutMs: number;
}

export interface Scenario {
  name: string;
  description?: string;
  /** the file as the user named it */
  file?: string;
  target: ScenarioTarget;
  /** the local mesh's app model (used when the target is local) */
  local: AppModel;
  /** the local gateway's workers and client network (used when the target is local) */
  localGateway: LocalGateway;
  load: LoadProfile;
  policy: ScenarioPolicy;
  gates: GateSpec[];
  repeat: number;
  seed: number;
  warmupMs: number;
}

export type { GateSpec };

const TOP_KEYS = ['name', 'description', 'target', 'local', 'load', 'policy', 'expect', 'repeat', 'seed', 'warmup'] as const;
const TARGET_KEYS = ['url', 'host', 'path', 'method', 'headers'] as const;
const POLICY_KEYS = ['files', 'namespace', 'settle', 'propagationTimeout'] as const;

export async function loadScenario(file: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot read scenario: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return parseScenario(file, text);
}

/** Parses and validates scenario text; throws one ConfigError listing every mistake. */
export function parseScenario(file: string, text: string, baseDir = dirname(resolve(file))): Scenario {
  const f = Fields.parse(file, text);
  if (f.errors.length) throw new ConfigError(f.errors.join('\n'));
  if (f.get([]) === undefined) throw new ConfigError(`${file}:1:1: empty scenario (expected name, load, policy, expect)`);
  f.keys([], TOP_KEYS);
  const local = readLocalModel(f, ['local']);
  const scenario: Scenario = {
    name: f.string(['name'], true) ?? '',
    description: f.string(['description']),
    file,
    target: readTarget(f, local),
    local,
    localGateway: readLocalGateway(f, ['local']),
    load: readLoad(f, ['load']) as LoadProfile,
    policy: readPolicy(f, baseDir),
    gates: readGates(f, ['expect']),
    repeat: f.number(['repeat'], { integer: true, min: 1, max: D.MAX_REPEAT }) ?? D.DEFAULT_REPEAT,
    seed: f.number(['seed'], { integer: true, min: 0 }) ?? DEFAULT_SEED,
    warmupMs: f.duration(['warmup'], '1s') ?? D.DEFAULT_WARMUP_MS,
  };
  if (scenario.name && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(scenario.name)) {
    f.fail(['name'], `expected letters, digits, ".", "_" or "-" (it names the report folder), got ${JSON.stringify(scenario.name)}`);
  }
  if (f.errors.length) throw new ConfigError(f.sortedErrors().join('\n'));
  return scenario;
}

function readTarget(f: Fields, local: AppModel): ScenarioTarget {
  f.keys(['target'], TARGET_KEYS);
  const url = f.string(['target', 'url']);
  if (url !== undefined && url !== 'auto' && !/^https?:\/\/[^/]+/.test(url)) {
    f.fail(['target', 'url'], `expected "auto" or a URL like "http://1.2.3.4:80", got ${JSON.stringify(url)}`);
  } else if (url !== undefined && /^https?:\/\/[^/]*@/.test(url)) {
    // not echoed: the URL holds a password (design.md "Safety rules": never print credentials)
    f.fail(['target', 'url'], 'expected a URL without "user:password@" (reports echo the URL); put credentials in target.headers, whose values reports withhold');
  }
  const path = f.string(['target', 'path']);
  if (path !== undefined && !path.startsWith('/')) f.fail(['target', 'path'], `expected a path starting with "/", got ${JSON.stringify(path)}`);
  const method = f.string(['target', 'method']);
  if (method !== undefined && !/^[A-Z]+$/.test(method)) f.fail(['target', 'method'], `expected an HTTP method like "GET", got ${JSON.stringify(method)}`);
  return {
    url,
    host: f.string(['target', 'host']) ?? (url === undefined ? local.gatewayHost : undefined),
    path: path ?? (url === undefined ? D.DEFAULT_LOCAL_PATH : D.DEFAULT_REMOTE_PATH),
    method: method ?? D.DEFAULT_METHOD,
    headers: f.stringMap(['target', 'headers']) ?? {},
  };
}

function readPolicy(f: Fields, baseDir: string): ScenarioPolicy {
  if (!f.has(['policy'])) f.fail(['policy'], 'required (policy.files: the manifests to prove)');
  f.keys(['policy'], POLICY_KEYS);
  const files = f.stringList(['policy', 'files']) ?? [];
  if (f.has(['policy']) && files.length === 0) f.fail(['policy', 'files'], 'expected at least one policy file');
  return {
    files: files.map((p) => resolve(baseDir, p)),
    filesAsWritten: files,
    namespace: f.string(['policy', 'namespace']),
    settleMs: f.duration(['policy', 'settle'], '2s') ?? D.DEFAULT_SETTLE_MS,
    propagationTimeoutMs: f.duration(['policy', 'propagationTimeout'], '30s') ?? D.DEFAULT_PROPAGATION_TIMEOUT_MS,
  };
}

