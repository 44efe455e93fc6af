/**
 * report.json: the Report itself, pretty-printed. NaN (no data) and ±Infinity (an interval
 * bound the sample cannot give) become null — JSON has neither; read.ts restores them.
 */
import type { Report } from './model.js';

export function render(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
