/**
 * The load generators compared side by side, each reduced to the same few numbers:
 * the built-in engine (the subject), autocannon (programmatic, in this process), and —
 * when installed — wrk (spawned; hey: hey.ts). Closed loop unless a rate is given.
 */
import autocannon from 'autocannon';
import type { Engine, LoadProfile, PhaseResult, RunOptions } from '../../src/load/model.js';
import type { LatencySummary, SerializedHistogram } from '../../src/load/histogram.js';
import { runCommand } from './proc.js';

export interface LoadFigures {
  /** completed requests per second over the measured window */
  rps: number;
  requests: number;
  /** requests that were not a 2xx response */
  failed: number;
}

/** Slack on top of a run's own duration before an external tool is killed. */
const TOOL_GRACE_MS = 15_000;

function check(name: string, f: LoadFigures): LoadFigures {
  if (!(f.requests > 0)) throw new Error(`${name}: no request completed`);
  return f;
}

export function closedLoop(vus: number, seconds: number): LoadProfile {
  return { executor: 'constant-vus', vus, duration: `${seconds}s`, gracefulStop: '5s' };
}

export function openLoop(rate: number, seconds: number, vus: number): LoadProfile {
  return {
    executor: 'constant-arrival-rate',
    rate,
    timeUnit: '1s',
    duration: `${seconds}s`,
    preAllocatedVUs: vus,
    maxVUs: vus * 4,
    gracefulStop: '5s',
  };
}

/** `host`: the Host header to send (the mesh gateway routes on it); default from the URL. */
export function runEngine(
  engine: Engine,
  baseUrl: string,
  profile: LoadProfile,
  options: RunOptions = {},
  host?: string,
): Promise<PhaseResult> {
  return engine.run(profile, { method: 'GET', baseUrl, path: '/', ...(host ? { host } : {}) }, options);
}

export function engineFigures(r: PhaseResult): LoadFigures {
  const ok = Object.entries(r.statuses).reduce((n, [s, c]) => (s.startsWith('2') ? n + c : n), 0);
  return check('builtin', { rps: r.requests / (r.durationMs / 1000), requests: r.requests, failed: r.requests - ok });
}

export async function engineClosedLoop(
  engine: Engine,
  url: string,
  connections: number,
  seconds: number,
  host?: string,
): Promise<LoadFigures> {
  return engineFigures(await runEngine(engine, url, closedLoop(connections, seconds), {}, host));
}

/** Open loop at `rate`/s; latency is the engine's send → response-complete (http_req_duration). */
export async function engineLatencyAtRate(
  engine: Engine,
  url: string,
  rate: number,
  seconds: number,
  host?: string,
  options: RunOptions = {},
): Promise<LatencySummary & { dropped: number; histogram: SerializedHistogram; threads?: number[] }> {
  // k6 sizing: VUs ≥ rate × latency; rate/20 covers 50 ms responses, 5× the 10 ms of the accuracy server
  const r = await runEngine(engine, url, openLoop(rate, seconds, Math.max(10, Math.ceil(rate / 20))), options, host);
  if (r.requests === 0) throw new Error('builtin: no request completed');
  return { ...r.latency.overall, dropped: r.droppedIterations, histogram: r.histograms.overall, threads: r.threads };
}

export async function autocannonClosedLoop(
  url: string,
  connections: number,
  seconds: number,
  host?: string,
): Promise<LoadFigures> {
  const r = await autocannon({
    url,
    connections,
    duration: seconds,
    pipelining: 1,
    ...(host ? { headers: { host } } : {}),
  });
  const requests = r.requests.total;
  return check('autocannon', { rps: requests / r.duration, requests, failed: r.non2xx + r.errors + r.timeouts });
}

/** wrk with one thread (the Node tools have one loop too); parses "Requests/sec:". `host`: the Host header. */
export async function wrkClosedLoop(
  url: string,
  connections: number,
  seconds: number,
  host?: string,
): Promise<LoadFigures> {
  // wrk takes whole seconds
  const out = await runCommand(
    'wrk',
    [
      '-t1',
      `-c${connections}`,
      `-d${Math.max(1, Math.round(seconds))}s`,
      ...(host ? ['-H', `Host: ${host}`] : []),
      url,
    ],
    seconds * 1000 + TOOL_GRACE_MS,
  );
  const rps = Number(/Requests\/sec:\s*([\d.]+)/.exec(out.stdout)?.[1]);
  const requests = Number(/(\d+) requests in/.exec(out.stdout)?.[1]);
  const failed = Number(/Non-2xx or 3xx responses:\s*(\d+)/.exec(out.stdout)?.[1] ?? 0);
  if (!Number.isFinite(rps)) throw new Error(`wrk: unexpected output: ${out.stdout}${out.stderr}`);
  return check('wrk', { rps, requests, failed });
}
