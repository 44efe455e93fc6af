/**
 * Propagation check: after the apply, poll every gateway replica's
 * `/config_dump` until it carries what the policy says (config-dump.ts) or the timeout
 * passes. The run waits for the slowest replica — a policy on two of three replicas would
 * measure a mix. The result names the replicas that lag and why.
 */
import type { VerifyResult } from '../ports.js';
import { checkConfigDump, type ExpectedConfig } from './config-dump.js';

/** Time between two reads of a replica that does not show the policy yet. */
export const PROPAGATION_POLL_MS = 250;

export interface PropagationOptions {
  replicas: string[];
  /** reads one replica's config_dump (pod proxy, or the local mesh's admin port) */
  readConfigDump: (replica: string) => Promise<unknown>;
  expected: ExpectedConfig;
  timeoutMs: number;
  pollMs?: number;
  signal?: AbortSignal;
  now?: () => number;
  /** when the policy was applied (VerifyResult.elapsedMs counts from here); default: now */
  appliedAt?: number;
}

export async function waitForPropagation(opts: PropagationOptions): Promise<VerifyResult> {
  const now = opts.now ?? Date.now;
  const started = now();
  const since = opts.appliedAt ?? started;
  const pollMs = opts.pollMs ?? PROPAGATION_POLL_MS;
  const state = new Map(opts.replicas.map((r) => [r, { ok: false, at: 0, reason: 'not read yet' }]));
  for (;;) {
    await Promise.all(
      [...state.entries()]
        .filter(([, s]) => !s.ok)
        .map(async ([name, s]) => {
          try {
            const check = checkConfigDump(await opts.readConfigDump(name), opts.expected);
            if (check.ok) Object.assign(s, { ok: true, at: now() - since, reason: '' });
            else
              s.reason =
                check.reasons.slice(0, 3).join('; ') +
                (check.reasons.length > 3 ? `; … ${check.reasons.length - 3} more` : '');
          } catch (err) {
            // a refusal that polling cannot cure (RBAC, a pod the server does not know) ends the wait
            if ((err as { permanent?: boolean } | undefined)?.permanent) throw err;
            s.reason = err instanceof Error ? err.message : String(err);
          }
        }),
    );
    const all = [...state.values()];
    const done = all.every((s) => s.ok);
    if (done || now() - started >= opts.timeoutMs || opts.signal?.aborted) {
      return {
        ok: done,
        elapsedMs: done ? Math.max(0, ...all.map((s) => s.at)) : now() - since,
        replicas: [...state.entries()].map(([name, s]) =>
          s.ok ? { name, ok: true } : { name, ok: false, reason: s.reason },
        ),
      };
    }
    await sleep(Math.min(pollMs, Math.max(0, opts.timeoutMs - (now() - started))), opts.signal);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
