/**
 * `meshproof diff` (default): compares what each run's policy did to its own baseline
 * (effects.ts) — the overflow share it adds, the failures it removes, the tail it cuts — so
 * a runner that is slower or busier than last time does not count as a regression.
 *
 * An effect is read against its neutral value (0 for a share difference, ×1 for a latency
 * ratio) in the old run: significantly above it, below it, or neither (interval straddles
 * it). A regression is
 * - an effect that **weakened** — moved toward neutral, or past it — by more than the
 *   tolerance (the larger of an absolute floor and a fraction of the old effect's size, see
 *   DEFAULT_DIFF_TOLERANCE_EFFECT) with non-overlapping 95 % intervals: the policy adds less overflow (or any
 *   failure share it adds: resilience policies work by failing fast), removes fewer failures,
 *   or cuts a percentile less;
 * - a **new failure cause**: one the new run's policy phase shows significantly more often
 *   than its baseline (Newcombe interval above 0) while the baseline saw none of it, that
 *   the old run's policy did not add, and that adds more than the share floor (2 pp).
 *   Significance and the floor keep a stray connection reset, or a burst of timeouts from
 *   one stall of a busy runner, from turning a pipeline red.
 * Latency effects are those of the `ok` answers (effects.ts says why).
 * A latency *cost* (ratio above 1, e.g. retries) that grows is reported as a change, not a
 * regression: issue 14 names the tail a policy cuts, not the one it adds; a `delta` gate on
 * http_req_duration states such a budget.
 */
import { formatNumber, formatPp, formatPct, isNum } from './format.js';
import { pctBound } from './rows.js';
import type { Report } from './model.js';
import type { Change, ChangeKind, DiffTolerance } from './diff-model.js';
import { neutral, runEffects, seenFailureCauses, type Effect } from '../analysis/effects.js';

export function effectChanges(oldR: Report, newR: Report, tol: DiffTolerance): Change[] {
  // both runs get the same keys: a cause only one run saw is 0/n in the other
  const causes = [...new Set([...seenFailureCauses(oldR), ...seenFailureCauses(newR)])];
  const before = runEffects(oldR, causes);
  const after = runEffects(newR, causes);
  return [...after].map(([key, now]) => compareEffect(before.get(key)!, now, tol));
}

function compareEffect(was: Effect, now: Effect, tol: DiffTolerance): Change {
  const base = { what: label(now), old: show(was), new: show(now), change: showMove(was, now) };
  const say = (kind: ChangeKind, why: string): Change => ({ kind, ...base, why });
  if (!isNum(was.value) || !isNum(now.value)) return say('unchanged', 'no latency data in one of the runs');
  const fresh = newCause(was, now, tol.ratio);
  if (fresh) return say('regression', fresh);
  const n0 = neutral(now);
  const floor = now.kind === 'share' ? tol.ratio : tol.latencyRatio;
  const relative = tol.effect * Math.abs(was.value - n0);
  const tolerance = Math.max(floor, relative);
  const amount =
    now.kind === 'share'
      ? formatPp(tolerance).replace('+', '')
      : `${formatNumber(Number(tolerance.toPrecision(2)))} of the ratio`;
  const tolText = relative > floor ? `${amount} (${formatNumber(tol.effect * 100)} % of the old effect)` : amount;
  const moved = now.value - was.value;
  if (Math.abs(moved) <= tolerance) return say('unchanged', `within ${tolText}`);
  // an open bound (∞, or NaN from 0/0) is never separate: too few samples to say it moved
  const separate = moved > 0 ? now.lo > was.hi : now.hi < was.lo;
  if (!separate) return say('change', `moved by more than ${tolText}, but the 95 % intervals overlap (noise)`);
  const dir = was.lo > n0 ? 1 : was.hi < n0 ? -1 : 0;
  const fromTo = `${show(was)} → ${show(now)}`;
  if (dir === 0)
    return say('change', `the old run's policy had no clear effect on ${subject(now)}; the new one has (${fromTo})`);
  const weaker = Math.sign(moved) === -dir;
  // weaker and now indistinguishable from neutral, or on its other side: the effect is gone
  const gone = weaker && (dir > 0 ? now.lo <= n0 : now.hi >= n0);
  const { kind, words } = reading(now, dir, weaker, gone);
  return say(
    kind,
    `${words} (${fromTo}): ${weaker ? 'weaker' : 'stronger'} by more than ${tolText} and the 95 % intervals do not overlap`,
  );
}

/** What a significant effect moving means, by what it is and which way it points. */
function reading(e: Effect, dir: 1 | -1, weaker: boolean, gone: boolean): { kind: ChangeKind; words: string } {
  if (e.kind === 'latency') {
    const p = `the ${e.metric} of ok answers`;
    if (dir < 0)
      return weaker
        ? { kind: 'regression', words: gone ? `the policy no longer cuts ${p}` : `the policy cuts ${p} less` }
        : { kind: 'improvement', words: `the policy cuts ${p} more` };
    return weaker
      ? { kind: 'improvement', words: `the policy adds less to ${p}` }
      : { kind: 'change', words: `the policy adds more to ${p}` };
  }
  const what = e.metric === 'failed' ? 'failures' : e.metric;
  const less = e.metric === 'failed' ? 'fewer failures' : `less ${e.metric}`;
  const more = e.metric === 'failed' ? 'more failures' : `more ${e.metric}`;
  if (dir > 0)
    return weaker
      ? { kind: 'regression', words: gone ? `the policy no longer adds ${what}` : `the policy adds ${less}` }
      : { kind: 'change', words: `the policy adds ${more}` };
  return weaker
    ? { kind: 'regression', words: gone ? `the policy no longer removes ${what}` : `the policy removes ${less}` }
    : { kind: 'improvement', words: `the policy removes ${more}` };
}

/**
 * The "new failure cause" rule, or '' when it does not apply. The cause must also add more
 * than the share floor (`--tolerance-ratio`): one stall of a busy runner longer than a
 * perTryTimeout turns the requests in flight into a burst of 504s — significant against a
 * baseline without timeouts, yet a fraction of a percent. Below the floor the ordinary rule
 * reports it (as a change).
 */
function newCause(was: Effect, now: Effect, floor: number): string {
  if (now.kind !== 'share' || now.metric === 'failed') return '';
  if (now.baseline.count !== 0 || !(now.lo > 0) || was.lo > 0 || !(now.value - was.value > floor)) return '';
  return `new failure cause: the policy phase has ${now.policy.count} ${now.metric} (${formatPct(now.policy.ratio)}) and its baseline none; the old run's policy did not add it`;
}

const subject = (e: Effect) =>
  e.kind === 'latency' ? `the ${e.metric} of ok answers` : e.metric === 'failed' ? 'failures' : e.metric;
const label = (e: Effect) => (e.kind === 'latency' ? `ok ${e.metric} latency` : `${e.metric} share`);

/** "+45.0 pp [43.1–46.8]" for a share difference, "×0.47 [0.45–0.49]" for a latency ratio. */
function show(e: Effect): string {
  if (e.kind === 'share') return `${formatPp(e.value)} [${pctBound(e.lo)}–${pctBound(e.hi)}]`;
  return `×${formatNumber(e.value)} [${formatNumber(e.lo)}–${formatNumber(e.hi)}]`;
}

function showMove(was: Effect, now: Effect): string {
  const d = now.value - was.value;
  if (now.kind === 'share') return formatPp(d);
  return isNum(d) ? `${d > 0 ? '+' : ''}${d.toFixed(2)}` : 'n/a';
}
