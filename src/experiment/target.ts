/** What an experiment runs against, opened and closed by the session (local mesh or cluster). */
import type { Applier } from './applier.js';
import type { CounterSource } from './orchestrator.js';

export interface OpenTarget {
  applier: Applier;
  target: { url: string; host?: string; kind: 'local' | 'cluster' };
  /** namespace for policy objects that name none (the applier keys them the same way) */
  namespace: string;
  counters?: CounterSource;
  /** run id the applier labels and journals with (cluster); the report uses the same */
  runId?: string;
  close(): Promise<void>;
}
