/**
 * hey (github.com/rakyll/hey, Debian's 0.1.4): a native Go load generator, spawned, its
 * summary parsed. Two uses: closed-loop req/s beside the built-in engine's, and a reference
 * client for the accuracy benchmarks (a native client's latency error on this machine, the
 * floor the engine's is judged beside).
 *
 * What its numbers are (requester/requester.go, report.go, print.go of rakyll/hey):
 * - a latency is makeRequest's `now() - s`, from before `client.Do` to the body read and
 *   closed, so a new connection's dial is inside it;
 * - percentiles: the sorted latencies' element at index ⌈n·p/100⌉ (`latencies()`), one rank
 *   above HDR's ⌈n·p/100⌉-th value (src/load/histogram.ts);
 * - printed as `formatNumber` = `%4.4f` seconds: a 0.1 ms resolution (±0.05 ms);
 * - `-q` limits each of the `-c` workers to q req/s with a `time.Tick` it waits on before each
 *   request: a closed loop with a rate cap, not constant arrival — a slow response delays that
 *   worker's next request instead of queuing it (Go tickers drop the ticks a reader misses).
 */
import type { LoadFigures } from './load.js';
import { runCommand } from './proc.js';

/** Slack on top of a run's own duration before hey is killed. */
const HEY_GRACE_MS = 15_000;

/** What hey's summary says: throughput, responses by status, latency percentiles. */
export interface HeySummary {
  rps: number;
  /** responses with a status (`Status code distribution`) */
  responses: number;
  /** responses that were not 2xx, plus requests that got no response (`Error distribution`) */
  failed: number;
  /** percentile (10, 25, 50, 75, 90, 95, 99) → ms, as printed (0.1 ms resolution) */
  latencyMs: Record<number, number>;
}

/** Parses hey's default summary output; throws naming what is missing. */
export function parseHey(text: string): HeySummary {
  const rps = Number(/Requests\/sec:\s*([\d.]+)/.exec(text)?.[1]);
  if (!Number.isFinite(rps)) throw new Error(`hey: no "Requests/sec:" in its output: ${text}`);
  const statuses = [...text.matchAll(/\[(\d{3})\]\s+(\d+) responses/g)];
  const responses = statuses.reduce((n, m) => n + Number(m[2]), 0);
  const non2xx = statuses.reduce((n, m) => (m[1].startsWith('2') ? n : n + Number(m[2])), 0);
  // "Error distribution:" lines are "  [count]\tmessage"; status lines end in "responses"
  const errorPart = text.split('Error distribution:')[1] ?? '';
  const errors = [...errorPart.matchAll(/\[(\d+)\]\t/g)].reduce((n, m) => n + Number(m[1]), 0);
  const latencyMs: Record<number, number> = {};
  for (const m of text.matchAll(/(\d+)% in ([\d.]+) secs/g)) latencyMs[Number(m[1])] = Number(m[2]) * 1000;
  return { rps, responses, failed: non2xx + errors, latencyMs };
}

/** hey for a duration (-z), closed loop: req/s and the status distribution. */
export async function heyClosedLoop(url: string, connections: number, seconds: number): Promise<LoadFigures> {
  const out = await runHey(['-z', `${seconds}s`, '-c', String(connections), '-disable-compression', url], seconds);
  const s = parseHey(out);
  if (!(s.responses > 0)) throw new Error('hey: no request completed');
  return { rps: s.rps, requests: s.responses, failed: s.failed };
}

export interface HeyLatency {
  p50: number;
  p99: number;
  responses: number;
  failed: number;
  /** the hey workers (-c) and each one's cap (-q) */
  workers: number;
  perWorker: number;
}

/**
 * About `rate` req/s for `seconds`: enough workers that each, capped at rate/workers req/s,
 * is idle at least half its time at `latencyMs` — so the cap, not the response time, sets
 * the pace (10 workers × 50/s at 500/s and 10 ms).
 */
export async function heyLatencyAtRate(
  url: string,
  rate: number,
  seconds: number,
  latencyMs: number,
): Promise<HeyLatency> {
  const workers = Math.max(10, Math.ceil((rate * 2 * latencyMs) / 1000));
  const perWorker = rate / workers;
  const out = await runHey(['-z', `${seconds}s`, '-c', String(workers), '-q', String(perWorker), url], seconds);
  const s = parseHey(out);
  const p50 = s.latencyMs[50];
  const p99 = s.latencyMs[99];
  if (!(s.responses > 0) || p50 === undefined || p99 === undefined)
    throw new Error(`hey: no latency distribution in its output: ${out}`);
  return { p50, p99, responses: s.responses, failed: s.failed, workers, perWorker };
}

async function runHey(args: string[], seconds: number): Promise<string> {
  const r = await runCommand('hey', args, seconds * 1000 + HEY_GRACE_MS);
  if (r.code !== 0) throw new Error(`hey exited ${r.code}: ${r.stderr || r.stdout}`);
  return r.stdout;
}
