/**
 * The k6 engine: runs dist/k6/resilience.js with the plan and profile passed by `-e`, and
 * reads back the summary its handleSummary wrote. Same PhaseResult as the built-in engine.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InfraError } from '../../errors.js';
import { runInstances, type InstanceSlot } from '../instances.js';
import type { Engine, LoadProfile, PhaseResult, RequestPlan, RunOptions } from '../model.js';
import { profileDurationMs } from '../profile.js';
import { PROGRESS_INTERVAL_MS } from '../progress.js';
import { segmentString, sequenceString } from '../segments.js';
import { requireK6 } from './locate.js';
import { checkK6Exit, runK6Process } from './process.js';
import { parseSummaryFile } from './summary.js';
import { parseK6Version } from './version.js';

export interface K6EngineOptions {
  /** the k6 executable (--k6); default MESHPROOF_K6, then PATH */
  k6?: string;
  /** the bundled script; default dist/k6/resilience.js of this package */
  script?: string;
  /** environment for finding and running k6; default process.env */
  env?: NodeJS.ProcessEnv;
}

export class K6Engine implements Engine {
  readonly name = 'k6' as const;
  readonly placement = 'process' as const;
  private cachedVersion: string | undefined;

  constructor(private readonly opts: K6EngineOptions = {}) {}

  /** The k6 executable this engine runs; InfraError (exit 3) when there is none. */
  executable(): string {
    return requireK6({ k6: this.opts.k6, env: this.opts.env });
  }

  /** `k6 version` → "2.3.0" (version.ts parseK6Version; InfraError if k6 cannot run). */
  async version(): Promise<string> {
    if (this.cachedVersion) return this.cachedVersion;
    const exit = await runK6Process(this.executable(), ['version'], undefined, this.opts.env);
    checkK6Exit(exit);
    this.cachedVersion = parseK6Version(exit.stdout);
    return this.cachedVersion;
  }

  /**
   * One k6 process, or with `instances` N > 1 N processes started together, each with
   * `--execution-segment i/N:(i+1)/N --execution-segment-sequence 0,1/N,…,1` (k6's own
   * distributed execution: each scales VUs and rates to its segment), merged exactly.
   */
  async run(profile: LoadProfile, plan: RequestPlan, options: RunOptions = {}): Promise<PhaseResult> {
    const instances = options.instances ?? 1;
    if (instances <= 1) return this.runOne(profile, plan, options, []);
    await this.version(); // once, before N processes ask
    return runInstances(instances, options.signal, (slot: InstanceSlot) =>
      this.runOne(
        profile,
        plan,
        { ...options, signal: slot.signal, onProgress: slot.index === 0 ? options.onProgress : undefined },
        [
          '--execution-segment',
          segmentString(slot.segment),
          '--execution-segment-sequence',
          sequenceString(slot.sequence),
        ],
      ).catch((err: unknown) => {
        throw err instanceof InfraError
          ? new InfraError(
              `instance ${slot.index + 1} of ${slot.count} (segment ${segmentString(slot.segment)}): ${err.message}`,
            )
          : err;
      }),
    );
  }

  private async runOne(
    profile: LoadProfile,
    plan: RequestPlan,
    options: RunOptions,
    segmentArgs: string[],
  ): Promise<PhaseResult> {
    const k6 = this.executable();
    const script = this.opts.script ?? findScript();
    const version = await this.version();
    const dir = await mkdtemp(join(tmpdir(), 'meshproof-k6-'));
    const summaryPath = join(dir, 'summary.json');
    const args = [
      'run',
      '--no-usage-report', // k6 reports usage over the network by default (ecosystem.md)
      '--quiet', // no k6 progress bar: meshproof draws its own line
      ...segmentArgs,
      '-e',
      `MESHPROOF_PLAN=${JSON.stringify(plan)}`,
      '-e',
      `MESHPROOF_PROFILE=${JSON.stringify(profile)}`,
      '-e',
      `MESHPROOF_SUMMARY=${summaryPath}`,
      script,
    ];
    const started = Date.now();
    const totalMs = profileDurationMs(profile);
    const progress = options.onProgress
      ? setInterval(
          () =>
            options.onProgress?.({
              elapsedMs: Math.min(totalMs, Date.now() - started),
              totalMs,
              requests: 0,
              statuses: {},
            }),
          PROGRESS_INTERVAL_MS,
        )
      : undefined;
    try {
      const exit = await runK6Process(k6, args, options.signal, this.opts.env);
      // aborted by us: k6 stops on SIGINT, still writes its summary, and exits 105 — partial data is data
      if (!(options.signal?.aborted && existsSync(summaryPath))) checkK6Exit(exit);
      let text: string;
      try {
        text = await readFile(summaryPath, 'utf8');
      } catch {
        throw new InfraError(
          `k6 exited with code ${exit.code} but wrote no summary to ${summaryPath} (is ${script} meshproof's resilience.js?)${exit.stderrTail ? `:\n${exit.stderrTail}` : ''}`,
        );
      }
      try {
        return parseSummaryFile(text, { profile, plan, version, endedAt: new Date() });
      } catch (err) {
        throw new InfraError(`k6 summary ${summaryPath}: ${(err as Error).message}`);
      }
    } finally {
      clearInterval(progress);
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/**
 * dist/k6/resilience.js relative to this module: beside dist/cli.js when bundled, or under the
 * package root when running from src/ (tsx, tests).
 */
export function findScript(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    for (const candidate of [join(dir, 'k6', 'resilience.js'), join(dir, 'dist', 'k6', 'resilience.js')]) {
      if (existsSync(candidate)) return candidate;
    }
    dir = dirname(dir);
  }
  throw new InfraError('dist/k6/resilience.js not found: run `npm run build` (node build.mjs) first');
}
