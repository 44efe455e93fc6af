/**
 * Reads a report.json back (for `meshproof diff` and tests): checks it is a meshproof report
 * of a schema this version understands, and restores the interval bounds JSON turned into
 * null (an open upper bound is +Infinity, an open lower bound of a difference is −Infinity).
 */
import { join } from 'node:path';
import { FileRefused, readRegularFile, statPath } from '../util/files.js';
import { throughputOf } from '../analysis/phase.js';
import { ConfigError } from '../errors.js';
import { REPORT_SCHEMA_VERSION, type Report } from './model.js';
import { reportSchemaProblem } from './schema.js';

/**
 * Largest report.json read: a long repeated run's per-second timelines and histograms stay
 * far below it; a bigger file is not one of ours.
 */
export const MAX_REPORT_FILE_BYTES = 256 * 1024 * 1024;

/** `path` is a report.json, or a run's folder (the path `run` and `demo` print), read as the report.json in it. */
export async function readReport(path: string): Promise<Report> {
  const file = (await isFolder(path)) ? join(path, 'report.json') : path;
  let text: string;
  try {
    text = (await readRegularFile(file, MAX_REPORT_FILE_BYTES)).toString('utf8');
  } catch (e) {
    throw new ConfigError(
      `${file}: cannot read the report (${e instanceof FileRefused ? (e.code ?? e.message) : String(e)})`,
    );
  }
  return parseReport(text, file);
}

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await statPath(path)).isDirectory();
  } catch {
    return false; // readRegularFile says why
  }
}

export function parseReport(text: string, source: string): Report {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${source}: not JSON (${(e as Error).message}); expected a meshproof report.json`);
  }
  if (doc === null || typeof doc !== 'object' || (doc as { tool?: { name?: string } }).tool?.name !== 'meshproof') {
    throw new ConfigError(
      `${source}: not a meshproof report (expected an object with tool.name "meshproof" and schemaVersion ${REPORT_SCHEMA_VERSION})`,
    );
  }
  const version = (doc as { schemaVersion?: unknown }).schemaVersion;
  if (version !== REPORT_SCHEMA_VERSION) {
    throw new ConfigError(
      `${source}: schemaVersion ${JSON.stringify(version)} is not supported; this meshproof reads schemaVersion ${REPORT_SCHEMA_VERSION}`,
    );
  }
  const problem = reportSchemaProblem(doc);
  if (problem) throw new ConfigError(`${source}: ${problem}; is this a report.json written by meshproof?`);
  const report = doc as Report;
  revive(report);
  addMissing(report);
  return report;
}

/**
 * Fields later versions added within schemaVersion 1, derived for a report written before
 * them: goodput from requests and failures, no per-cause medians (diff reads old reports).
 */
function addMissing(report: Report): void {
  for (const phase of Object.values(report.phases)) {
    const s = phase.stats;
    s.goodput ??= throughputOf({ requests: s.requests - s.failed.count, durationMs: s.durationMs });
    s.medianByCause ??= {};
  }
  const c = report.comparison;
  const { baseline, policy } = report.phases;
  c.goodput ??= {
    baseline: baseline.stats.goodput,
    policy: policy.stats.goodput,
    delta: policy.stats.goodput - baseline.stats.goodput,
  };
  c.medianByCause ??= {};
}

/** null bounds → ±Infinity where a point estimate exists (a null point estimate stays: no data). */
function revive(report: Report): void {
  const open = (x: { lo: number | null; hi: number | null }, point: number | null) => {
    if (point === null) return;
    if (x.lo === null) x.lo = -Infinity;
    if (x.hi === null) x.hi = Infinity;
  };
  for (const phase of Object.values(report.phases)) {
    for (const p of Object.values(phase.stats.percentiles)) open(p, p.value);
    for (const p of Object.values(phase.stats.medianByCause ?? {})) open(p, p.value);
  }
  for (const p of Object.values(report.comparison.percentiles)) open(p, p.delta);
  for (const p of Object.values(report.comparison.medianByCause ?? {})) open(p, p.delta);
  for (const g of report.gates) {
    const [lo, hi] = g.interval as (number | null)[];
    if (g.observed !== null) g.interval = [lo ?? -Infinity, hi ?? Infinity];
  }
}
