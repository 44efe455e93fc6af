/**
 * `--engine k6-operator`: one phase as a k6-operator TestRun with `parallelism` N (issue 17
 * item 3). Creates the ConfigMap and the TestRun in the namespace the user named, waits for
 * status.stage `finished` (or `error`), reads every runner pod's log (`pods/log`) for the summary
 * it printed between markers (log-summary.ts), merges them exactly (merge.ts), and deletes what
 * it created — recorded first in a journal file (created.ts), so an interrupted run leaves a
 * list of what to delete. The Kubernetes calls go through `OperatorApi` (src/cluster/k6-operator-api.ts).
 */
import { readFileSync } from 'node:fs';
import { InfraError } from '../../errors.js';
import { parseSummaryFile } from '../k6/summary.js';
import { mergePhaseResults } from '../merge.js';
import type { Engine, LoadProfile, PhaseResult, RequestPlan, RunOptions } from '../model.js';
import { profileMaxDurationMs } from '../profile.js';
import { evenSegments, segmentString, sequenceString } from '../segments.js';
import { CreatedJournal } from './created.js';
import { summaryFromLog } from './log-summary.js';
import { CONFIGMAP_MAX_BYTES, configMapObject, runnerSelector, testRunObject } from './objects.js';

type Obj = Record<string, unknown>;

/** The Kubernetes calls the engine makes; InfraError on failure (exit 3). */
export interface OperatorApi {
  /** "namespace/name" of the API server, for messages */
  readonly server: string;
  create(object: Obj): Promise<void>;
  /** the TestRun's status.stage, or undefined before the operator set one */
  testRunStage(namespace: string, name: string): Promise<string | undefined>;
  runnerPods(namespace: string, selector: string): Promise<string[]>;
  podLog(namespace: string, pod: string): Promise<string>;
  /** deletes; a 404 is fine (already gone) */
  remove(object: Obj): Promise<void>;
}

export interface K6OperatorOptions {
  api: OperatorApi;
  namespace: string;
  /** the bundled script; default dist/k6/resilience.js */
  script: string;
  /** where the journal of created objects lives */
  journalDir: string;
  /** runner image; default the operator's */
  image?: string;
  /** how often the TestRun is read; default 2 s */
  pollMs?: number;
  /** beyond the profile's longest run, how long the operator may take to start and finish runners; default 5 min */
  slackMs?: number;
  /** names the objects; default meshproof-<time> */
  name?: () => string;
}

export class K6OperatorEngine implements Engine {
  readonly name = 'k6' as const;
  readonly placement = 'pod' as const;
  private count = 0;

  constructor(private readonly opts: K6OperatorOptions) {}

  async version(): Promise<string> {
    return 'k6-operator';
  }

  async run(profile: LoadProfile, plan: RequestPlan, options: RunOptions = {}): Promise<PhaseResult> {
    const n = Math.max(1, options.instances ?? 1);
    const name = this.opts.name?.() ?? `meshproof-${Date.now().toString(36)}-${++this.count}`;
    const namespace = this.opts.namespace;
    const script = readFileSync(this.opts.script, 'utf8');
    if (Buffer.byteLength(script) > CONFIGMAP_MAX_BYTES)
      throw new InfraError(`${this.opts.script} is larger than a ConfigMap may hold (1 MiB)`);
    const input = { name, namespace, parallelism: n, script, plan, profile, image: this.opts.image };
    const objects = [configMapObject(input), testRunObject(input)];
    const journal = new CreatedJournal(this.opts.journalDir, name, this.opts.api.server);
    journal.record(objects); // before anything exists
    try {
      for (const o of objects) await this.opts.api.create(o);
      await this.waitFinished(
        namespace,
        name,
        profileMaxDurationMs(profile) + (this.opts.slackMs ?? 300_000),
        options.signal,
      );
      const parts = await this.collect(namespace, name, n, profile, plan);
      const merged = mergePhaseResults(parts);
      const segments = evenSegments(n);
      return n > 1
        ? {
            ...merged,
            instances: { count: n, sequence: sequenceString(segments), segments: segments.map(segmentString) },
          }
        : merged;
    } finally {
      // the TestRun first: deleting it makes the operator delete its jobs and pods
      const failures: string[] = [];
      for (const o of [...objects].reverse()) {
        try {
          await this.opts.api.remove(o);
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
      if (failures.length === 0) journal.done();
    }
  }

  private async waitFinished(namespace: string, name: string, limitMs: number, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + limitMs;
    for (;;) {
      const stage = await this.opts.api.testRunStage(namespace, name);
      if (stage === 'finished') return;
      if (stage === 'error')
        throw new InfraError(
          `k6-operator TestRun ${namespace}/${name} ended in stage "error" (kubectl describe testrun -n ${namespace} ${name})`,
        );
      if (signal?.aborted)
        throw new InfraError(
          `interrupted while k6-operator TestRun ${namespace}/${name} was in stage "${stage ?? 'none'}"`,
        );
      if (Date.now() > deadline)
        throw new InfraError(
          `k6-operator TestRun ${namespace}/${name} did not finish within ${Math.round(limitMs / 1000)} s (stage "${stage ?? 'none'}")`,
        );
      await sleep(this.opts.pollMs ?? 2000, signal);
    }
  }

  private async collect(
    namespace: string,
    name: string,
    n: number,
    profile: LoadProfile,
    plan: RequestPlan,
  ): Promise<PhaseResult[]> {
    const pods = await this.opts.api.runnerPods(namespace, runnerSelector(name));
    if (pods.length !== n)
      throw new InfraError(
        `k6-operator TestRun ${namespace}/${name}: expected ${n} runner pods, found ${pods.length} (${pods.join(', ') || 'none'})`,
      );
    const parts: PhaseResult[] = [];
    for (const pod of pods) {
      const text = summaryFromLog(await this.opts.api.podLog(namespace, pod));
      if (text === undefined)
        throw new InfraError(
          `runner pod ${namespace}/${pod} printed no meshproof summary (is the TestRun's script meshproof's resilience.js?)`,
        );
      try {
        parts.push(parseSummaryFile(text, { profile, plan, version: 'k6-operator', endedAt: new Date() }));
      } catch (err) {
        throw new InfraError(`runner pod ${namespace}/${pod}: ${(err as Error).message}`);
      }
    }
    return parts;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
}
