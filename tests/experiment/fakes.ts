/**
 * Fakes for the orchestrator: an in-memory Applier and a scripted Engine, both writing to one
 * call log, so a test can assert the exact order of everything the experiment did.
 */
import type { Applier, ObjectKey, Snapshot, VerifyResult } from '../../src/ports.js';
import type { Engine, LoadProfile, PhaseResult, RequestPlan, RunOptions } from '../../src/load/model.js';
import type { Cause } from '../../src/load/classify.js';
import type { PolicyDoc } from '../../src/policy/model.js';
import type { Clock } from '../../src/experiment/clock.js';
import { createHistogram, recordMs, serializeHistogram, summarize } from '../../src/load/histogram.js';

const keyText = (k: ObjectKey) => `${k.kind}/${k.namespace}/${k.name}`;

export class FakeApplier implements Applier {
  readonly description = 'fake applier';
  readonly store = new Map<string, Record<string, unknown>>();
  constructor(
    readonly log: string[],
    initial: Record<string, unknown>[] = [],
    private readonly verifyResult: Partial<VerifyResult> = {},
  ) {
    for (const o of initial) this.store.set(keyOfObject(o), structuredClone(o));
  }
  async snapshot(keys: ObjectKey[]): Promise<Snapshot> {
    this.log.push('snapshot');
    return {
      takenAt: new Date().toISOString(),
      entries: keys.map((key) => ({ key, object: structuredClone(this.store.get(keyText(key)) ?? null) })),
    };
  }
  async apply(docs: PolicyDoc[]): Promise<void> {
    this.log.push('apply');
    for (const d of docs) this.store.set(keyOfObject(d.object), structuredClone(d.object));
  }
  async restore(snapshot: Snapshot): Promise<void> {
    this.log.push('restore');
    for (const e of snapshot.entries) {
      if (e.object) this.store.set(keyText(e.key), structuredClone(e.object));
      else this.store.delete(keyText(e.key));
    }
  }
  async verify(): Promise<VerifyResult> {
    this.log.push('verify');
    return { ok: true, elapsedMs: 12, replicas: [{ name: 'gateway', ok: true }], ...this.verifyResult };
  }
}

function keyOfObject(o: Record<string, unknown>): string {
  const md = o.metadata as { name: string; namespace?: string };
  return `${o.kind}/${md.namespace ?? 'default'}/${md.name}`;
}

/** What one fake run returns: cause → count, all at `latencyMs`. */
export type Script = (call: {
  n: number;
  profile: LoadProfile;
  options?: RunOptions;
}) => Promise<Partial<Record<Cause, number>>> | Partial<Record<Cause, number>>;

export interface FakeRun {
  profile: LoadProfile;
  plan: RequestPlan;
  options?: RunOptions;
  result: PhaseResult;
}

export class FakeEngine implements Engine {
  readonly name = 'builtin' as const;
  calls = 0;
  /** test hook: sees every run (what it was asked, what it returned) before run() returns */
  onRun: (run: FakeRun) => void = () => {};
  constructor(
    readonly log: string[],
    private readonly script: Script,
    private readonly label: () => string,
  ) {}
  async version(): Promise<string> {
    return 'fake-1';
  }
  async run(profile: LoadProfile, plan: RequestPlan, options?: RunOptions): Promise<PhaseResult> {
    this.log.push(this.label());
    const causes = await this.script({ n: this.calls++, profile, options });
    const result = fakeResult(profile, plan, causes, 20);
    this.onRun({ profile, plan, options, result });
    return result;
  }
}

/** A Clock (src/experiment/clock.ts) whose sleeps cost nothing and are recorded, with the log entry `sleep <ms>`. */
export class FakeClock implements Clock {
  private t = Date.parse('2026-11-21T10:00:00Z');
  constructor(readonly log: string[]) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    this.log.push(`sleep ${ms}`);
    this.t += ms;
  }
}

const STATUS_OF: Record<Cause, string> = {
  ok: '200',
  overflow: '503',
  no_healthy_upstream: '503',
  route_timeout: '504',
  fault_abort: '503',
  upstream_reset: '503',
  app_error: '500',
  client_error: '404',
  network_error: '0',
};

export function fakeResult(
  profile: LoadProfile,
  plan: RequestPlan,
  causes: Partial<Record<Cause, number>>,
  latencyMs: number,
): PhaseResult {
  const h = createHistogram();
  const statuses: Record<string, number> = {};
  let requests = 0;
  const byCause: PhaseResult['histograms']['byCause'] = {};
  const byCauseSummary: PhaseResult['latency']['byCause'] = {};
  for (const [cause, n] of Object.entries(causes) as [Cause, number][]) {
    if (!n) continue;
    requests += n;
    statuses[STATUS_OF[cause]] = (statuses[STATUS_OF[cause]] ?? 0) + n;
    const hc = createHistogram();
    for (let i = 0; i < n; i++) {
      const ms = latencyMs * (0.5 + (i % 100) / 100);
      recordMs(h, ms);
      recordMs(hc, ms);
    }
    byCause[cause] = serializeHistogram(hc);
    byCauseSummary[cause] = summarize(hc);
  }
  const start = Date.parse('2026-01-01T00:00:00Z');
  return {
    profile,
    plan,
    engine: { name: 'builtin', version: 'fake-1' },
    startedAt: new Date(start).toISOString(),
    endedAt: new Date(start + 1000).toISOString(),
    durationMs: 1000,
    requests,
    iterations: requests,
    droppedIterations: 0,
    statuses,
    causes,
    latency: { overall: summarize(h), byCause: byCauseSummary },
    histograms: { overall: serializeHistogram(h), byCause },
    timeline: [{ t: 0, requests, statuses, causes, p95: summarize(h).p95 }],
  };
}
