/**
 * The accuracy benchmarks' rounds: a client measures the kernel-timed server for a while, and
 * its percentiles are set against the kernel's truth of the same requests (the server's record
 * is reset before each round). The built-in engine is one client; hey, a native Go client, is
 * the other: its error on the same machine, in the same conditions, is the floor the engine's
 * is judged beside — on a shared 2-core VM a native client's p99 error is not 0 either.
 */
import type { LatencySummary } from '../../src/load/histogram.js';
import { figure, skipped, type Figure } from '../report.js';
import { heyLatencyAtRate, type HeyLatency } from './hey.js';
import type { TimedTarget } from './kernel-target.js';
import { notInstalled } from './references.js';

export type Quantile = 'p50' | 'p99';

/** One client's round: what it saw, the truth of the same requests, and seen − truth. */
export interface Round<T extends Record<Quantile, number>> {
  client: T;
  server: LatencySummary;
  error: Record<Quantile, number>;
}

/** Resets the server's record, runs `measure`, and sets what it saw against the truth. */
export async function timedRound<T extends Record<Quantile, number>>(
  target: TimedTarget,
  measure: () => Promise<T>,
): Promise<Round<T>> {
  await target.reset();
  const client = await measure();
  const server = await target.truth();
  return { client, server, error: { p50: client.p50 - server.p50, p99: client.p99 - server.p99 } };
}

/** How far a round is off: the benchmark's rule, applied alike to every client. */
export type Badness = (r: Round<Record<Quantile, number>>) => number;

/**
 * The round with the smallest error: on a shared machine a neighbour's burst lands in some
 * p99s, and the best round is the closest to what the client itself adds.
 */
export function bestRound<R extends Round<Record<Quantile, number>>>(rounds: R[], badness: Badness): R {
  return rounds.reduce((a, b) => (badness(b) < badness(a) ? b : a));
}

/** "0.41, 1.20 ms": every round's error at `q`. */
export function roundErrors(rounds: Round<Record<Quantile, number>>[], q: Quantile): string {
  return `${rounds.map((r) => r.error[q].toFixed(2)).join(', ')} ms`;
}

/** A hey round at `rate`/s for `seconds` against the server (answering after `delayMs`). */
export function heyRound(
  target: TimedTarget,
  rate: number,
  seconds: number,
  delayMs: number,
): Promise<Round<HeyLatency>> {
  return timedRound(target, () => heyLatencyAtRate(target.url, rate, seconds, delayMs));
}

export function heyFigureName(q: Quantile, rate: number): string {
  return `${q} error, hey (Go) as client, ${rate}/s`;
}

/** The line beside an engine figure when hey is not installed: says so, and how to get it. */
export function heyMissing(bench: string, q: Quantile, rate: number): Figure {
  return skipped(bench, heyFigureName(q, rate), 'ms', `reference client missing: ${notInstalled('hey')}`);
}

/**
 * The reference line beside an engine figure: hey's error at `q` in its best round (chosen
 * by the same `badness` as the engine's), no target of its own. The note says how hey's
 * numbers differ from the engine's: its executor, its print resolution, its fresh process.
 */
export function heyFigure(
  bench: string,
  q: Quantile,
  rate: number,
  rounds: Round<HeyLatency>[],
  badness: Badness,
): Figure {
  const best = bestRound(rounds, badness);
  const h = best.client;
  const counts =
    h.responses === best.server.count
      ? `${h.responses} responses`
      : `hey counted ${h.responses} responses, the server ${best.server.count}`;
  const failed = h.failed > 0 ? `; ${h.failed} failed` : '';
  return figure({
    bench,
    name: heyFigureName(q, rate),
    value: best.error[q],
    unit: 'ms',
    reference: { name: `server ${q}`, value: best.server[q] },
    note:
      `reference client, no target: hey ${h[q].toFixed(1)} ms, server ${best.server[q].toFixed(3)} ms, ${counts}${failed}; ` +
      `hey's own process, ${h.workers} workers each capped at ${h.perWorker}/s (-c, -q: a closed loop with a rate cap, ` +
      'not constant arrival), percentiles printed at 0.1 ms resolution (±0.05 ms), a fresh process each round ' +
      `(its dials inside its latencies); best round by the engine's rule, all rounds ${roundErrors(rounds, q)}`,
  });
}
