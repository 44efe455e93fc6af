/** Where a phase's load ran (report.json `topology.engine`, issue 18). */
import type { Engine, EnginePlacement, PhaseResult } from './model.js';

/** The engine's fixed placement, else what the threads its results name say. */
export function placementOf(engine: Pick<Engine, 'placement'>, results: PhaseResult[]): EnginePlacement {
  if (engine.placement) return engine.placement;
  const threads = results.flatMap((r) => r.threads ?? []);
  // a built-in result without threads predates issue 18: it ran on the main thread unless split
  const split = results.some((r) => (r.instances?.count ?? 1) > 1);
  if (threads.length === 0) return split ? 'worker-thread' : 'main-thread';
  return threads.includes(0) ? 'main-thread' : 'worker-thread';
}
