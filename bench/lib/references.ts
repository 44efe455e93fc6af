/**
 * The reference tools the benchmarks compare against when they are installed: nginx (the
 * reference proxy), wrk (closed-loop throughput) and hey (throughput, and the native client
 * beside the engine in the accuracy benchmarks). CI machines do not have them, so
 * a run says up front which are missing and the one command that installs them, and each
 * figure that needed one is a `skipped` line naming it: nothing is skipped silently.
 */
import { hasCommand } from './proc.js';

export const REFERENCE_TOOLS = ['nginx', 'wrk', 'hey'] as const;
export type ReferenceTool = (typeof REFERENCE_TOOLS)[number];

/** Debian/Ubuntu package names; nginx-light is the smallest nginx with the proxy module. */
export const INSTALL_REFERENCES = 'apt-get install -y nginx-light wrk hey';

export function missingReferences(has: (tool: string) => boolean = hasCommand): ReferenceTool[] {
  return REFERENCE_TOOLS.filter((t) => !has(t));
}

/** The line a bench run starts with: which references it found, and how to get the rest. */
export function referencesLine(missing: readonly ReferenceTool[]): string {
  const found = REFERENCE_TOOLS.filter((t) => !missing.includes(t));
  if (missing.length === 0) return `references: ${found.join(', ')} (all found)`;
  return `references missing: ${missing.join(', ')}${found.length ? ` (found: ${found.join(', ')})` : ''} — their figures are listed as skipped; install them with: ${INSTALL_REFERENCES}`;
}

/** The note of a figure skipped for want of `tool`. */
export function notInstalled(tool: ReferenceTool): string {
  return `${tool} not installed (${INSTALL_REFERENCES})`;
}
