/**
 * The things measured, built by other parts of meshproof. Kept in one file so the
 * benchmarks name each subject once.
 */
import { BuiltinEngine } from '../../src/load/builtin/engine.js';
import { DEFAULT_APP, startMesh, type AppModel } from '../../src/mesh/index.js';
import type { PolicyDoc } from '../../src/policy/model.js';

/** The built-in engine (src/load/builtin). Async like the other subjects, for one calling shape. */
export async function builtinEngine(): Promise<BuiltinEngine> {
  return new BuiltinEngine();
}

/** What the mesh benchmark needs of a running local mesh. */
export interface BenchMesh {
  gatewayUrl: string;
  /** Host header the gateway routes (the app model's gatewayHost) */
  host: string;
  /** each pod's own base URL, for direct requests */
  podUrls: string[];
  applyPolicies(docs: PolicyDoc[]): Promise<void>;
  /** the gateway's counters, as /stats has them */
  stats(): Record<string, number>;
  stop(): Promise<void>;
}

/** The local mesh (src/mesh) serving DEFAULT_APP's first `pods` pods, each answering after a fixed `latencyMs`. */
export async function startLocalMesh(pods: number, latencyMs: number): Promise<BenchMesh> {
  const app: AppModel = {
    ...DEFAULT_APP,
    pods: DEFAULT_APP.pods
      .slice(0, pods)
      .map((p) => ({ ...p, behaviour: { mode: 'serve', latency: { kind: 'fixed', ms: latencyMs } } })),
  };
  const mesh = await startMesh({ app });
  return {
    gatewayUrl: mesh.gatewayUrl,
    host: app.gatewayHost,
    podUrls: mesh.pods.map((p) => p.url),
    applyPolicies: (docs) => mesh.applyPolicies(docs.map((d) => d.object)),
    stats: () => mesh.stats(),
    stop: () => mesh.stop(),
  };
}
