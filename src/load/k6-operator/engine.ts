/**
 * `--engine k6-operator`: one phase as a k6-operator TestRun with `parallelism` N (issue 17
 * item 3). Creates the ConfigMap and the TestRun in the namespace the user named, waits for
 * the stage the operator's controller writes last (controllers/testrun_controller.go:
 * "" → initialization → initialized → created → started → stopped → finished), checks every
 * runner pod ended as k6 ends a valid run (exit 0, or 99 for crossed thresholds: the
 * controller's FinishJobs counts failed jobs but still goes on to "finished", so the stage
 * alone does not say a runner failed), reads every runner pod's log
 * (`pods/log`) for the summary it printed between markers (log-summary.ts), merges them
 * exactly (merge.ts), and deletes what it created — recorded first in a journal file
 * (created.ts), told each object's uid, and deleted with that uid as a precondition, so a
 * same-named object someone else made is never deleted. The Kubernetes calls go through
 * `OperatorApi` (src/cluster/k6-operator-api.ts).
 */
import { readFileSync } from 'node:fs';
import { InfraError, UsageError } from '../../errors.js';
import { parseSummaryFile } from '../k6/summary.js';
import { mergePhaseResults } from '../merge.js';
import type { Engine, LoadProfile, PhaseResult, RequestPlan, RunOptions } from '../model.js';
import { profileMaxDurationMs } from '../profile.js';
import { evenSegments, segmentString, sequenceString } from '../segments.js';
import { CreatedJournal } from './created.js';
import { summaryFromLog } from './log-summary.js';
import {
  ARGUMENTS_MAX_BYTES,
  CONFIGMAP_MAX_BYTES,
  configMapObject,
  initializerSelector,
  operatorArguments,
  resumePatch,
  runnerSelector,
  testRunObject,
} from './objects.js';

type Obj = Record<string, unknown>;

/** DeleteOptions.preconditions (k8s.io/apimachinery meta/v1 types.go Preconditions) */
export interface DeletePreconditions {
  uid?: string;
  resourceVersion?: string;
}

/**
 * Where the controller never moves on, the engine looks at the pods itself (the stage alone
 * would leave it waiting until its deadline):
 *  - a failed initializer pod: the k6_initialize.go RunValidations that takes a *TestRun (the
 *    code after the K6 kind's removal) writes stage "error" for it; the one of the releases
 *    serving both kinds (TestRunI, returning without a stage when inspectTestRun errs) and the
 *    reconciler.io InitializerReconciler rewrite (controllers/initializer.go: "return error
 *    without requeue"; which release carries it is not verified) leave it at "initialization";
 *  - a runner pod that ended before the start: StartJobs (k6_start.go) creates the starter only
 *    once every runner pod is Running, so one that failed first (OOMKilled, k6 exited) holds the
 *    stage at "created" for ever; one that fails later is reported at once too (its summary is
 *    not valid whatever the stage), and the TestRun is deleted, which stops the others;
 *  - stage "created" held by spec.paused (grafana/k6-operator#457's guard: testrun_controller.go
 *    at commit 1537cb1e, case "created" `if k6.IsPaused()`, spec.paused unset counting as "true"
 *    — controllers/testrun_controller_test.go; the issue was open when last seen, so which
 *    release carries the guard is not verified): the engine sets spec.paused "false"
 *    once it sees "created" (objects.ts resumePatch). Operators without the guard started the
 *    runners regardless; there the patch changes nothing.
 */

/** A runner pod: its name, status.phase and the k6 container's exit code (and reason) once it ended. */
export interface RunnerPod {
  name: string;
  phase?: string;
  exitCode?: number;
  /** the k6 container's state reason: terminated (OOMKilled, Error) or waiting (ImagePullBackOff) */
  reason?: string;
}

/** The Kubernetes calls the engine makes; InfraError on failure (exit 3). */
export interface OperatorApi {
  /** the API server's URL, for messages and the journal */
  readonly server: string;
  /** the kubeconfig context, for the journal (restore uses it again) */
  readonly context: string;
  /** creates; returns what the server answered (with metadata.uid) */
  create(object: Obj): Promise<Obj>;
  /** the object as it is now, or null when there is none */
  get(object: Obj): Promise<Obj | null>;
  /** the TestRun's status.stage, or undefined before the operator set one */
  testRunStage(namespace: string, name: string): Promise<string | undefined>;
  /** JSON Patch on the TestRun (a failed `test` op is a 422) */
  patchTestRun(namespace: string, name: string, ops: Obj[]): Promise<void>;
  runnerPods(namespace: string, selector: string): Promise<RunnerPod[]>;
  podLog(namespace: string, pod: string): Promise<string>;
  /** deletes only when the preconditions hold (else the error carries httpCode 409); a 404 is fine (already gone) */
  remove(object: Obj, preconditions: DeletePreconditions): Promise<void>;
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
    const args = Buffer.byteLength(operatorArguments(plan, profile));
    if (args > ARGUMENTS_MAX_BYTES)
      throw new UsageError(
        `the request plan and load profile take ${args} bytes as the TestRun's arguments (percent-encoded); the operator's initializer runs them in one \`sh -c\` argument, which Linux caps at 128 KiB: at most ${ARGUMENTS_MAX_BYTES} bytes fit (a smaller request body or fewer headers)`,
      );
    const input = { name, namespace, parallelism: n, script, plan, profile, image: this.opts.image };
    const objects = [configMapObject(input), testRunObject(input)];
    const api = this.opts.api;
    const journal = new CreatedJournal(this.opts.journalDir, name, { server: api.server, context: api.context });
    journal.record(objects); // before anything exists
    // uid of each object this run created; `unsure` once a create failed without saying whether it happened
    const uids = new Map<Obj, string>();
    const created = { uids, unsure: false };
    let result: PhaseResult;
    try {
      for (const o of objects) {
        try {
          const answer = await api.create(o);
          const uid = String((answer.metadata as Obj | undefined)?.uid ?? '');
          if (uid) {
            uids.set(o, uid);
            journal.created(String(o.kind), uid);
          } else created.unsure = true;
        } catch (err) {
          // a refusal (4xx: forbidden, invalid, already exists — someone else's) created nothing;
          // a 5xx or a lost connection may have: the journal stays open for `meshproof restore`
          const code = (err as { httpCode?: number }).httpCode;
          if (code === undefined || code >= 500) created.unsure = true;
          throw err;
        }
      }
      await this.waitFinished(
        namespace,
        name,
        uids.get(objects[1]),
        profileMaxDurationMs(profile) + (this.opts.slackMs ?? 300_000),
        options.signal,
      );
      const merged = mergePhaseResults(await this.collect(namespace, name, n, profile, plan));
      const segments = evenSegments(n);
      result =
        n > 1
          ? {
              ...merged,
              instances: { count: n, sequence: sequenceString(segments), segments: segments.map(segmentString) },
            }
          : merged;
    } catch (err) {
      await this.deleteCreated(objects, created, journal); // the phase's own error says what went wrong
      throw err;
    }
    const left = await this.deleteCreated(objects, created, journal);
    // a measured phase must not hide what it left behind
    if (left)
      throw new InfraError(
        `k6-operator TestRun ${namespace}/${name}: ${left}; journal kept: ${journal.file}; \`meshproof restore --run ${name}\` deletes what is left`,
      );
    return result;
  }

  /**
   * Deletes, TestRun first (the operator then deletes its jobs and pods), only what this run
   * created, by uid (a same-named object someone else made answers 409), and closes the journal;
   * returns what may be left behind, or undefined.
   */
  private async deleteCreated(
    objects: Obj[],
    created: { uids: Map<Obj, string>; unsure: boolean },
    journal: CreatedJournal,
  ): Promise<string | undefined> {
    const failures: string[] = [];
    for (const o of [...objects].reverse()) {
      const uid = created.uids.get(o);
      if (!uid) continue;
      try {
        await this.opts.api.remove(o, { uid });
      } catch (err) {
        failures.push((err as Error).message);
      }
    }
    if (failures.length === 0 && !created.unsure) {
      journal.done('deleted by the run');
      return undefined;
    }
    return failures.join('; ') || 'a create failed without saying whether it happened';
  }

  private async waitFinished(
    namespace: string,
    name: string,
    uid: string | undefined,
    limitMs: number,
    signal?: AbortSignal,
  ): Promise<void> {
    const api = this.opts.api;
    const deadline = Date.now() + limitMs;
    // resumed: the #457 patch was sent; refused: RBAC without `patch` (only guarded operators need it)
    let resumed = false;
    let refused: string | undefined;
    for (;;) {
      const stage = await api.testRunStage(namespace, name);
      if (stage === 'finished') return;
      if (stage === 'error')
        // k6_initialize.go RunValidations writes it when the initializer job failed (`k6
        // archive`/`k6 inspect` erred) or reported fewer max VUs than parallelism
        throw new InfraError(
          `k6-operator TestRun ${namespace}/${name} ended in stage "error": the operator's initializer failed or found fewer VUs than parallelism${await this.initializerLog(namespace, name)} (kubectl describe testrun -n ${namespace} ${name})`,
        );
      if (stage === undefined || stage === '' || stage === 'initialization')
        await this.checkInitializer(namespace, name);
      else await this.checkRunners(namespace, name, stage);
      if (stage === 'created' && !resumed && uid) {
        resumed = true;
        try {
          await api.patchTestRun(namespace, name, resumePatch(uid));
        } catch (err) {
          if ((err as { httpCode?: number }).httpCode !== 403) throw err;
          refused = (err as Error).message;
        }
      }
      if (signal?.aborted)
        throw new InfraError(
          `interrupted while k6-operator TestRun ${namespace}/${name} was in stage "${stage ?? 'none'}"`,
        );
      if (Date.now() > deadline)
        throw new InfraError(
          `k6-operator TestRun ${namespace}/${name} did not finish within ${Math.round(limitMs / 1000)} s (stage "${stage ?? 'none'}"${await this.stuckHint(namespace, name, stage)}${stage === 'created' && refused ? `; spec.paused could not be set to "false" for an operator that waits for it (grafana/k6-operator#457): ${refused}` : ''})`,
        );
      await sleep(this.opts.pollMs ?? 2000, signal);
    }
  }

  /** A failed initializer pod is final whatever stage the operator leaves (see the note above RunnerPod). */
  private async checkInitializer(namespace: string, name: string): Promise<void> {
    const [pod] = await this.opts.api.runnerPods(namespace, initializerSelector(name));
    if (pod?.phase === 'Failed')
      throw new InfraError(
        `k6-operator TestRun ${namespace}/${name}: the initializer pod ${pod.name} failed${pod.exitCode === undefined ? '' : ` (exit ${pod.exitCode})`} — \`k6 archive\`/\`k6 inspect\` of the script with its arguments${await this.initializerLog(namespace, name, pod.name)}`,
      );
  }

  /** A runner pod that ended as no valid k6 run ends: its data is lost, and before the start it holds the stage. */
  private async checkRunners(namespace: string, name: string, stage: string): Promise<void> {
    const pods = await this.opts.api.runnerPods(namespace, runnerSelector(name));
    const bad = pods.find((p) => p.exitCode !== undefined && !K6_VALID_EXITS.includes(p.exitCode));
    if (!bad) return;
    const held =
      stage === 'created' || stage === 'initialized'
        ? '; the operator starts the runners only once every one is Running, so the TestRun would stay in stage "created"'
        : '';
    throw new InfraError(
      `runner pod ${namespace}/${bad.name} exited with ${bad.exitCode}${bad.reason ? ` (${bad.reason})` : ''} in stage "${stage}"${held}; only 0 and 99 (thresholds crossed) leave a valid summary (kubectl logs -n ${namespace} ${bad.name})`,
    );
  }

  /** `: <the last lines of the initializer's log>`, or a pointer to it when it cannot be read. */
  private async initializerLog(namespace: string, name: string, pod?: string): Promise<string> {
    const where = `; kubectl logs -n ${namespace} job/${name}-initializer`;
    try {
      const podName = pod ?? (await this.opts.api.runnerPods(namespace, initializerSelector(name)))[0]?.name;
      if (!podName) return where;
      const tail = (await this.opts.api.podLog(namespace, podName)).trimEnd().split('\n').slice(-5).join('\n');
      return tail ? `: ${tail}${where}` : where;
    } catch {
      return where;
    }
  }

  /** Where a TestRun that never finishes is stuck, in the controller's terms. */
  private async stuckHint(namespace: string, name: string, stage: string | undefined): Promise<string> {
    if (stage === undefined || stage === '') return '; is the k6 operator running and watching this namespace?';
    if (stage === 'initialization')
      return `; the initializer job runs \`k6 archive\` and \`k6 inspect\` first — kubectl logs -n ${namespace} job/${name}-initializer`;
    if (stage === 'initialized')
      return `; the operator creates the runner jobs only when no job ${name}-1 is left from an earlier TestRun of this name`;
    if (stage !== 'created') return '';
    // StartJobs waits for every runner pod to be Running, then for every runner's REST API
    const waiting = (await this.opts.api.runnerPods(namespace, runnerSelector(name)).catch(() => []))
      .filter((p) => p.phase !== 'Running')
      .map((p) => `${p.name} ${p.phase ?? 'unknown'}${p.reason ? ` (${p.reason})` : ''}`);
    return `; the starter waits for every runner pod to be Running and its k6 REST API to answer${waiting.length ? `; not Running: ${waiting.join(', ')}` : ''}`;
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
        `k6-operator TestRun ${namespace}/${name}: expected ${n} runner pods, found ${pods.length} (${pods.map((p) => p.name).join(', ') || 'none'})`,
      );
    // "finished" follows failed runners too (k6_finish.go FinishJobs: "TODO: We should
    // distinguish between Suceeded/Failed/Unknown"): each pod's own exit says whether its data is k6's
    for (const p of pods)
      if (!K6_VALID_EXITS.includes(p.exitCode ?? -1))
        throw new InfraError(
          `runner pod ${namespace}/${p.name} ${p.exitCode === undefined ? `has not ended as k6 does (phase ${p.phase ?? 'unknown'})` : `exited with ${p.exitCode}${p.reason ? ` (${p.reason})` : ''}`}; only 0 and 99 (thresholds crossed) leave a valid summary (kubectl logs -n ${namespace} ${p.name})`,
        );
    const parts: PhaseResult[] = [];
    for (const pod of pods) {
      const text = summaryFromLog(await this.opts.api.podLog(namespace, pod.name));
      if (text === undefined)
        throw new InfraError(
          `runner pod ${namespace}/${pod.name} printed no meshproof summary (is the TestRun's script meshproof's resilience.js?)`,
        );
      try {
        parts.push(parseSummaryFile(text, { profile, plan, version: 'k6-operator', endedAt: new Date() }));
      } catch (err) {
        throw new InfraError(`runner pod ${namespace}/${pod.name}: ${(err as Error).message}`);
      }
    }
    return parts;
  }
}

/** k6's exits after which its summary is valid (errext/exitcodes: 0, 99 ThresholdsHaveFailed). */
const K6_VALID_EXITS = [0, 99];

/** Waits `ms`, or less if `signal` aborts; the abort listener goes with the wait (one per poll would pile up on the run's signal). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = () => (clearTimeout(t), resolve());
    const t = setTimeout(() => (signal?.removeEventListener('abort', onAbort), resolve()), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
