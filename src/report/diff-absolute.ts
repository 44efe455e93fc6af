/**
 * `meshproof diff --absolute`: the two runs' phases compared number by number. A regression
 * is a failure rate or failure-cause share that rose by more than the ratio tolerance, or a
 * latency percentile that rose by more than the ms tolerance — each with non-overlapping
 * 95 % intervals, which keeps sampling noise out. Machine noise it cannot keep out: a busier
 * runner raises every percentile of both phases (issue 14), which is why `diff` compares
 * effects by default (diff-effects.ts).
 */
import { CAUSES, isFailure } from '../load/classify.js';
import { formatMs, formatPct, formatPp, formatDeltaMs, isNum } from './format.js';
import { msBound, pctBound } from './rows.js';
import { ratioStat } from '../analysis/phase.js';
import type { PhaseName, RatioStat, Report } from './model.js';
import type { Change, ChangeKind, DiffTolerance } from './diff-model.js';

const PHASES: PhaseName[] = ['baseline', 'policy'];

export function absoluteChanges(oldR: Report, newR: Report, tol: DiffTolerance): Change[] {
  return PHASES.flatMap((p) => [...ratioChanges(oldR, newR, p, tol), ...percentileChanges(oldR, newR, p, tol)]);
}

function ratioChanges(oldR: Report, newR: Report, phase: PhaseName, tol: DiffTolerance): Change[] {
  const a = oldR.phases[phase].stats;
  const b = newR.phases[phase].stats;
  const items: [string, RatioStat | undefined, RatioStat | undefined][] = [[`${phase} failed`, a.failed, b.failed]];
  for (const cause of CAUSES)
    if (isFailure(cause) && (a.causes[cause] || b.causes[cause]))
      items.push([`${phase} ${cause}`, a.causes[cause], b.causes[cause]]);
  const out: Change[] = [];
  for (const [what, x, y] of items) {
    // a cause a run never saw is 0 of its requests — with its Wilson interval, whose upper
    // bound is not 0 (0/50 may be up to 7.1 %), so a few new errors in a small run are noise
    const was = x ?? ratioStat(0, a.requests);
    const now = y ?? ratioStat(0, b.requests);
    const d = now.ratio - was.ratio;
    const show = (r: typeof now) => `${formatPct(r.ratio)} [${pctBound(r.lo)}–${pctBound(r.hi)}]`;
    if (Math.abs(d) <= tol.ratio) {
      out.push({
        kind: 'unchanged',
        what,
        old: show(was),
        new: show(now),
        change: formatPp(d),
        why: `within ${formatPp(tol.ratio).replace('+', '')}`,
      });
      continue;
    }
    const separate = d > 0 ? now.lo > was.hi : now.hi < was.lo;
    const kind: ChangeKind = !separate ? 'change' : d > 0 ? 'regression' : 'improvement';
    const why = separate
      ? `${d > 0 ? 'rose' : 'fell'} by more than ${formatPp(tol.ratio).replace('+', '')} and the 95 % intervals do not overlap`
      : `moved by more than the tolerance, but the 95 % intervals overlap (noise)`;
    out.push({ kind, what, old: show(was), new: show(now), change: formatPp(d), why });
  }
  return out;
}

function percentileChanges(oldR: Report, newR: Report, phase: PhaseName, tol: DiffTolerance): Change[] {
  const a = oldR.phases[phase].stats.percentiles;
  const b = newR.phases[phase].stats.percentiles;
  const out: Change[] = [];
  for (const key of Object.keys(b)) {
    const was = a[key];
    const now = b[key];
    if (!was || !isNum(was.value) || !isNum(now.value)) continue;
    const d = now.value - was.value;
    const show = (p: typeof now) => `${formatMs(p.value)} [${msBound(p.lo)}–${msBound(p.hi)}]`;
    if (Math.abs(d) <= tol.ms) {
      out.push({
        kind: 'unchanged',
        what: `${phase} ${key}`,
        old: show(was),
        new: show(now),
        change: formatDeltaMs(d),
        why: `within ${formatMs(tol.ms)}`,
      });
      continue;
    }
    // an open bound (∞) is never separate: too few samples to say the tail moved
    const separate = d > 0 ? isNum(was.hi) && now.lo > was.hi : isNum(now.hi) && now.hi < was.lo;
    const kind: ChangeKind = !separate ? 'change' : d > 0 ? 'regression' : 'improvement';
    const why = separate
      ? `${d > 0 ? 'rose' : 'fell'} by more than ${formatMs(tol.ms)} and the 95 % intervals do not overlap`
      : `moved by more than ${formatMs(tol.ms)}, but the 95 % intervals overlap (noise)`;
    out.push({ kind, what: `${phase} ${key}`, old: show(was), new: show(now), change: formatDeltaMs(d), why });
  }
  return out;
}
