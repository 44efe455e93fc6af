/**
 * The one-line live display while phases run (ecosystem.md "Conventions": a progress line on
 * long runs): scenario and phase in front of the engine's own progress text (src/load/progress.ts),
 * redrawn in place on stderr. Only on a TTY and never under CI=true / NO_COLOR (config.ts useColor).
 */
import { useColor } from '../config.js';
import { formatProgress } from '../load/progress.js';
import type { Progress } from '../load/model.js';
import type { ExperimentEvent } from './orchestrator.js';

/** Redraws at most this often: a terminal cannot show more, and writes cost the engine time. */
const REDRAW_MS = 200;

export interface ProgressLine {
  onEvent(e: ExperimentEvent): void;
  /** clears the line (call before printing anything else) */
  clear(): void;
}

export function progressLine(label: string, stream: NodeJS.WriteStream = process.stderr, enabled = useColor(stream)): ProgressLine {
  let shown = false;
  let last = 0;
  let phase = '';
  let prev: Progress | undefined;
  let rate = 0;
  const clear = () => {
    if (shown) stream.write('\r\x1b[K');
    shown = false;
  };
  if (!enabled) return { onEvent: () => {}, clear: () => {} };
  return {
    clear,
    onEvent(e) {
      if (e.type === 'phase') {
        phase = `${e.warmup ? 'warm-up ' : ''}${e.phase} ${e.slot + 1}/${e.slots}`;
        prev = undefined;
        rate = 0;
      }
      if (e.type === 'apply') draw(`${label} · applying the policy`);
      if (e.type === 'restore') draw(`${label} · restoring`);
      if (e.type !== 'progress') return;
      const now = Date.now();
      if (now - last < REDRAW_MS) return;
      last = now;
      const p = e.progress;
      if (prev && p.elapsedMs > prev.elapsedMs) rate = ((p.requests - prev.requests) * 1000) / (p.elapsedMs - prev.elapsedMs);
      prev = p;
      draw(`${label} · ${phase} · ${formatProgress(p, rate)}`);
    },
  };

  function draw(text: string): void {
    const width = Math.max(20, (stream.columns || 100) - 1);
    stream.write(`\r\x1b[K${text.slice(0, width)}`);
    shown = true;
  }
}
