/**
 * Writes a run's reports into one folder, `reports/<UTC time>-<scenario>/`, whose path the
 * run verb prints last.
 */
import { writeFile } from 'node:fs/promises';
import { makeDirs } from '../util/files.js';
import { join } from 'node:path';
import { render as renderHtml } from './html.js';
import { render as renderJson } from './json.js';
import { render as renderJunit, type RunPlace } from './junit.js';
import { render as renderMarkdown } from './markdown.js';
import type { Report } from './model.js';

export const REPORT_FORMATS = ['json', 'md', 'html', 'junit'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Format → file name and renderer. */
export const REPORT_FILES: Record<ReportFormat, { file: string; render: (r: Report, place: RunPlace) => string }> = {
  json: { file: 'report.json', render: renderJson },
  md: { file: 'report.md', render: renderMarkdown },
  html: { file: 'report.html', render: renderHtml },
  junit: { file: 'junit.xml', render: renderJunit },
};

/**
 * Writes each format's file into `dir` (created if needed); returns the paths written, in order.
 * No file format (`--format terminal`) writes nothing: no empty folder is left behind. `place`
 * (where meshproof ran) lets junit.xml name the scenario file relative to a CI checkout.
 */
export async function writeReports(
  report: Report,
  dir: string,
  formats: readonly ReportFormat[] = REPORT_FORMATS,
  place: RunPlace = {},
): Promise<string[]> {
  if (formats.length === 0) return [];
  await makeDirs(dir); // not mkdir's recursive option, which never returns under /proc (src/util/files.ts)
  const paths: string[] = [];
  for (const format of formats) {
    const { file, render } = REPORT_FILES[format];
    const path = join(dir, file);
    await writeFile(path, render(report, place));
    paths.push(path);
  }
  return paths;
}

/**
 * The one run-id format, `<UTC time>-<scenario>`, e.g. 20261121T100000Z-connection-pool-overflow:
 * the report's `runId`, its folder name, the label and journal entry on a cluster. Sortable by
 * time, colon-free (valid on every filesystem), scenario name reduced to [a-z0-9-].
 */
export function runIdFor(createdAt: string | Date | number, scenarioName: string): string {
  const d = createdAt instanceof Date ? createdAt : new Date(createdAt);
  const stamp = Number.isNaN(d.getTime())
    ? 'unknown-time'
    : d
        .toISOString()
        .replace(/\.\d+Z$/, 'Z')
        .replace(/[-:]/g, '');
  const slug =
    scenarioName
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'scenario';
  return `${stamp}-${slug}`;
}

/** `<root>/<run id>`; `root` is the reports folder itself (`--out`, MESHPROOF_OUT, default "reports"). */
export function reportDir(root: string, createdAt: string | Date, scenarioName: string): string {
  return join(root, runIdFor(createdAt, scenarioName));
}

/** Parses `--format json,md` (or a repeated flag) into formats; unknown names are a usage problem the caller reports. */
export function parseFormats(value: string | string[] | undefined): { formats: ReportFormat[]; unknown: string[] } {
  const names = (Array.isArray(value) ? value : value === undefined ? [] : [value])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  const alias: Record<string, ReportFormat> = { markdown: 'md', xml: 'junit', 'junit.xml': 'junit' };
  const formats: ReportFormat[] = [];
  const unknown: string[] = [];
  for (const n of names) {
    const f = (REPORT_FORMATS as readonly string[]).includes(n) ? (n as ReportFormat) : alias[n];
    if (f) !formats.includes(f) && formats.push(f);
    else unknown.push(n);
  }
  return { formats: names.length ? formats : [...REPORT_FORMATS], unknown };
}
