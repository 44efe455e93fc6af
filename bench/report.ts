/**
 * One figure per measured quantity, printed as one line (name, value, reference, ratio,
 * target, ok/short) and collected into bench/results.json. Targets are mostly ratios
 * against a reference run on the same machine at the same time: absolute numbers on a
 * shared 2-core machine mean little.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';

/** ok/short: judged against a target; info: no target; skipped: not measurable here; error: the benchmark failed. */
export const Status = { ok: 'ok', short: 'short', info: 'info', skipped: 'skipped', error: 'error' } as const;
export type Status = (typeof Status)[keyof typeof Status];

/**
 * A limit on a figure's value, on its ratio to the reference, or (`reference`) on its value
 * against the reference's: value op reference + limit. The last is for quantities that may be
 * 0 or negative, where a ratio means nothing (an added p99 of 0.02 ms vs 0.01 ms).
 */
export interface Target {
  on: 'value' | 'ratio' | 'reference';
  op: '>=' | '<=' | '<';
  limit: number;
  /** judge |x| (an error that may fall either side of zero) */
  abs?: boolean;
}

export interface Figure {
  /** benchmark file, e.g. "engine-throughput" */
  bench: string;
  /** what was measured, e.g. "builtin req/s, 10 conns" */
  name: string;
  /** null when skipped (reference not installed, subject missing) */
  value: number | null;
  unit: string;
  reference?: { name: string; value: number | null };
  /** value / reference.value */
  ratio?: number | null;
  target?: Target;
  status: Status;
  /** why it was skipped, or what limits it */
  note?: string;
}

export interface FigureInput {
  bench: string;
  name: string;
  value: number;
  unit: string;
  reference?: { name: string; value: number };
  target?: Target;
  note?: string;
}

/** Builds a figure, computing its ratio and judging it against its target. */
export function figure(f: FigureInput): Figure {
  const ratio = f.reference && f.reference.value !== 0 ? f.value / f.reference.value : f.reference ? null : undefined;
  const out: Figure = { ...f, status: Status.info };
  if (ratio !== undefined) out.ratio = ratio;
  if (f.target) {
    const x =
      f.target.on === 'ratio'
        ? ratio
        : f.target.on === 'reference'
          ? f.reference && f.value - f.reference.value
          : f.value;
    out.status = x !== null && x !== undefined && meets(x, f.target) ? Status.ok : Status.short;
  }
  return out;
}

/** A figure that could not be measured here (a reference not installed, a subject not built). */
export function skipped(bench: string, name: string, unit: string, note: string, target?: Target): Figure {
  return { bench, name, value: null, unit, ...(target ? { target } : {}), status: Status.skipped, note };
}

/** A benchmark that threw: one line saying so, so the rest of the run still reports. */
export function failed(bench: string, e: unknown): Figure {
  const message = e instanceof Error ? e.message : String(e);
  return {
    bench,
    name: '(benchmark failed)',
    value: null,
    unit: '',
    status: Status.error,
    note: message.split('\n')[0],
  };
}

function meets(v: number, t: Target): boolean {
  if (!Number.isFinite(v)) return false;
  const x = t.abs ? Math.abs(v) : v;
  if (t.op === '>=') return x >= t.limit;
  if (t.op === '<=') return x <= t.limit;
  return x < t.limit;
}

/** "≥ 0.8× ref", "≤ 0.3 ms", "< 200 MB", "≤ ref" */
export function formatTarget(t: Target | undefined, unit: string): string {
  if (!t) return '';
  const op = t.op === '>=' ? '≥' : t.op === '<=' ? '≤' : '<';
  if (t.on === 'reference')
    return `${op} ref${t.limit ? ` ${t.limit > 0 ? '+' : '−'} ${Math.abs(t.limit)} ${unit}` : ''}`;
  return t.on === 'ratio' ? `${op} ${t.limit}× ref` : `${t.abs ? '|x| ' : ''}${op} ${t.limit} ${unit}`;
}

export function formatNumber(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const abs = Math.abs(x);
  if (abs >= 1000) return Math.round(x).toLocaleString('en-US');
  if (abs >= 100) return x.toFixed(0);
  if (abs >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

/** One line per figure: bench, name, value, reference, ratio, target, status [— note]. */
export function formatLine(f: Figure): string {
  const value = `${formatNumber(f.value)} ${f.unit}`;
  const ref = f.reference ? `ref ${f.reference.name} ${formatNumber(f.reference.value)}` : 'ref —';
  const ratio = f.ratio === undefined ? 'ratio —' : `ratio ${formatNumber(f.ratio)}×`;
  const target = f.target ? `target ${formatTarget(f.target, f.unit)}` : 'target —';
  const cols = [
    f.bench.padEnd(18),
    f.name.padEnd(34),
    value.padStart(16),
    ref.padEnd(30),
    ratio.padEnd(12),
    target.padEnd(22),
    f.status,
  ];
  return cols.join('  ') + (f.note ? `  — ${f.note}` : '');
}

/** Where the numbers came from: they mean nothing without it. */
export interface Machine {
  nproc: number;
  cpu: string;
  node: string;
  platform: string;
}

export function machine(): Machine {
  return {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

export interface Results {
  startedAt: string;
  endedAt: string;
  mode: 'full' | 'quick';
  machine: Machine;
  figures: Figure[];
}

/** NaN/Infinity → null, so results.json stays valid JSON. */
export function toJson(r: Results): string {
  return JSON.stringify(r, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n';
}

export function writeResults(path: string, r: Results): void {
  writeFileSync(path, toJson(r));
}
