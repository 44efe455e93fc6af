/**
 * `meshproof restore` for `--engine k6-operator` runs: deletes the ConfigMap and TestRun an
 * interrupted or killed run left, from its journal (load/k6-operator/created.ts), and closes
 * the journal. Only what the run created is deleted, judged as the policy restore judges
 * (applier.ts restoreAs): the uid the journal recorded from the create's answer, or — when the
 * crash came between the create and that record — the run's label; the delete carries the uid
 * and resourceVersion just read as preconditions, so an object replaced or relabelled in
 * between answers 409 and is read and judged again. A same-named object that is not the run's
 * is left in place and named with who made it (managedFields): exit 3. Idempotent: a closed
 * journal is reported, not replayed; an object already gone is fine.
 */
import { ExitCode, InfraError, MeshproofError, UsageError, type ExitCode as Code } from '../errors.js';
import { closeCreated, scanCreated, type CreatedEntry, type CreatedRef } from '../load/k6-operator/created.js';
import { CREATED_BY } from '../load/k6-operator/objects.js';
import { labelValue, RUN_ID_LABEL } from '../ports.js';
import { stripUserinfo } from '../util/redact.js';
import { K8sOperatorApi } from './k6-operator-api.js';
import type { Connection } from './kubeconfig.js';
import { changedBy } from './objects.js';

type Obj = Record<string, unknown>;

/** Re-reads after a failed precondition (someone wrote in between) before giving up. */
const CONFLICT_RETRIES = 5;

export interface CreatedReplay {
  restored: string[];
  alreadyDone: string[];
  failed: { runId: string; message: string; exitCode: Code }[];
  unreadable: { file: string; reason: string }[];
}

/** Journals of `dir` still open (or the one named `runId`), each deleted through `connect(entry)`. */
export async function replayCreated(
  dir: string,
  connect: (cluster: CreatedEntry['cluster']) => Promise<Connection>,
  log: (line: string) => void,
  runId?: string,
): Promise<CreatedReplay> {
  const out: CreatedReplay = { restored: [], alreadyDone: [], failed: [], unreadable: [] };
  const scan = scanCreated(dir);
  out.unreadable = runId ? [] : scan.unreadable;
  for (const { file, entry } of scan.entries) {
    if (runId !== undefined && entry.name !== runId) continue;
    if (entry.state === 'done') {
      if (runId !== undefined) out.alreadyDone.push(entry.name);
      continue;
    }
    try {
      const conn = await connect(entry.cluster);
      if (stripUserinfo(entry.cluster.server) !== conn.server)
        throw new UsageError(
          `journal ${file} was written against ${entry.cluster.server} (context ${entry.cluster.context}), but the current context points at ${conn.server}; pass --context ${entry.cluster.context}`,
        );
      const { deleted, foreign } = await deleteOwn(new K8sOperatorApi(conn), entry);
      log(
        `k6-operator run ${entry.name}: ${deleted.length ? `deleted ${deleted.join(', ')}` : 'nothing of it was left'}`,
      );
      closeCreated(file, entry, foreign.length ? `left in place, not the run's: ${foreign.join('; ')}` : undefined);
      if (foreign.length)
        throw new InfraError(
          `k6-operator run ${entry.name}: ${foreign.join('; ')} — left in place (not what run ${entry.name} created; --force does not delete it); journal closed: ${file}`,
        );
      out.restored.push(entry.name);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      out.failed.push({
        runId: entry.name,
        message: message.includes(file) ? message : `${message}; journal kept: ${file}`,
        exitCode: error instanceof MeshproofError ? error.exitCode : ExitCode.infra,
      });
    }
  }
  return out;
}

/** Whether `dir` holds a journal of a k6-operator run named `name`. */
export function hasCreated(dir: string, name: string): boolean {
  return scanCreated(dir).entries.some((e) => e.entry.name === name);
}

/** Deletes, TestRun first (its pods go with it), what is the run's; names what is not. */
async function deleteOwn(api: K8sOperatorApi, entry: CreatedEntry): Promise<{ deleted: string[]; foreign: string[] }> {
  const deleted: string[] = [];
  const foreign: string[] = [];
  for (const item of [...entry.items].reverse()) {
    const ref = refText(item);
    const object = { apiVersion: item.apiVersion, kind: item.kind, metadata: item.metadata };
    for (let attempt = 0; ; attempt++) {
      const current = await api.get(object);
      if (current === null) break; // never created, or already gone
      const meta = (current.metadata ?? {}) as Obj;
      if (!isOwn(item, entry.name, meta)) {
        foreign.push(`${ref} ${whoMade(item, current)}`);
        break;
      }
      try {
        await api.remove(object, { uid: String(meta.uid), resourceVersion: String(meta.resourceVersion) });
        deleted.push(ref);
        break;
      } catch (err) {
        // 409: the precondition failed — written or replaced since the read; judge it again
        if ((err as { httpCode?: number }).httpCode !== 409 || attempt >= CONFLICT_RETRIES) throw err;
      }
    }
  }
  return { deleted, foreign };
}

/** The run's own object: the uid its create returned or, with none recorded, the run's labels. */
function isOwn(item: CreatedRef, name: string, meta: Obj): boolean {
  if (item.uid !== undefined) return meta.uid === item.uid;
  const labels = (meta.labels ?? {}) as Record<string, string>;
  return labels[RUN_ID_LABEL] === labelValue(name) && Object.entries(CREATED_BY).every(([k, v]) => labels[k] === v);
}

function whoMade(item: CreatedRef, current: Obj): string {
  const meta = (current.metadata ?? {}) as Obj;
  const who = changedBy(null, current);
  const made = meta.creationTimestamp ? ` at ${String(meta.creationTimestamp)}` : '';
  const uid = item.uid
    ? `uid ${String(meta.uid)}, the run's was ${item.uid}`
    : `uid ${String(meta.uid)}, without the run's label`;
  return `is another object (${uid}), created${made} by ${who.join(', ') || 'an unknown manager (no managedFields)'}`;
}

function refText(item: CreatedRef): string {
  return `${item.kind} ${item.metadata.namespace}/${item.metadata.name}`;
}
