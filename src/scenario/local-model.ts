/**
 * The `local:` section of a scenario → the mesh's AppModel (src/mesh/app-model.ts). A compact
 * form keeps demo scenarios readable:
 *
 * ```yaml
 * local:
 *   pods: 3                                  # productpage-v1-0 … productpage-v1-2
 *   latency: { p50: 25ms, p99: 60ms }        # or { fixed: 10ms } or { min: 5ms, max: 20ms }
 *   errors: { status: 503, rate: 0.2 }       # every pod
 *   overrides:                               # one pod differs (by index or name)
 *     - { pod: 2, errors: { status: 500, rate: 1 } }
 *   proxy: envoy-1.26                        # the gateway's Envoy rules (src/mesh/proxy.ts); default current
 * ```
 *
 * Or versions of the app, each a Deployment of its own (issue 16; src/mesh/versions.ts),
 * instead of `pods`. Top-level latency/errors/mode apply to every version unless it sets its own:
 *
 * ```yaml
 * local:
 *   versions:
 *     v1: { pods: 2 }                          # productpage-v1-0, -1 (labels app=productpage, version=v1)
 *     v2: { pods: 1, errors: { status: 500, rate: 0.2 } }   # a failing canary
 * ```
 *
 * `workers` and `network` in the same section describe the gateway, not the app
 * (src/scenario/local-gateway.ts).
 */
import {
  DEFAULT_APP,
  type AppModel,
  type LatencyModel,
  type PodBehaviour,
  type PodMode,
  type PodSpec,
} from '../mesh/app-model.js';
import type { FieldPath } from '../policy/model.js';
import { type Fields, describe, isPlainObject } from '../policy/yaml-reader.js';
import { isProxyVersion, PROXY_VERSIONS, type ProxyVersion } from '../mesh/proxy.js';
import { LOCAL_GATEWAY_KEYS } from './local-gateway.js';
import { podsForVersions, versionedObjects, VERSION_NAME, type VersionSpec } from '../mesh/versions.js';

/** the app model's keys, and the gateway's (`workers`, `network`: read by local-gateway.ts) */
const LOCAL_KEYS = [
  'pods',
  'versions',
  'latency',
  'errors',
  'mode',
  'overrides',
  'proxy',
  ...LOCAL_GATEWAY_KEYS,
] as const;
const BEHAVIOUR_KEYS = ['latency', 'errors', 'mode'] as const;
const OVERRIDE_KEYS = ['pod', ...BEHAVIOUR_KEYS] as const;
const VERSION_KEYS = ['pods', ...BEHAVIOUR_KEYS] as const;
const MODES: readonly PodMode[] = ['serve', 'refuse', 'hang', 'close'];
/** More pods than this is a typo, not a demo: each pod is a real loopback server. */
export const MAX_LOCAL_PODS = 50;

/** Reads `local:` (absent → DEFAULT_APP); reports mistakes into `f`. */
export function readLocalModel(f: Fields, path: FieldPath): AppModel {
  f.keys(path, LOCAL_KEYS);
  const common = readBehaviour(f, path);
  const template = DEFAULT_APP.pods[0];
  const versions = f.has([...path, 'versions']) ? readVersions(f, [...path, 'versions']) : undefined;
  if (versions && f.has([...path, 'pods']))
    f.fail([...path, 'pods'], 'expected either pods or versions (with versions, give each version its pods)');
  const count = versions
    ? 0
    : (f.number([...path, 'pods'], { integer: true, min: 1, max: MAX_LOCAL_PODS }) ?? DEFAULT_APP.pods.length);
  // one version v1 unless versions are given: every existing scenario keeps its pods and names
  const pods: PodSpec[] = podsForVersions(
    DEFAULT_APP.service.name,
    versions ?? [{ name: 'v1', pods: count, behaviour: {} }],
    { ...template.behaviour, ...common },
  );
  const overrides = f.get([...path, 'overrides']);
  if (overrides !== undefined && !Array.isArray(overrides))
    f.fail([...path, 'overrides'], `expected a list, got ${describe(overrides)}`);
  if (Array.isArray(overrides)) {
    overrides.forEach((_, i) => {
      const at = [...path, 'overrides', i];
      f.keys(at, OVERRIDE_KEYS);
      const pod = findPod(f, [...at, 'pod'], pods);
      const behaviour = readBehaviour(f, at);
      if (pod) pod.behaviour = { ...pod.behaviour, ...behaviour };
    });
  }
  const proxy = readProxy(f, [...path, 'proxy']);
  const objects = versions ? versionedObjects(versions.map((v) => v.name)) : structuredClone(DEFAULT_APP.objects);
  return { ...DEFAULT_APP, pods, objects, ...(proxy ? { proxy } : {}) };
}

/** `local.versions`: a mapping version → { pods, latency?, errors?, mode? }, at most MAX_LOCAL_PODS pods in all. */
function readVersions(f: Fields, path: FieldPath): VersionSpec[] {
  const v = f.get(path);
  if (!isPlainObject(v) || Object.keys(v).length === 0)
    return f.fail(path, `expected a mapping like { v1: { pods: 2 }, v2: { pods: 1 } }, got ${describe(v)}`) ?? [];
  const out: VersionSpec[] = [];
  for (const name of Object.keys(v)) {
    const at = [...path, name];
    if (!VERSION_NAME.test(name))
      f.fail(
        at,
        `expected a version label value (letters, digits, "-", "_", "."), got ${JSON.stringify(name)}`,
        f.whereKey(at),
      );
    f.keys(at, VERSION_KEYS);
    const pods = f.number([...at, 'pods'], { integer: true, min: 1, max: MAX_LOCAL_PODS, required: true }) ?? 1;
    out.push({ name, pods, behaviour: readBehaviour(f, at) });
  }
  const total = out.reduce((a, x) => a + x.pods, 0);
  if (total > MAX_LOCAL_PODS) f.fail(path, `expected at most ${MAX_LOCAL_PODS} pods in all, got ${total}`);
  return out;
}

/** `local.proxy`: an explicit, named choice of version-dependent Envoy rules (§3.2 ejection cap). */
function readProxy(f: Fields, path: FieldPath): ProxyVersion | undefined {
  const v = f.string(path);
  if (v === undefined || isProxyVersion(v)) return v;
  return f.fail(path, `expected one of ${PROXY_VERSIONS.join(', ')}, got ${JSON.stringify(v)}`);
}

function findPod(f: Fields, path: FieldPath, pods: PodSpec[]): PodSpec | undefined {
  const v = f.get(path);
  if (v === undefined) return f.fail(path, 'required (a pod index or name)');
  const pod = typeof v === 'number' ? pods[v] : pods.find((p) => p.name === v);
  if (!pod)
    return f.fail(
      path,
      `expected a pod index 0..${pods.length - 1} or a name like "${pods[0].name}", got ${describe(v)}`,
    );
  return pod;
}

function readBehaviour(f: Fields, path: FieldPath): PodBehaviour {
  const out: PodBehaviour = {};
  const latency = readLatency(f, [...path, 'latency']);
  if (latency) out.latency = latency;
  if (f.has([...path, 'errors'])) {
    f.keys([...path, 'errors'], ['status', 'rate']);
    const status = f.number([...path, 'errors', 'status'], { integer: true, min: 100, max: 599, required: true });
    const rate = f.number([...path, 'errors', 'rate'], { min: 0, max: 1, required: true });
    if (status !== undefined && rate !== undefined) out.errors = { status, rate };
  }
  const mode = f.string([...path, 'mode']);
  if (mode !== undefined) {
    if ((MODES as readonly string[]).includes(mode)) out.mode = mode as PodMode;
    else f.fail([...path, 'mode'], `expected one of ${MODES.join(', ')}, got ${JSON.stringify(mode)}`);
  }
  return out;
}

/**
 * The durations at `path.lo` and `path.hi` (each named with an example), `hi` ≥ `lo`: the
 * error names `hi`. undefined when either is missing or bad (the error is recorded in `f`).
 */
function orderedDurations(
  f: Fields,
  path: FieldPath,
  [lo, loExample]: [string, string],
  [hi, hiExample]: [string, string],
): [number, number] | undefined {
  const loMs = f.duration([...path, lo], loExample);
  const hiMs = f.duration([...path, hi], hiExample);
  if (loMs === undefined || hiMs === undefined) return undefined;
  if (hiMs < loMs) return f.fail([...path, hi], `expected ${hi} ≥ ${lo} (${loMs} ms), got ${hiMs} ms`);
  return [loMs, hiMs];
}

function readLatency(f: Fields, path: FieldPath): LatencyModel | undefined {
  const v = f.get(path);
  if (v === undefined) return undefined;
  if (!isPlainObject(v)) return f.fail(path, `expected { p50, p99 }, { fixed } or { min, max }, got ${describe(v)}`);
  const keys = f.keys(path, ['p50', 'p99', 'fixed', 'min', 'max']).sort().join(',');
  if (keys === 'p50,p99') {
    const pair = orderedDurations(f, path, ['p50', '25ms'], ['p99', '60ms']);
    return pair && { kind: 'lognormal', p50Ms: pair[0], p99Ms: pair[1] };
  }
  if (keys === 'fixed') {
    const ms = f.duration([...path, 'fixed'], '10ms');
    return ms === undefined ? undefined : { kind: 'fixed', ms };
  }
  if (keys === 'max,min') {
    const pair = orderedDurations(f, path, ['min', '5ms'], ['max', '20ms']);
    return pair && { kind: 'uniform', minMs: pair[0], maxMs: pair[1] };
  }
  return f.fail(path, 'expected { p50, p99 }, { fixed } or { min, max }');
}
