/**
 * The run's topology (report.json \`topology\`, issue 18): where the load generator, the gateway
 * and the pods ran. One line for the renderers, and what \`meshproof diff\` warns about: on a
 * shared event loop each part's stalls land in the others' latency, so numbers taken in
 * different topologies are not comparable.
 */
import { placementOf } from '../load/placement.js';
import type { TargetTopology } from '../ports.js';
import type { Report, Topology } from './model.js';

/** A target that did not say where it runs: a cluster's, or the local mesh with its pods, in this process. */
export function targetTopologyOf(kind: 'local' | 'cluster'): TargetTopology {
  return kind === 'cluster' ? { mesh: 'cluster', pods: 'cluster' } : { mesh: 'in-process', pods: 'in-process' };
}

/**
 * The report's topology; a report written before issue 18 has none, and then it is what that
 * version did: the built-in engine on the main thread unless split into instances, k6 in a
 * process, the local mesh and its pods in meshproof's process.
 */
export function topologyOf(report: Report): Topology {
  if (report.topology) return report.topology;
  const results = [report.phases.baseline.result, report.phases.policy.result];
  return {
    engine: placementOf({ placement: report.engine.name === 'k6' ? 'process' : undefined }, results),
    ...targetTopologyOf(report.target.kind === 'cluster' ? 'cluster' : 'local'),
  };
}

/** "engine worker-thread (nice -5) · gateway in-process · pods in-process" */
export function describeTopology(t: Topology): string {
  const nice = t.engineNice === undefined ? '' : ` (nice ${t.engineNice})`;
  return `engine ${t.engine}${nice} · gateway ${t.mesh} · pods ${t.pods}`;
}

/** The parts that ran elsewhere in the two reports, e.g. ["engine main-thread → worker-thread"]; empty when alike. */
export function topologyChanges(oldR: Report, newR: Report): string[] {
  const a = topologyOf(oldR);
  const b = topologyOf(newR);
  const names: Record<Exclude<keyof Topology, 'engineNice'>, string> = {
    engine: 'engine',
    mesh: 'gateway',
    pods: 'pods',
  };
  const moved = (Object.keys(names) as (keyof typeof names)[])
    .filter((k) => a[k] !== b[k])
    .map((k) => `${names[k]} ${a[k]} → ${b[k]}`);
  // the engine thread's priority decides how soon a response is timestamped on a busy machine.
  // A report that did not record it (older, or where the thread could not tell) ran at a
  // priority nobody knows: against one that did, on the same engine placement, that is a
  // difference too, never assumed away
  // (an engine that moved is listed above; its priority unknown on one side adds nothing)
  const nice = (n: number | undefined) => (n === undefined ? '(not recorded)' : String(n));
  const oneUnknown = (a.engineNice === undefined) !== (b.engineNice === undefined);
  if (a.engineNice !== b.engineNice && !(oneUnknown && a.engine !== b.engine))
    moved.push(`engine nice ${nice(a.engineNice)} → ${nice(b.engineNice)}`);
  return moved;
}
