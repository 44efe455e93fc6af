/**
 * The things measured, built by other parts of meshproof. Kept in one file so the
 * benchmarks name each subject once.
 */
import { BuiltinEngine } from '../../src/load/builtin/engine.js';
import type { Engine } from '../../src/load/model.js';

/** A subject that is not there (yet): its figures are printed as skipped. */
export class MissingSubject extends Error {}

async function importOptional(spec: string): Promise<Record<string, unknown> | null> {
  try {
    return (await import(new URL(spec, import.meta.url).href)) as Record<string, unknown>;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return null;
    throw e;
  }
}

/** The built-in engine (src/load/builtin). Async like the other subjects, for one calling shape. */
export async function builtinEngine(): Promise<Engine> {
  return new BuiltinEngine();
}

/** What the mesh benchmark needs of a running local mesh. */
export interface BenchMesh {
  gatewayUrl: string;
  /** Host header the gateway routes (the app model's gatewayHost) */
  host: string;
  /** each pod's own base URL, for direct requests */
  podUrls: string[];
  applyPolicies(docs: unknown[]): Promise<void>;
  stop(): Promise<void>;
}

/** The local mesh (src/mesh) with `pods` pods answering after a fixed `latencyMs`. */
export async function startLocalMesh(pods: number, latencyMs: number): Promise<BenchMesh> {
  const m = await importOptional('../../src/mesh/index.ts');
  const appModel = await importOptional('../../src/mesh/app-model.ts');
  if (typeof m?.startMesh !== 'function' || !appModel) throw new MissingSubject('startMesh not found in src/mesh/index.ts');
  const base = appModel.DEFAULT_APP as { gatewayHost: string; pods: { behaviour: object }[] };
  const app = {
    ...base,
    pods: base.pods.slice(0, pods).map((p) => ({ ...p, behaviour: { mode: 'serve', latency: { kind: 'fixed', ms: latencyMs } } })),
  };
  const mesh = (await m.startMesh({ app })) as Record<string, unknown> & { gatewayUrl: string; applyPolicies(d: unknown[]): Promise<void>; stop(): Promise<void> };
  const podList = (mesh.pods ?? []) as { url?: string; port?: number }[];
  return {
    gatewayUrl: mesh.gatewayUrl,
    host: base.gatewayHost,
    podUrls: podList.map((p) => p.url ?? `http://127.0.0.1:${p.port}`),
    applyPolicies: async (d) => void (await mesh.applyPolicies(d)),
    stop: () => mesh.stop(),
  };
}
