/**
 * Scenario files: one experiment per YAML file — what to send, to what,
 * which policy to prove, and the gates that decide. Every mistake is reported with
 * `file:line:col: field: what was expected, got what`, all of them at once.
 */
import { dirname, resolve } from 'node:path';
import type { AppModel } from '../mesh/app-model.js';
import type { LoadProfile } from '../load/model.js';
import { ConfigError } from '../errors.js';
import { DEFAULT_SEED, MAX_SEED } from '../util/random.js';
import { FileRefused, readRegularFile } from '../util/files.js';
import { readUtf8 } from '../policy/load.js';
import { Fields } from '../policy/yaml-reader.js';
import { headerNameProblem, headerValueProblem, hostProblem, targetUrlProblem } from '../load/request-check.js';
import { readLocalModel } from './local-model.js';
import { readLocalGateway, type LocalGateway } from './local-gateway.js';
import { readGates, type GateSpec } from './gates.js';
import { readInstances, readLoad } from './load.js';
import { k6Refusals } from './k6.js';
import * as D from './defaults.js';
import type { SubsetFrom } from '../load/subset-from.js';
import type { FieldPath } from '../policy/model.js';

export interface ScenarioTarget {
  /** gateway base URL; undefined = the local mesh (or cluster discovery, decided by the CLI) */
  url?: string;
  /** Host header; undefined = the local app's gateway host, or the cluster's VirtualService host */
  host?: string;
  path: string;
  method: string;
  headers: Record<string, string>;
  /** where a response says which subset served it (issue 16); unset = meshproof's attribution header when the policy routes to subsets */
  subsetFrom?: SubsetFrom;
}

export interface ScenarioPolicy {
  /** absolute paths (resolved against the scenario file's folder) */
  files: string[];
  /** as written in the scenario, for the report */
  filesAsWritten: string[];
  /** as written; undefined = the target's default (local: the app's namespace; cluster: --namespace, else the context's) */
  namespace?: string;
  /** `file:line:col` of policy.namespace when written, for messages that depend on the target */
  namespaceAt?: string;
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
  /** `load.instances`: the load runs as this many k6 execution segments, merged (default 1) */
  instances: number;
  policy: ScenarioPolicy;
  gates: GateSpec[];
  repeat: number;
  seed: number;
  warmupMs: number;
  /** k6 rules `load` breaks, located (scenario-k6.ts); raised only when the engine is k6 */
  k6Refusals?: string[];
}

export type { GateSpec };

const TOP_KEYS = [
  'name',
  'description',
  'target',
  'local',
  'load',
  'policy',
  'expect',
  'repeat',
  'seed',
  'warmup',
] as const;
const TARGET_KEYS = ['url', 'host', 'path', 'method', 'headers', 'subsetFrom'] as const;
const POLICY_KEYS = ['files', 'namespace', 'settle', 'propagationTimeout'] as const;

/** Largest scenario file read: a scenario is a page of YAML; anything this big is the wrong file. */
export const MAX_SCENARIO_FILE_BYTES = 1024 * 1024;

export async function loadScenario(file: string): Promise<Scenario> {
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(file, MAX_SCENARIO_FILE_BYTES);
  } catch (err) {
    throw new ConfigError(
      `${file}: cannot read scenario: ${err instanceof FileRefused ? (err.code ?? err.message) : String(err)}`,
    );
  }
  return parseScenario(file, readUtf8(bytes, file));
}

/** Parses and validates scenario text; throws one ConfigError listing every mistake. */
export function parseScenario(file: string, text: string, baseDir = dirname(resolve(file))): Scenario {
  const f = Fields.parse(file, text);
  if (f.errors.length) throw new ConfigError(f.errors.join('\n'));
  if (f.get([]) === undefined)
    throw new ConfigError(`${file}:1:1: empty scenario (expected name, load, policy, expect)`);
  const kind = f.get(['kind']);
  if (f.has(['apiVersion']) && typeof kind === 'string') {
    // a policy handed to `run`: one line saying what a scenario is, not an unknown-field error per key
    f.fail(
      ['kind'],
      `this is a Kubernetes manifest (${kind}), not a scenario: a scenario names it under policy.files (see scenarios/*.yaml); meshproof validate and lint check it on its own`,
    );
    throw new ConfigError(f.errors.join('\n'));
  }
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
    instances: 1,
    policy: readPolicy(f, baseDir),
    gates: readGates(f, ['expect']),
    repeat: f.number(['repeat'], { integer: true, min: 1, max: D.MAX_REPEAT }) ?? D.DEFAULT_REPEAT,
    seed: f.number(['seed'], { integer: true, min: 0, max: MAX_SEED }) ?? DEFAULT_SEED,
    warmupMs: f.duration(['warmup'], '1s') ?? D.DEFAULT_WARMUP_MS,
  };
  if (scenario.name && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(scenario.name)) {
    f.fail(
      ['name'],
      `expected letters, digits, ".", "_" or "-" (it names the report folder), got ${JSON.stringify(scenario.name)}`,
    );
  } else if (scenario.name.length > D.MAX_SCENARIO_NAME) {
    f.fail(
      ['name'],
      `expected at most ${D.MAX_SCENARIO_NAME} characters (it names the report folder and the run's journal file), got ${scenario.name.length}`,
    );
  }
  scenario.instances = readInstances(f, ['load'], scenario.load);
  if (f.errors.length) throw new ConfigError(f.sortedErrors().join('\n'));
  scenario.k6Refusals = k6Refusals(f, ['load'], scenario.load);
  return scenario;
}

function readTarget(f: Fields, local: AppModel): ScenarioTarget {
  f.keys(['target'], TARGET_KEYS);
  const url = f.string(['target', 'url']);
  if (url !== undefined && url !== 'auto') {
    const problem = urlProblem(url);
    if (problem) f.fail(['target', 'url'], problem);
  }
  const path = f.string(['target', 'path']);
  if (path !== undefined && !path.startsWith('/'))
    f.fail(['target', 'path'], `expected a path starting with "/", got ${JSON.stringify(path)}`);
  const method = f.string(['target', 'method']);
  if (method !== undefined && !/^[A-Z]+$/.test(method))
    f.fail(['target', 'method'], `expected an HTTP method like "GET", got ${JSON.stringify(method)}`);
  const host = f.string(['target', 'host']);
  const hostBad = host === undefined ? undefined : hostProblem(host);
  if (hostBad) f.fail(['target', 'host'], hostBad);
  const headers = f.stringMap(['target', 'headers']) ?? {};
  for (const [name, value] of Object.entries(headers)) {
    const nameBad = headerNameProblem(name);
    if (nameBad) f.fail(['target', 'headers', name], nameBad, f.whereKey(['target', 'headers', name]));
    else {
      const valueBad = headerValueProblem(value);
      if (valueBad) f.fail(['target', 'headers', name], valueBad);
    }
  }
  const subsetFrom = readSubsetFrom(f, ['target', 'subsetFrom']);
  return {
    ...(subsetFrom ? { subsetFrom } : {}),
    url,
    host: host ?? (url === undefined ? local.gatewayHost : undefined),
    path: path ?? (url === undefined ? D.DEFAULT_LOCAL_PATH : D.DEFAULT_REMOTE_PATH),
    method: method ?? D.DEFAULT_METHOD,
    headers,
  };
}

/** target.subsetFrom: `{ header: NAME }` or `{ body: REGEX }` with one capture group. */
function readSubsetFrom(f: Fields, path: FieldPath): SubsetFrom | undefined {
  if (!f.has(path)) return undefined;
  const keys = f.keys(path, ['header', 'body']);
  if (keys.length !== 1) return f.fail(path, 'expected exactly one of { header: NAME } or { body: REGEX }');
  if (keys[0] === 'header') {
    const name = f.string([...path, 'header'], true);
    const bad = name === undefined ? undefined : headerNameProblem(name);
    if (bad) return f.fail([...path, 'header'], bad);
    return name === undefined ? undefined : { header: name };
  }
  const body = f.string([...path, 'body'], true);
  if (body === undefined) return undefined;
  let groups = -1;
  try {
    groups = new RegExp(`${body}|`).exec('')!.length - 1;
  } catch (err) {
    return f.fail(
      [...path, 'body'],
      `expected a regular expression, got ${JSON.stringify(body)} (${(err as Error).message})`,
    );
  }
  if (groups < 1)
    return f.fail(
      [...path, 'body'],
      `expected a regular expression with a capture group (the subset), got ${JSON.stringify(body)}`,
    );
  return { body };
}

/** target.url: an absolute http(s) URL load can be sent to (src/load/request-check.ts), never echoed when it holds a password. */
function urlProblem(url: string): string | undefined {
  let parsed: URL | undefined;
  try {
    parsed = /^https?:\/\/[^/]+/.test(url) ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!parsed)
    return `expected "auto" or a URL like "http://1.2.3.4:80", got ${/@/.test(url) ? '(a URL, withheld: it may hold a password)' : JSON.stringify(url)}`;
  return targetUrlProblem(parsed, 'in target.headers, whose values reports withhold');
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
    namespaceAt: f.has(['policy', 'namespace']) ? f.where(['policy', 'namespace']) : undefined,
    settleMs: f.duration(['policy', 'settle'], '2s') ?? D.DEFAULT_SETTLE_MS,
    propagationTimeoutMs: f.duration(['policy', 'propagationTimeout'], '30s') ?? D.DEFAULT_PROPAGATION_TIMEOUT_MS,
  };
}
