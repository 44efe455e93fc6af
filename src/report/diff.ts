/**
 * `meshproof diff`: what got worse between two runs of the same scenario (e.g. main vs a PR).
 *
 * By default it compares **effects** (diff-effects.ts): what each run's policy did to that
 * run's own baseline, so a runner that is busier or slower than last time does not turn the
 * pipeline red. `absolute` compares the two runs' phases number by number (diff-absolute.ts),
 * which is right only when both ran on the same quiet machine.
 *
 * In both modes a gate that passed and now fails is a regression, and every comparison is
 * kept (kind "unchanged" included) so JUnit can show one test case per comparison.
 */
import type { Report } from './model.js';
import type { Change, ChangeKind, DiffMode, DiffTolerance } from './diff-model.js';

export type { Change, ChangeKind, DiffMode, DiffTolerance };
import { absoluteChanges } from './diff-absolute.js';
import { effectChanges } from './diff-effects.js';
import { topologyChanges } from './topology.js';

/** 2 percentage points: below that a share (or a policy's effect on it) moving is not worth a red pipeline. */
export const DEFAULT_DIFF_TOLERANCE_RATIO = 0.02;
/** 5 ms (`--absolute` only): above timer and histogram resolution, below what a user of a ~25 ms service notices. */
export const DEFAULT_DIFF_TOLERANCE_MS = 5;
/**
 * 0.1 (effects only): a percentile's policy ÷ baseline ratio must move by more than a tenth
 * of the baseline (e.g. a timeout that cut p95 to ×0.47 now cuts it to ×0.60).
 */
export const DEFAULT_DIFF_TOLERANCE_LATENCY_RATIO = 0.1;

/**
 * 0.25 (effects only): an effect must also move by more than a quarter of its own size. The
 * 95 % intervals cover sampling noise, not the machine: how much a closed-loop overflow policy
 * sheds depends on how fast the clients loop, so two same-code runs of
 * connection-pool-overflow on this project's busy 2-core machine measured +97.1 pp and
 * +89.1 pp (8 % apart, intervals separate). Halving the shedding (50 %) stays far outside.
 */
export const DEFAULT_DIFF_TOLERANCE_EFFECT = 0.25;

export const DEFAULT_DIFF_TOLERANCE: DiffTolerance = {
  ratio: DEFAULT_DIFF_TOLERANCE_RATIO,
  ms: DEFAULT_DIFF_TOLERANCE_MS,
  latencyRatio: DEFAULT_DIFF_TOLERANCE_LATENCY_RATIO,
  effect: DEFAULT_DIFF_TOLERANCE_EFFECT,
};

/**
 * Version of the ReportDiff that `meshproof diff --json` prints (README "Use in CI"). Bump on
 * any change a consumer could notice. Output without the field is the earlier shape, whose
 * `changes` listed only what moved.
 */
export const DIFF_SCHEMA_VERSION = 1 as const;

export interface ReportDiff {
  schemaVersion: typeof DIFF_SCHEMA_VERSION;
  mode: DiffMode;
  old: RunRef;
  new: RunRef;
  tolerance: DiffTolerance;
  regression: boolean;
  /** every comparison made, regressions first; kind "unchanged" for those within tolerance */
  comparisons: Change[];
  /** differences in the setup that make the comparison weaker (different scenario, load, engine, topology) */
  warnings: string[];
  /**
   * set when the comparison cannot decide (exit 4): `--absolute` across different topologies
   * (issue 18), where every number also carries where the engine, gateway and pods ran
   */
  inconclusive?: string;
}

interface RunRef {
  runId: string;
  createdAt: string;
  scenario: string;
  verdict: string;
}

const ORDER: Record<ChangeKind, number> = { regression: 0, improvement: 1, change: 2, unchanged: 3 };

export function diffReports(
  oldR: Report,
  newR: Report,
  options: { mode?: DiffMode; tolerance?: Partial<DiffTolerance> } = {},
): ReportDiff {
  const mode = options.mode ?? 'effects';
  const tolerance = { ...DEFAULT_DIFF_TOLERANCE, ...options.tolerance };
  const measured = mode === 'effects' ? effectChanges(oldR, newR, tolerance) : absoluteChanges(oldR, newR, tolerance);
  const comparisons = [...gateChanges(oldR, newR), ...measured];
  if (oldR.verdict !== newR.verdict)
    comparisons.push({
      kind: 'change',
      what: 'verdict',
      old: oldR.verdict,
      new: newR.verdict,
      change: 'verdict',
      why: 'overall verdict changed',
    });
  comparisons.sort((a, b) => ORDER[a.kind] - ORDER[b.kind]);
  const moved = topologyChanges(oldR, newR);
  return {
    schemaVersion: DIFF_SCHEMA_VERSION,
    mode,
    old: ref(oldR),
    new: ref(newR),
    tolerance,
    regression: comparisons.some((c) => c.kind === 'regression'),
    comparisons,
    warnings: setupWarnings(oldR, newR),
    // effects compare each run with its own baseline, measured in the same topology: a warning is enough
    ...(mode === 'absolute' && moved.length > 0
      ? {
          inconclusive: `the runs measured different topologies (${moved.join(', ')}): their numbers are not comparable; diff two runs of one topology, or their effects (without --absolute)`,
        }
      : {}),
  };
}

/** The comparisons a reader needs to see: everything but "unchanged". */
export const changesOf = (d: ReportDiff): Change[] => d.comparisons.filter((c) => c.kind !== 'unchanged');

const ref = (r: Report): RunRef => ({
  runId: r.runId,
  createdAt: r.createdAt,
  scenario: r.scenario.name,
  verdict: r.verdict,
});

function gateChanges(oldR: Report, newR: Report): Change[] {
  const key = (g: Report['gates'][number]) => `${g.scope} ${g.metric} ${g.expression}`;
  const before = new Map(oldR.gates.map((g) => [key(g), g]));
  const after = new Map(newR.gates.map((g) => [key(g), g]));
  const out: Change[] = [];
  for (const [k, g] of after) {
    const was = before.get(k);
    if (!was) {
      out.push({
        kind: 'change',
        what: `gate ${k}`,
        old: '—',
        new: g.verdict,
        change: 'added',
        why: 'gate not in the old run',
      });
      continue;
    }
    if (was.verdict === g.verdict) {
      out.push({
        kind: 'unchanged',
        what: `gate ${k}`,
        old: was.verdict,
        new: g.verdict,
        change: '',
        why: `${g.verdict} in both runs`,
      });
      continue;
    }
    const kind: ChangeKind =
      was.verdict === 'pass' && g.verdict === 'fail'
        ? 'regression'
        : was.verdict === 'fail' && g.verdict === 'pass'
          ? 'improvement'
          : 'change';
    const why = kind === 'regression' ? `the gate passed and now fails: ${g.message}` : g.message;
    out.push({ kind, what: `gate ${k}`, old: was.verdict, new: g.verdict, change: 'verdict', why });
  }
  for (const [k, g] of before)
    if (!after.has(k))
      out.push({
        kind: 'change',
        what: `gate ${k}`,
        old: g.verdict,
        new: '—',
        change: 'removed',
        why: 'gate not in the new run',
      });
  return out;
}

function setupWarnings(oldR: Report, newR: Report): string[] {
  const w: string[] = [];
  if (oldR.scenario.name !== newR.scenario.name)
    w.push(`different scenarios: "${oldR.scenario.name}" vs "${newR.scenario.name}"`);
  if (JSON.stringify(oldR.load.profile) !== JSON.stringify(newR.load.profile))
    w.push('different load profiles: differences may come from the load, not the change');
  if (oldR.engine.name !== newR.engine.name) w.push(`different engines: ${oldR.engine.name} vs ${newR.engine.name}`);
  if (oldR.target.kind !== newR.target.kind) w.push(`different targets: ${oldR.target.kind} vs ${newR.target.kind}`);
  const moved = topologyChanges(oldR, newR);
  if (moved.length > 0)
    w.push(
      `different topologies: ${moved.join(', ')} — on a shared event loop each part's stalls land in the others' latency`,
    );
  return w;
}
