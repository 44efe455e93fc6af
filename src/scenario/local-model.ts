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
import { type Fields, describe, isPlainObject } from './yaml-fields.js';
import { isProxyVersion, PROXY_VERSIONS, type ProxyVersion } from '../mesh/proxy.js';
import { LOCAL_GATEWAY_KEYS } from './local-gateway.js';

/** the app model's keys, and the gateway's (`workers`, `network`: read by local-gateway.ts) */
const LOCAL_KEYS = ['pods', 'latency', 'errors', 'mode', 'overrides', 'proxy', ...LOCAL_GATEWAY_KEYS] as const;
const BEHAVIOUR_KEYS = ['latency', 'errors', 'mode'] as const;
const OVERRIDE_KEYS = ['pod', ...BEHAVIOUR_KEYS] as const;
const MODES: readonly PodMode[] = ['serve', 'refuse', 'hang', 'close'];
/** More pods than this is a typo, not a demo: each pod is a real loopback server. */
export const MAX_LOCAL_PODS = 50;

/** Reads `local:` (absent → DEFAULT_APP); reports mistakes into `f`. */
export function readLocalModel(f: Fields, path: FieldPath): AppModel {
  f.keys(path, LOCAL_KEYS);
  const count = f.number([...path, 'pods'], { integer: true, min: 1, max: MAX_LOCAL_PODS }) ?? DEFAULT_APP.pods.length;
  const common = readBehaviour(f, path);
  const template = DEFAULT_APP.pods[0];
  const pods: PodSpec[] = Array.from({ length: count }, (_, i) => ({
    name: `${DEFAULT_APP.service.name}-v1-${i}`,
    labels: { ...template.labels },
    behaviour: { ...template.behaviour, ...common },
  }));
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
  return { ...DEFAULT_APP, pods, objects: structuredClone(DEFAULT_APP.objects), ...(proxy ? { proxy } : {}) };
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

function readLatency(f: Fields, path: FieldPath): LatencyModel | undefined {
  const v = f.get(path);
  if (v === undefined) return undefined;
  if (!isPlainObject(v)) return f.fail(path, `expected { p50, p99 }, { fixed } or { min, max }, got ${describe(v)}`);
  const keys = f.keys(path, ['p50', 'p99', 'fixed', 'min', 'max']).sort().join(',');
  if (keys === 'p50,p99') {
    const p50Ms = f.duration([...path, 'p50'], '25ms');
    const p99Ms = f.duration([...path, 'p99'], '60ms');
    if (p50Ms === undefined || p99Ms === undefined) return undefined;
    if (p99Ms < p50Ms) return f.fail([...path, 'p99'], `expected p99 ≥ p50 (${p50Ms} ms), got ${p99Ms} ms`);
    return { kind: 'lognormal', p50Ms, p99Ms };
  }
  if (keys === 'fixed') {
    const ms = f.duration([...path, 'fixed'], '10ms');
    return ms === undefined ? undefined : { kind: 'fixed', ms };
  }
  if (keys === 'max,min') {
    const minMs = f.duration([...path, 'min'], '5ms');
    const maxMs = f.duration([...path, 'max'], '20ms');
    if (minMs === undefined || maxMs === undefined) return undefined;
    if (maxMs < minMs) return f.fail([...path, 'max'], `expected max ≥ min (${minMs} ms), got ${maxMs} ms`);
    return { kind: 'uniform', minMs, maxMs };
  }
  return f.fail(path, 'expected { p50, p99 }, { fixed } or { min, max }');
}
