/**
 * The one live progress line on stderr (ecosystem.md "Conventions": a progress line on long
 * runs), for `meshproof run` / `demo` (an experiment's events: phase, apply, restore) and
 * `meshproof load` (one engine's progress). Redrawn in place; only on a TTY and never under
 * CI=true, NO_COLOR or --quiet (style.md habit 7, config.ts useColor).
 */
import { useColor } from '../config.js';
import { formatProgress } from '../load/progress.js';
import type { Progress } from '../load/model.js';
import type { ExperimentEvent } from '../experiment/orchestrator.js';

/** Redraws at most this often: a terminal cannot show more, and writes cost the engine time. */
const REDRAW_MS = 200;

export interface ProgressLine {
  /** an experiment's events (run, demo) */
  onEvent(e: ExperimentEvent): void;
  /** one engine's progress (load); pass it as RunOptions.onProgress */
  update(p: Progress): void;
  /** clears the line (call before printing anything else) */
  clear(): void;
}

export interface ProgressLineOptions {
  /** what the line starts with (the scenario name); none for a bare load */
  label?: string;
  stream?: NodeJS.WriteStream;
  quiet?: boolean;
  /** force on/off (tests); default: useColor(stream) */
  enabled?: boolean;
  /** minimum time between redraws of engine progress; default REDRAW_MS */
  redrawMs?: number;
}

const OFF: ProgressLine = { onEvent: () => {}, update: () => {}, clear: () => {} };

export function progressLine(opts: ProgressLineOptions = {}): ProgressLine {
  const stream = opts.stream ?? process.stderr;
  if (opts.quiet || !(opts.enabled ?? useColor(stream))) return OFF;
  const redrawMs = opts.redrawMs ?? REDRAW_MS;
  const prefix = opts.label ? `${opts.label} · ` : '';
  let shown = false;
  let last = Number.NEGATIVE_INFINITY;
  let phase = '';
  let prev: Progress | undefined;
  let rate = 0;

  const draw = (text: string) => {
    const width = Math.max(20, (stream.columns || 100) - 1);
    stream.write(`\r\x1b[2K${text.slice(0, width)}`);
    shown = true;
  };
  const update = (p: Progress) => {
    const now = Date.now();
    if (now - last < redrawMs) return;
    last = now;
    // between redraws; on a phase's first redraw, since its start (it read "0 req/s" beside 88 reqs)
    const since = prev ?? { elapsedMs: 0, requests: 0 };
    if (p.elapsedMs > since.elapsedMs) rate = ((p.requests - since.requests) * 1000) / (p.elapsedMs - since.elapsedMs);
    prev = p;
    draw(`${prefix}${phase ? `${phase} · ` : ''}${formatProgress(p, rate)}`);
  };
  return {
    update,
    clear() {
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    },
    onEvent(e) {
      if (e.type === 'phase') {
        phase = `${e.warmup ? 'warm-up ' : ''}${e.phase} ${e.slot + 1}/${e.slots}`;
        prev = undefined;
        rate = 0;
      }
      if (e.type === 'apply') draw(`${prefix}applying the policy`);
      if (e.type === 'restore') draw(`${prefix}restoring`);
      if (e.type === 'progress') update(e.progress);
    },
  };
}
