/**
 * `meshproof diff`: what got worse between two runs of the same scenario (e.g. main vs a PR).
 * A regression is (1) a gate that passed and now fails, (2) a failure rate or failure-cause
 * share that rose by more than the ratio tolerance with non-overlapping 95 % intervals, or
 * (3) a latency percentile that rose by more than the ms tolerance, also with non-overlapping
 * intervals — the interval condition keeps run-to-run noise from failing a pipeline.
 */
import { CAUSES, isFailure } from '../load/classify.js';
import { formatMs, formatPct, formatPp, formatDeltaMs, isNum } from '../report/format.js';
import { msBound, pctBound } from '../report/rows.js';
import { ratioStat } from './phase.js';
import type { PhaseName, RatioStat, Report } from '../report/model.js';

/** 2 percentage points: below that a share moving is not worth a red pipeline. */
export const DEFAULT_DIFF_TOLERANCE_RATIO = 0.02;
/** 5 ms: above timer and histogram resolution, below what a user of a ~25 ms service notices. */
export const DEFAULT_DIFF_TOLERANCE_MS = 5;

export interface DiffTolerance {
  ratio: number;
  ms: number;
}

export type ChangeKind = 'regression' | 'improvement' | 'change';

export interface Change {
  kind: ChangeKind;
  /** "policy overflow", "policy p95", "gate policy cause_overflow rate>=0.3" */
  what: string;
  old: string;
  new: string;
  change: string;
  /** why it is classed as it is */
  why: string;
}

export interface ReportDiff {
  old: RunRef;
  new: RunRef;
  tolerance: DiffTolerance;
  regression: boolean;
  changes: Change[];
  /** differences in the setup that make the comparison weaker (different scenario, load, engine) */
  warnings: string[];
}

interface RunRef {
  runId: string;
  createdAt: string;
  scenario: string;
  verdict: string;
}

const PHASES: PhaseName[] = ['baseline', 'policy'];
const ORDER: Record<ChangeKind, number> = { regression: 0, improvement: 1, change: 2 };

export function diffReports(oldR: Report, newR: Report, tolerance: DiffTolerance = { ratio: DEFAULT_DIFF_TOLERANCE_RATIO, ms: DEFAULT_DIFF_TOLERANCE_MS }): ReportDiff {
  const changes = [...gateChanges(oldR, newR), ...PHASES.flatMap((p) => [...ratioChanges(oldR, newR, p, tolerance), ...percentileChanges(oldR, newR, p, tolerance)])];
  if (oldR.verdict !== newR.verdict) changes.push({ kind: 'change', what: 'verdict', old: oldR.verdict, new: newR.verdict, change: 'verdict', why: 'overall verdict changed' });
  changes.sort((a, b) => ORDER[a.kind] - ORDER[b.kind]);
  return {
    old: ref(oldR),
    new: ref(newR),
    tolerance,
    regression: changes.some((c) => c.kind === 'regression'),
    changes,
    warnings: setupWarnings(oldR, newR),
  };
}

const ref = (r: Report): RunRef => ({ runId: r.runId, createdAt: r.createdAt, scenario: r.scenario.name, verdict: r.verdict });

function gateChanges(oldR: Report, newR: Report): Change[] {
  const key = (g: Report['gates'][number]) => `${g.scope} ${g.metric} ${g.expression}`;
  const before = new Map(oldR.gates.map((g) => [key(g), g]));
  const after = new Map(newR.gates.map((g) => [key(g), g]));
  const out: Change[] = [];
  for (const [k, g] of after) {
    const was = before.get(k);
    if (!was) {
      out.push({ kind: 'change', what: `gate ${k}`, old: '—', new: g.verdict, change: 'added', why: 'gate not in the old run' });
      continue;
    }
    if (was.verdict === g.verdict) continue;
    const kind: ChangeKind = was.verdict === 'pass' && g.verdict === 'fail' ? 'regression' : was.verdict === 'fail' && g.verdict === 'pass' ? 'improvement' : 'change';
    out.push({ kind, what: `gate ${k}`, old: was.verdict, new: g.verdict, change: 'verdict', why: g.message });
  }
  for (const [k, g] of before) if (!after.has(k)) out.push({ kind: 'change', what: `gate ${k}`, old: g.verdict, new: '—', change: 'removed', why: 'gate not in the new run' });
  return out;
}

function ratioChanges(oldR: Report, newR: Report, phase: PhaseName, tol: DiffTolerance): Change[] {
  const a = oldR.phases[phase].stats;
  const b = newR.phases[phase].stats;
  const items: [string, RatioStat | undefined, RatioStat | undefined][] = [[`${phase} failed`, a.failed, b.failed]];
  for (const cause of CAUSES) if (isFailure(cause) && (a.causes[cause] || b.causes[cause])) items.push([`${phase} ${cause}`, a.causes[cause], b.causes[cause]]);
  const out: Change[] = [];
  for (const [what, x, y] of items) {
    // a cause a run never saw is 0 of its requests — with its Wilson interval, whose upper
    // bound is not 0 (0/50 may be up to 7.1 %), so a few new errors in a small run are noise
    const was = x ?? ratioStat(0, a.requests);
    const now = y ?? ratioStat(0, b.requests);
    const d = now.ratio - was.ratio;
    if (Math.abs(d) <= tol.ratio) continue;
    const separate = d > 0 ? now.lo > was.hi : now.hi < was.lo;
    const kind: ChangeKind = !separate ? 'change' : d > 0 ? 'regression' : 'improvement';
    const why = separate
      ? `${d > 0 ? 'rose' : 'fell'} by more than ${formatPp(tol.ratio).replace('+', '')} and the 95 % intervals do not overlap`
      : `moved by more than the tolerance, but the 95 % intervals overlap (noise)`;
    const show = (r: typeof now) => `${formatPct(r.ratio)} [${pctBound(r.lo)}–${pctBound(r.hi)}]`;
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
    if (Math.abs(d) <= tol.ms) continue;
    // an open bound (∞) is never separate: too few samples to say the tail moved
    const separate = d > 0 ? isNum(was.hi) && now.lo > was.hi : isNum(now.hi) && now.hi < was.lo;
    const kind: ChangeKind = !separate ? 'change' : d > 0 ? 'regression' : 'improvement';
    const why = separate
      ? `${d > 0 ? 'rose' : 'fell'} by more than ${formatMs(tol.ms)} and the 95 % intervals do not overlap`
      : `moved by more than ${formatMs(tol.ms)}, but the 95 % intervals overlap (noise)`;
    const show = (p: typeof now) => `${formatMs(p.value)} [${msBound(p.lo)}–${msBound(p.hi)}]`;
    out.push({ kind, what: `${phase} ${key}`, old: show(was), new: show(now), change: formatDeltaMs(d), why });
  }
  return out;
}

function setupWarnings(oldR: Report, newR: Report): string[] {
  const w: string[] = [];
  if (oldR.scenario.name !== newR.scenario.name) w.push(`different scenarios: "${oldR.scenario.name}" vs "${newR.scenario.name}"`);
  if (JSON.stringify(oldR.load.profile) !== JSON.stringify(newR.load.profile)) w.push('different load profiles: differences may come from the load, not the change');
  if (oldR.engine.name !== newR.engine.name) w.push(`different engines: ${oldR.engine.name} vs ${newR.engine.name}`);
  if (oldR.target.kind !== newR.target.kind) w.push(`different targets: ${oldR.target.kind} vs ${newR.target.kind}`);
  return w;
}
