/**
 * One experiment, as design.md "The flow" draws it:
 * lint → snapshot → for each slot of A B B A …: [apply → verify propagation] or [restore to
 * the snapshot] → warm-up (not measured) → measured phase → restore (in a `finally`, so also
 * on errors and aborts) → read back → pooled statistics, gates, verdict.
 *
 * A library function: the applier, the engine, the clock and the output all come in as
 * arguments (style.md habit 1), so tests drive it with fakes and `meshproof run` with the
 * local mesh or a cluster.
 */
import {
  type Applier,
  type CounterSource,
  keyOf,
  type ObjectKey,
  type Snapshot,
  uniqueKeys,
  type VerifyResult,
  DEFAULT_NAMESPACE,
  type TargetTopology,
} from '../ports.js';
import type { Engine, PhaseResult, Progress, RequestPlan } from '../load/model.js';
import type { PhaseName, Report } from '../report/model.js';
import { InfraError, MeshproofError } from '../errors.js';
import type { Scenario } from '../scenario/scenario.js';
import { phaseOrder } from './order.js';
import { peakLoad } from '../scenario/load-cap.js';
import { warmupProfile } from './warmup.js';
import { preparePolicies, type PreparedPolicies } from './policies.js';
import { buildReport, type PhaseRuns } from './report-builder.js';
import { runIdFor } from '../report/write.js';
import { counterDeltas } from '../analysis/gateway-counters.js';

export type { PhaseRuns };
import { readBack } from './read-back.js';
import { ConcurrentChangeError } from '../cluster/concurrent.js';
import { realClock, type Clock } from './clock.js';
import type { Attribution } from './attribution.js';

export type { Clock };

/** Everything the run reports while it goes (the CLI draws progress from it; tests record it). */
export type ExperimentEvent =
  | { type: 'lint'; findings: string[] }
  | { type: 'snapshot'; keys: ObjectKey[] }
  | { type: 'apply'; at: string }
  | { type: 'verified'; result: VerifyResult }
  | { type: 'restore'; reason: 'alternate' | 'final' }
  | { type: 'phase'; phase: PhaseName; slot: number; slots: number; warmup: boolean }
  | { type: 'progress'; phase: PhaseName; slot: number; warmup: boolean; progress: Progress }
  | { type: 'phase-done'; phase: PhaseName; slot: number; result: PhaseResult };

export interface ExperimentDeps {
  applier: Applier;
  engine: Engine;
  target: { url: string; host?: string; kind?: 'local' | 'cluster' };
  clock?: Clock;
  signal?: AbortSignal;
  onEvent?: (e: ExperimentEvent) => void;
  counters?: CounterSource;
  /** report run id; default derived from the clock */
  runId?: string;
  /** policies already loaded and checked (the session does it before opening a cluster) */
  policies?: PreparedPolicies;
  /**
   * where the target runs (OpenTarget.topology); a mesh in this process gets the load from a
   * worker thread, so the engine never measures on the gateway's event loop (issue 18)
   */
  topology?: TargetTopology;
}

/** Thrown when the signal aborts the run; the policy has been restored by then (exit 3). */
export class ExperimentInterrupted extends InfraError {
  constructor(reason: string) {
    super(`interrupted (${reason}); nothing is left applied and no report was written`);
  }
}

export async function runExperiment(spec: Scenario, deps: ExperimentDeps): Promise<Report> {
  const clock = deps.clock ?? realClock;
  const emit = deps.onEvent ?? (() => {});
  const startedAt = clock.now();
  const policies = deps.policies ?? (await preparePolicies(spec.policy, spec.target.subsetFrom));
  emit({ type: 'lint', findings: policies.lint });
  const runs = await runPhases(spec, deps, policies);
  return buildReport({
    spec,
    target: deps.target,
    applierDescription: deps.applier.description,
    engine: { name: deps.engine.name, version: await deps.engine.version() },
    placement: deps.engine.placement,
    topology: deps.topology,
    policies,
    runs,
    runId: deps.runId ?? runIdFor(startedAt, spec.name),
    createdAt: new Date(startedAt).toISOString(),
  });
}

/** Snapshot, the alternating phases, and the restore that always follows. */
export async function runPhases(spec: Scenario, deps: ExperimentDeps, policies: PreparedPolicies): Promise<PhaseRuns> {
  const { applier, signal } = deps;
  const emit = deps.onEvent ?? (() => {});
  const keys = uniqueKeys(policies.docs.map((d) => keyOf(d, spec.policy.namespace ?? DEFAULT_NAMESPACE)));
  const runs: PhaseRuns = {
    order: phaseOrder(spec.repeat),
    results: { baseline: [], policy: [] },
    counters: { baseline: [], policy: [] },
    notes: [],
  };
  checkAborted(signal);
  const snapshot = await applier.snapshot(keys);
  emit({ type: 'snapshot', keys });
  let touched = false; // set before apply: a failed apply may have half-applied
  let failure: unknown;
  try {
    for (const [slot, phase] of runs.order.entries()) {
      checkAborted(signal);
      if (phase === 'policy' && !touched) {
        touched = true;
        await applyAndVerify(spec, deps, policies, runs);
      } else if (phase === 'baseline' && touched) {
        await applier.restore(snapshot);
        emit({ type: 'restore', reason: 'alternate' });
        touched = false;
      }
      await measure(spec, deps, phase, slot, runs, policies.attribution);
    }
  } catch (err) {
    failure = err;
    throw err;
  } finally {
    if (touched) await finalRestore(applier, snapshot, emit, failure);
  }
  runs.notes.push(...(await readBack(applier, snapshot)));
  return runs;
}

async function applyAndVerify(
  spec: Scenario,
  deps: ExperimentDeps,
  policies: PreparedPolicies,
  runs: PhaseRuns,
): Promise<void> {
  const clock = deps.clock ?? realClock;
  const emit = deps.onEvent ?? (() => {});
  const at = new Date(clock.now()).toISOString();
  await deps.applier.apply(policies.docs);
  emit({ type: 'apply', at });
  runs.policyAppliedAt ??= at;
  const result = await deps.applier.verify(policies.docs, {
    timeoutMs: spec.policy.propagationTimeoutMs,
    signal: deps.signal,
  });
  checkAborted(deps.signal);
  emit({ type: 'verified', result });
  if (!result.ok) {
    const lagging = result.replicas.filter((r) => !r.ok).map((r) => `${r.name}${r.reason ? ` (${r.reason})` : ''}`);
    throw new InfraError(
      `the policy did not reach the data plane within ${spec.policy.propagationTimeoutMs / 1000}s: ${lagging.join(', ') || 'no replica confirmed it'}`,
    );
  }
  runs.propagationMs ??= result.elapsedMs;
  runs.effective ??= result.effective;
  if (spec.policy.settleMs > 0) {
    // an abort ends the wait early; checkAborted turns it into ExperimentInterrupted
    await clock.sleep(spec.policy.settleMs, deps.signal).catch(() => {});
    checkAborted(deps.signal);
  }
}

/** Warm-up (discarded) then the measured phase; gateway counters bracket the measured part. */
async function measure(
  spec: Scenario,
  deps: ExperimentDeps,
  phase: PhaseName,
  slot: number,
  runs: PhaseRuns,
  attribution: Attribution | undefined,
): Promise<void> {
  const emit = deps.onEvent ?? (() => {});
  const plan = planOf(spec, deps.target, attribution);
  const slots = runs.order.length;
  const onProgress = (warmup: boolean) => (progress: Progress) =>
    emit({ type: 'progress', phase, slot, warmup, progress });
  if (spec.warmupMs > 0) {
    emit({ type: 'phase', phase, slot, slots, warmup: true });
    const warmup = warmupProfile(spec.load, spec.warmupMs);
    // a warm-up may ask fewer VUs than the phase: no instance may be left with none
    const instances = Math.min(spec.instances, peakLoad(warmup).vus);
    await deps.engine.run(warmup, plan, {
      signal: deps.signal,
      seed: spec.seed + 1000 + slot,
      onProgress: onProgress(true),
      instances,
      isolate: isolated(deps),
    });
    checkAborted(deps.signal);
  }
  emit({ type: 'phase', phase, slot, slots, warmup: false });
  const before = await readCounters(deps, runs, phase, slot, 'before');
  const result = await deps.engine.run(spec.load, plan, {
    signal: deps.signal,
    seed: spec.seed + slot,
    onProgress: onProgress(false),
    instances: spec.instances,
    isolate: isolated(deps),
  });
  checkAborted(deps.signal);
  const after = before && (await readCounters(deps, runs, phase, slot, 'after'));
  if (before && after && !runs.countersLost?.includes(phase)) runs.counters[phase].push(counterDeltas(before, after));
  runs.results[phase].push(result);
  emit({ type: 'phase-done', phase, slot, result });
}

/** The local mesh serves from this process: the load must come from another thread. */
const isolated = (deps: ExperimentDeps): boolean => deps.topology?.mesh === 'in-process';

/**
 * Gateway counters are the proxy's confirmation of what the clients measured,
 * not the measurement itself: a /stats read that fails (a replica restarting, a pod-proxy
 * hiccup) costs that phase its gateway deltas and leaves a note — it does not throw away the
 * run. The whole phase, not just the slot: a sum over fewer slots than the clients' counts
 * would be flagged as a gateway/client mismatch.
 */
async function readCounters(
  deps: ExperimentDeps,
  runs: PhaseRuns,
  phase: PhaseName,
  slot: number,
  when: 'before' | 'after',
): Promise<Record<string, number> | undefined> {
  if (!deps.counters) return undefined;
  try {
    return await deps.counters.read({
      opensDelta: when === 'before',
      note: (line) => runs.notes.push(`gateway counters: before the ${phase} phase (slot ${slot + 1}): ${line}`),
    });
  } catch (err) {
    // a refusal no retry can cure (e.g. RBAC on pods/portforward: cluster/gateway-pods.ts)
    // stops the run here — before the first apply when it is the first read
    if ((err as { permanent?: boolean } | undefined)?.permanent) throw err;
    runs.notes.push(
      `gateway counters: reading /stats ${when} the ${phase} phase (slot ${slot + 1}) failed, so the ${phase} phase reports no gateway deltas: ${err instanceof Error ? err.message : String(err)}`,
    );
    if (!runs.countersLost?.includes(phase)) (runs.countersLost ??= []).push(phase);
    runs.counters[phase] = [];
    return undefined;
  }
}

async function finalRestore(
  applier: Applier,
  snapshot: Snapshot,
  emit: (e: ExperimentEvent) => void,
  failure: unknown,
): Promise<void> {
  try {
    await applier.restore(snapshot);
    emit({ type: 'restore', reason: 'final' });
  } catch (err) {
    // someone else changed what we applied: the error already says what, who, and how to restore
    if (err instanceof ConcurrentChangeError) throw err;
    const why = err instanceof Error ? err.message : String(err);
    const also = failure instanceof Error ? ` (after: ${failure.message})` : '';
    // the restore failure matters more than whatever went wrong before it: the target is dirty
    throw new InfraError(`restoring the policy failed: ${why}${also}; run \`meshproof restore\` to retry`);
  }
}

export function planOf(spec: Scenario, target: ExperimentDeps['target'], attribution?: Attribution): RequestPlan {
  return {
    method: spec.target.method,
    baseUrl: target.url,
    path: spec.target.path,
    host: target.host ?? spec.target.host,
    headers: spec.target.headers,
    ...(attribution ? { subsetFrom: attribution.subsetFrom, subsets: attribution.subsets } : {}),
  };
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  const reason = signal.reason;
  if (reason instanceof MeshproofError) throw reason;
  throw new ExperimentInterrupted(
    typeof reason === 'string' ? reason : reason instanceof Error ? reason.message : 'aborted',
  );
}
