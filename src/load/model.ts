/**
 * The load model (design.md "Contracts"): what to send (RequestPlan), how (LoadProfile, in
 * k6's executor vocabulary and field names) and what came back (PhaseResult). Both engines
 * — built-in and k6 — consume the first two and produce the third, so everything
 * downstream is engine-blind.
 */
import type { Cause } from './classify.js';
import type { LatencySummary, SerializedHistogram } from './histogram.js';
import type { SubsetFrom } from './subset-from.js';
import type { SubsetResults } from './subsets.js';

/** k6 duration strings ("30s", "1m30s"), parsed with src/util/duration.ts. */
export type K6Duration = string;

export interface Stage {
  duration: K6Duration;
  target: number;
}

/** k6 `constant-vus`: `vus` closed-loop VUs for `duration`. */
export interface ConstantVus {
  executor: 'constant-vus';
  vus: number;
  duration: K6Duration;
  gracefulStop?: K6Duration;
}
/** k6 `ramping-vus`: VU count follows `stages` (linear ramps), from `startVUs`. */
export interface RampingVus {
  executor: 'ramping-vus';
  startVUs?: number;
  stages: Stage[];
  gracefulStop?: K6Duration;
  gracefulRampDown?: K6Duration;
}
/** k6 `constant-arrival-rate`: `rate` iterations per `timeUnit`, open loop. */
export interface ConstantArrivalRate {
  executor: 'constant-arrival-rate';
  rate: number;
  timeUnit?: K6Duration;
  duration: K6Duration;
  preAllocatedVUs: number;
  maxVUs?: number;
  gracefulStop?: K6Duration;
}
/** k6 `ramping-arrival-rate`: iteration rate follows `stages`, from `startRate`. */
export interface RampingArrivalRate {
  executor: 'ramping-arrival-rate';
  startRate?: number;
  timeUnit?: K6Duration;
  stages: Stage[];
  preAllocatedVUs: number;
  maxVUs?: number;
  gracefulStop?: K6Duration;
}
export type LoadProfile = ConstantVus | RampingVus | ConstantArrivalRate | RampingArrivalRate;
export const EXECUTORS = ['constant-vus', 'ramping-vus', 'constant-arrival-rate', 'ramping-arrival-rate'] as const;
export type Executor = LoadProfile['executor'];

/** One iteration = one request described by this plan. */
export interface RequestPlan {
  method: string;
  /** scheme://host:port of the target (ingress gateway or local mesh) */
  baseUrl: string;
  /** path + query, e.g. "/productpage" */
  path: string;
  /** Host header (the VirtualService host); omitted → taken from baseUrl */
  host?: string;
  headers?: Record<string, string>;
  body?: string;
  /** client-side per-request timeout (k6 `timeout` param); default DEFAULT_REQUEST_TIMEOUT */
  timeout?: K6Duration;
  /** where a response says which subset served it (subset-from.ts); unset = not attributed */
  subsetFrom?: SubsetFrom;
  /** the subsets the applied routes declare (the k6 script defines its per-subset metrics from them) */
  subsets?: string[];
}

/** Defaults, each with its reason. */
/** k6's own default request timeout is 60s; we keep it so both engines agree. */
export const DEFAULT_REQUEST_TIMEOUT: K6Duration = '60s';
/** k6's default gracefulStop. */
export const DEFAULT_GRACEFUL_STOP: K6Duration = '30s';
/** k6's default timeUnit for arrival-rate executors. */
export const DEFAULT_TIME_UNIT: K6Duration = '1s';

/** One second of the run: counts and p95 of requests that *completed* in that second. */
export interface TimelinePoint {
  /** seconds since phase start (0-based) */
  t: number;
  requests: number;
  statuses: Record<string, number>;
  causes: Partial<Record<Cause, number>>;
  /** p95 of http_req_duration in ms for responses completed in this second (NaN → null in JSON) */
  p95: number | null;
  /**
   * the histogram behind `p95`, when the engine has one (built-in engine), so merged
   * timelines recompute p95 exactly (merge.ts); k6's end-of-test summary has no per-second data
   */
  histogram?: SerializedHistogram;
}

export interface EngineInfo {
  name: 'builtin' | 'k6';
  version: string;
}

export interface PhaseResult {
  /** the requested profile and plan, echoed back */
  profile: LoadProfile;
  plan: RequestPlan;
  engine: EngineInfo;
  /** ISO timestamps of the measured window */
  startedAt: string;
  endedAt: string;
  /** measured wall time in ms (end − start) */
  durationMs: number;
  /** completed HTTP requests (responses + network errors) */
  requests: number;
  /** completed iterations (one request each in meshproof's model) */
  iterations: number;
  /** arrival-rate executors: iterations that could not start because no VU was free */
  droppedIterations: number;
  /** status code (as a string; "0" = no response) → count */
  statuses: Record<string, number>;
  /** cause → count; sums to `requests` */
  causes: Partial<Record<Cause, number>>;
  latency: {
    /** http_req_duration: request sent → response complete */
    overall: LatencySummary;
    byCause: Partial<Record<Cause, LatencySummary>>;
    /** arrival-rate only: scheduled start → response complete (no coordinated omission) */
    scheduled?: LatencySummary;
  };
  /** mergeable histograms behind the summaries above */
  histograms: {
    overall: SerializedHistogram;
    byCause: Partial<Record<Cause, SerializedHistogram>>;
    scheduled?: SerializedHistogram;
  };
  timeline: TimelinePoint[];
  /** per subset that served responses, when the plan attributes them (issue 16) */
  subsets?: SubsetResults;
  /**
   * present when the phase ran as several instances (k6 execution segments, src/load/segments.ts):
   * how many, the sequence, and each instance's segment, in order; the counts above are their exact merge
   */
  instances?: InstancesInfo;
  /**
   * built-in engine: the worker_threads threadId of each thread that generated this load
   * (0 = the process's main thread, which also runs the local mesh); absent for k6, a process of its own
   */
  threads?: number[];
  /**
   * built-in engine on its kept thread (a run on the local mesh): that thread's nice value
   * (instance-worker.ts raisePriority: −5 where the user may raise it, else the process's); absent
   * where it was not read (not Linux, other placements). A higher priority shortens the delay
   * between a response and its timestamp, so it is part of the topology reports compare.
   */
  nice?: number;
}

export interface InstancesInfo {
  count: number;
  /** --execution-segment-sequence, e.g. "0,1/2,1" */
  sequence: string;
  /** each instance's --execution-segment, e.g. ["0:1/2", "1/2:1"] */
  segments: string[];
}

/** Progress callback payload for long runs (the CLI draws a one-line display from it). */
export interface Progress {
  elapsedMs: number;
  totalMs: number;
  requests: number;
  statuses: Record<string, number>;
}

export interface RunOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  seed?: number;
  /**
   * run the phase as this many instances, each with its k6 execution segment (i/N:(i+1)/N),
   * merged into one result (default 1: one instance, no segment)
   */
  instances?: number;
  /**
   * built-in engine: generate the load in a worker thread even as one instance, so it shares no
   * event loop with what this process also serves (the local mesh: issue 18). k6 is a process of its own.
   */
  isolate?: boolean;
}

/**
 * Where an engine generated load (report.json `topology.engine`): the main thread of
 * meshproof's process, worker threads of it, a k6 process, k6-operator runner pods.
 */
export type EnginePlacement = 'main-thread' | 'worker-thread' | 'process' | 'pod';

/** Both engines implement this; the experiment runner sees nothing else. */
export interface Engine {
  readonly name: EngineInfo['name'];
  /** where its load runs when that does not depend on the run (k6: 'process'); the built-in engine's results say (`threads`) */
  readonly placement?: EnginePlacement;
  version(): Promise<string>;
  run(profile: LoadProfile, plan: RequestPlan, options?: RunOptions): Promise<PhaseResult>;
  /** Frees what the engine keeps between phases (the built-in engine's isolated thread). */
  close?(): Promise<void>;
}
