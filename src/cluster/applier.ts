/**
 * The cluster Applier (design.md "Contracts"): snapshot → server-side apply → restore exactly,
 * journaled before every mutation (journal.ts) and read back after every restore.
 *
 *  - snapshot: GET each object; 404 = it did not exist (recorded as `object: null`)
 *  - apply: server-side apply, `fieldManager: meshproof`, force, with the run id as label and
 *    annotation and an expiry annotation; with `dryRun` the server validates (`dryRun=All`,
 *    so Istio's validating webhook speaks) and a plan is printed, nothing is stored
 *  - restore: what existed is put back by PUT, then a second PUT carrying the snapshot's
 *    managedFields verbatim (no content change, so the server takes them as they are:
 *    fieldmanager.go decodeLiveOrNew) — field ownership comes back exactly and the owner's
 *    next server-side apply meets no conflict with "meshproof" (issue 11 item 2); what did
 *    not exist is deleted — only if it carries this run's label — then content and
 *    managedFields are read back and compared; 409 (someone wrote in between) → re-read
 *  - before every write after the first apply, the object is re-read and compared with what
 *    meshproof's own last write left: a change by someone else stops the run (exit 3) and is
 *    not overwritten unless `force` (`meshproof restore --force`) — concurrent.ts
 *  - system namespaces are refused unless `allowSystemNamespaces`, and objects outside the
 *    run's namespace unless `allowOtherNamespaces` (design.md "Safety rules")
 */
import {
  type Applier,
  keyOf,
  keyText,
  type ObjectKey,
  sameKey,
  type Snapshot,
  type SnapshotEntry,
  type VerifyResult,
} from '../ports.js';
import type { PolicyDoc } from '../policy/model.js';
import { InfraError, UsageError } from '../errors.js';
import type { Connection } from './kubeconfig.js';
import { IstioApi, changedUnderWrite } from './istio-api.js';
import type { Journal, JournalEntry } from './journal.js';
import {
  comparable,
  onlyWrittenBy,
  writersSince,
  sameContent,
  sameOwnership,
  specChanges,
  unchangedSince,
  userContent,
} from './objects.js';
import { ConcurrentChangeError, type ConcurrentChange } from './concurrent.js';
import {
  DEFAULT_EXPIRY_MS,
  EXPIRES_ANNOTATION,
  FIELD_MANAGER,
  RUN_ID_ANNOTATION,
  RUN_ID_LABEL,
  SYSTEM_NAMESPACES,
  labelValue,
} from './resources.js';
import { isDeepStrictEqual } from 'node:util';
import { stripUserinfo } from '../util/redact.js';
import { effectiveLines, effectivePolicy } from '../policy/apply-merge.js';

type Obj = Record<string, unknown>;

/** How often a write that met a 409 is re-read and retried before giving up. */
export const MAX_CONFLICT_RETRIES = 5;

export interface ClusterApplierOptions {
  conn: Connection;
  runId: string;
  journal: Journal;
  /** server dry-run: validate and print the plan, store nothing */
  dryRun?: boolean;
  allowSystemNamespaces?: boolean;
  /** allow objects whose metadata.namespace is not the run's (conn.namespace) */
  allowOtherNamespaces?: boolean;
  /** how long the expiry annotation declares the applied policy valid */
  expiryMs?: number;
  /** human lines (the dry-run plan, restore notes) → stderr by default */
  log?: (line: string) => void;
  /** what reports call the target; default "cluster <context, server, namespace>" (the local mesh names itself) */
  description?: string;
  /** the propagation check behind verify(); without one verify() only reports the apply */
  verifier?: (
    docs: PolicyDoc[],
    options: { timeoutMs: number; signal?: AbortSignal; appliedAt?: number },
  ) => Promise<VerifyResult>;
}

export class ClusterApplier implements Applier {
  readonly description: string;
  readonly api: IstioApi;
  /** the dry-run plan, one line per object (also logged) */
  readonly plan: string[] = [];
  private readonly taken: SnapshotEntry[] = [];
  /** what the server answered each apply with: the object merged into what existed (issue 13 item 6) */
  private readonly applied = new Map<string, Obj>();
  /** what meshproof's own last write left of each object (keyText → object; null = absent) */
  private readonly lastWritten = new Map<string, Obj | null>();
  /** when the current apply began (propagation time counts from here); cleared by restore */
  private appliedAt: number | undefined;
  private readonly log: (line: string) => void;

  constructor(readonly opts: ClusterApplierOptions) {
    this.api = new IstioApi(opts.conn);
    this.log = opts.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.description = opts.description ?? `cluster ${opts.conn.describe}${opts.dryRun ? ' (dry run)' : ''}`;
  }

  get dryRun(): boolean {
    return Boolean(this.opts.dryRun);
  }

  /** Also the run's gate: refuses (exit 3) while another run's unfinished journal holds a key. */
  async snapshot(keys: ObjectKey[]): Promise<Snapshot> {
    for (const u of this.opts.journal.assertNoConflict(keys, this.opts.runId))
      this.log(`warning: ${u.reason}; ignored (it cannot say what it touched) — \`meshproof restore\` names it too`);
    await this.api.discover();
    const entries: SnapshotEntry[] = [];
    for (const key of keys) entries.push({ key, object: await this.api.get(key) });
    const snapshot = { takenAt: new Date().toISOString(), entries };
    // the first snapshot of a key is the truth we restore to; later reads (read-back) are not
    const fresh = entries.filter((e) => !this.taken.some((t) => sameKey(t.key, e.key)));
    this.taken.push(...fresh);
    if (!this.dryRun && fresh.length > 0)
      this.opts.journal.recordSnapshot(this.opts.runId, this.clusterId(), {
        takenAt: snapshot.takenAt,
        entries: fresh,
      });
    return snapshot;
  }

  async apply(docs: PolicyDoc[]): Promise<void> {
    await this.api.discover();
    const keys = docs.map((d) => keyOf(d, this.opts.conn.namespace));
    for (const key of keys) this.guardNamespace(key, docs);
    const missing = keys.filter((k) => !this.taken.some((t) => sameKey(t.key, k)));
    if (missing.length > 0) await this.snapshot(missing);
    for (const [i, doc] of docs.entries()) {
      const key = keys[i];
      const body = this.labelled(doc, key);
      const source = `${doc.file}:${doc.line}:${doc.column}`;
      if (this.dryRun) {
        const result = await this.api.apply(key, body, { dryRun: true, source }).catch((err) => {
          throw atField(err, doc);
        });
        this.planLine(key, this.taken.find((t) => sameKey(t.key, key))!.object, result, doc);
        continue;
      }
      let intended = false;
      const written = await this.withConflictRetry(async () => {
        // a re-apply (A B B A …) over a change someone made since our restore would hide it;
        // the apply carries the resourceVersion just compared, so a write in between is a 409
        // (store.go Update) and is judged again here instead of being applied over
        const now = await this.refuseConcurrentChange(key);
        if (!intended) this.opts.journal.recordIntent(this.opts.runId, 'apply', key);
        intended = true;
        this.appliedAt ??= Date.now();
        const rv = now ? rvOf(now) : undefined;
        return this.api.apply(
          key,
          rv ? { ...body, metadata: { ...(body.metadata as Obj), resourceVersion: rv } } : body,
          { dryRun: false, source },
        );
      }).catch((err) => {
        throw atField(err, doc);
      });
      this.wrote(this.opts.runId, key, written);
      this.applied.set(keyText(key), written);
    }
  }

  /**
   * Restores the given snapshot plus anything else this applier snapshotted (apply() takes its
   * own snapshot of keys the caller did not name, so those come back too).
   */
  async restore(snapshot: Snapshot): Promise<void> {
    if (this.dryRun) return; // nothing was stored
    this.appliedAt = undefined;
    const extra = this.taken.filter((t) => !snapshot.entries.some((e) => sameKey(e.key, t.key)));
    const reverted = await this.restoreAs(this.opts.runId, { ...snapshot, entries: [...snapshot.entries, ...extra] });
    this.opts.journal.markDone(this.opts.runId);
    // someone put an object back as it was (deleted the one we created) while the policy was
    // applied: nothing is left to restore, but the policy phase did not measure the policy
    if (reverted.length > 0)
      throw new ConcurrentChangeError(this.opts.runId, reverted, this.opts.journal.pathOf(this.opts.runId), 'reverted');
  }

  /**
   * `meshproof restore`: put back a journal's snapshot (the journal is marked done by the
   * caller). An object someone else changed since the run's last write is left alone unless
   * `force`.
   */
  async restoreJournal(entry: JournalEntry, force = false): Promise<void> {
    if (stripUserinfo(entry.cluster.server) !== this.opts.conn.server)
      throw new UsageError(
        `journal ${entry.runId} was written against ${entry.cluster.server} (context ${entry.cluster.context}), but the current context points at ${this.opts.conn.server}; pass --context ${entry.cluster.context}`,
      );
    await this.api.discover();
    for (const a of entry.applied ?? []) this.lastWritten.set(keyText(a.key), a.object);
    await this.restoreAs(entry.runId, entry.snapshot, force);
  }

  /**
   * The data plane is checked against the object the server returned from the apply — the
   * policy merged into what existed (a pre-existing `maxConnections: 100` owned by another
   * manager stays) — not against the manifest alone (issue 13 item 6).
   */
  async verify(docs: PolicyDoc[], options: { timeoutMs: number; signal?: AbortSignal }): Promise<VerifyResult> {
    if (this.dryRun || !this.opts.verifier) return { ok: true, elapsedMs: 0, replicas: [] };
    const merged = docs.map((doc) => {
      const key = keyOf(doc, this.opts.conn.namespace);
      return { doc, key, object: this.applied.get(keyText(key)) ?? doc.object };
    });
    const result = await this.opts.verifier(
      merged.map((m) => ({ ...m.doc, object: m.object })),
      { ...options, appliedAt: this.appliedAt },
    );
    return { ...result, effective: merged.map((m) => effectivePolicy(m.doc, m.object, m.key.namespace)) };
  }

  /** Returns the objects someone else had already put back as they were before the run. */
  private async restoreAs(runId: string, snapshot: Snapshot, force = false): Promise<ConcurrentChange[]> {
    const conflicts: ConcurrentChange[] = [];
    const reverted: ConcurrentChange[] = [];
    const untouched: ObjectKey[] = [];
    // an object meshproof never set out to write (no intent journaled: its apply was refused
    // or never reached) is as the user left it; putting the snapshot back could only undo them
    const intents = this.opts.journal.read(runId)?.intents ?? [];
    snapshot = { ...snapshot, entries: snapshot.entries.filter((e) => intents.some((i) => sameKey(i.key, e.key))) };
    for (const entry of snapshot.entries) {
      await this.withConflictRetry(async () => {
        const current = await this.api.get(entry.key);
        const applied = this.lastWritten.get(keyText(entry.key));
        if (unchangedSince(entry.object, current)) {
          if (applied !== undefined && !unchangedSince(applied, current))
            reverted.push({ key: entry.key, before: entry.object, applied, now: current });
          // already as before (also: never applied); this is what the next re-apply must find
          if (applied !== undefined && !unchangedSince(applied, current)) this.wrote(runId, entry.key, current);
          return;
        }
        // with no answer of ours on record (an apply refused with 409, or one whose answer a
        // crash lost) the snapshot is what the object should still be, unless the only writer
        // since is meshproof (or, for an object that did not exist, it carries this run's label)
        const expected = applied !== undefined ? applied : entry.object;
        const ours =
          current !== null &&
          (expected === null
            ? labelsOf(current)[RUN_ID_LABEL] === labelValue(runId) && applied === undefined
            : onlyWrittenBy(FIELD_MANAGER, expected, current));
        if (!force && !unchangedSince(expected, current) && !ours) {
          // our apply never landed (refused with 409 after someone wrote; the apply already
          // said so): nothing of ours to take back, and nothing to report twice
          const neverLanded =
            applied === undefined &&
            entry.object !== null &&
            !writersSince(entry.object, current).includes(FIELD_MANAGER);
          if (neverLanded) untouched.push(entry.key);
          else conflicts.push({ key: entry.key, before: entry.object, applied: expected, now: current });
          return;
        }
        if (entry.object === null) {
          if (current === null) return;
          if (labelsOf(current)[RUN_ID_LABEL] !== labelValue(runId)) {
            // not ours: someone created it after our snapshot, or our apply never landed
            this.log(
              `restore: leaving ${keyText(entry.key)} in place: it did not exist before run ${runId} and does not carry its label`,
            );
            return;
          }
          this.opts.journal.recordIntent(runId, 'restore', entry.key);
          // conditional on what we just compared: a write in between is a 409, re-read and judged
          await this.api.delete(entry.key, rvOf(current));
          this.wrote(runId, entry.key, null);
          return;
        }
        this.opts.journal.recordIntent(runId, 'restore', entry.key);
        let written = current;
        if (written === null) {
          written = await this.api.create(entry.key, userContent(entry.object));
          this.log(
            `restore: re-created ${keyText(entry.key)} as snapshotted (it had been deleted); it is a new object with a new uid`,
          );
        } else if (!sameContent(written, entry.object))
          written = await this.api.replace(entry.key, {
            ...userContent(entry.object),
            metadata: { ...(userContent(entry.object).metadata as Obj), resourceVersion: rvOf(written) },
          });
        // our own write from here on: a 409 on the next PUT (istiod writing status in between)
        // re-reads and must not take this content write for someone else's
        if (written !== current) this.wrote(runId, entry.key, written);
        // the content write moved the fields it changed to "meshproof" (an Update); a second PUT
        // with no content change carrying the snapshot's managedFields puts ownership back as
        // it was — one PUT carrying both would record the content change on top of them
        if (!sameOwnership(written, entry.object)) {
          const body = userContent(entry.object);
          // the request's list replaces the live one whole (decodeLiveOrNew), so the status
          // subresource's entries (istiod's) are carried as they are now, like status itself
          const entries = (o: Obj) => ((o.metadata as Obj | undefined)?.managedFields as Obj[] | undefined) ?? [];
          const managedFields = [
            ...entries(entry.object).filter((e) => e.subresource !== 'status'),
            ...entries(written).filter((e) => e.subresource === 'status'),
          ];
          written = await this.api.replace(entry.key, {
            ...body,
            metadata: { ...(body.metadata as Obj), resourceVersion: rvOf(written), managedFields },
          });
        }
        this.wrote(runId, entry.key, written);
      });
    }
    const restored = {
      ...snapshot,
      entries: snapshot.entries.filter(
        (e) => !conflicts.some((c) => sameKey(c.key, e.key)) && !untouched.some((k) => sameKey(k, e.key)),
      ),
    };
    await this.readBack(runId, restored);
    if (conflicts.length > 0)
      throw new ConcurrentChangeError(runId, [...conflicts, ...reverted], this.opts.journal.pathOf(runId), 'restore');
    return reverted;
  }

  /**
   * Before an apply: the object must still be what our own last write left or, before our
   * first write, what the snapshot saw — the run's first phase is a baseline, and a change
   * made during it would otherwise be overwritten by the restore to the older snapshot.
   */
  private async refuseConcurrentChange(key: ObjectKey): Promise<Obj | null> {
    const before = this.taken.find((t) => sameKey(t.key, key));
    const applied = this.lastWritten.get(keyText(key)) ?? before?.object ?? null;
    const now = await this.api.get(key);
    if (unchangedSince(applied, now)) return now;
    const when = this.lastWritten.has(keyText(key)) ? 'apply' : 'first-apply';
    throw new ConcurrentChangeError(
      this.opts.runId,
      [{ key, before: before?.object ?? null, applied, now }],
      this.opts.journal.pathOf(this.opts.runId),
      when,
    );
  }

  private wrote(runId: string, key: ObjectKey, object: Obj | null): void {
    this.lastWritten.set(keyText(key), object);
    this.opts.journal.recordApplied(runId, key, object);
  }

  /** Design.md "Safety rules": restore, then read back and compare. */
  private async readBack(runId: string, snapshot: Snapshot): Promise<void> {
    const wrong: string[] = [];
    for (const entry of snapshot.entries) {
      const now = await this.api.get(entry.key);
      const expectedGone = entry.object === null && (now === null || labelsOf(now)[RUN_ID_LABEL] !== labelValue(runId));
      if (expectedGone) continue;
      if (!isDeepStrictEqual(comparable(now), comparable(entry.object)))
        wrong.push(`${keyText(entry.key)} (${entry.object ? 'expected as snapshotted' : 'expected absent'})`);
      else if (!sameOwnership(now, entry.object))
        wrong.push(
          `${keyText(entry.key)} (content as snapshotted, but managedFields differ: field ownership not restored)`,
        );
    }
    if (wrong.length > 0)
      throw new InfraError(
        `restore read-back differs from the snapshot for ${wrong.join(', ')}; the journal of run ${runId} is kept`,
      );
  }

  private async withConflictRetry<T>(write: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await write();
      } catch (err) {
        // 409 (or deleted under our apply): the object changed between our read and our
        // write; read again and redo
        if (!changedUnderWrite(err) || attempt >= MAX_CONFLICT_RETRIES) throw err;
      }
    }
  }

  /**
   * Design.md "Safety rules": refuse system namespaces, and targets outside the stated
   * namespace, unless the user says so explicitly. `--allow-system-namespaces` is that
   * statement for a system namespace; `--allow-other-namespaces` for any other.
   */
  private guardNamespace(key: ObjectKey, docs: PolicyDoc[]): void {
    const doc = docs.find(
      (d) => d.name === key.name && d.kind === key.kind && (d.namespace ?? this.opts.conn.namespace) === key.namespace,
    );
    const where = doc ? `${doc.file}:${doc.line}:${doc.column}: ` : '';
    if ((SYSTEM_NAMESPACES as readonly string[]).includes(key.namespace)) {
      if (this.opts.allowSystemNamespaces) return;
      throw new UsageError(
        `${where}refusing to change ${keyText(key)}: ${key.namespace} is a system namespace (pass --allow-system-namespaces if you mean it)`,
      );
    }
    if (key.namespace === this.opts.conn.namespace || this.opts.allowOtherNamespaces) return;
    throw new UsageError(
      `${where}refusing to change ${keyText(key)}: it is outside the run's namespace ${this.opts.conn.namespace} (from --namespace, policy.namespace or the kubeconfig context); pass --namespace ${key.namespace}, or --allow-other-namespaces if the run really spans namespaces`,
    );
  }

  private labelled(doc: PolicyDoc, key: ObjectKey): Obj {
    const body = structuredClone(doc.object);
    const meta = { ...((body.metadata as Obj | undefined) ?? {}) } as Obj & { labels?: Obj; annotations?: Obj };
    const expires = new Date(Date.now() + (this.opts.expiryMs ?? DEFAULT_EXPIRY_MS)).toISOString();
    meta.name = key.name;
    meta.namespace = key.namespace;
    meta.labels = { ...(meta.labels ?? {}), [RUN_ID_LABEL]: labelValue(this.opts.runId) };
    meta.annotations = {
      ...(meta.annotations ?? {}),
      [RUN_ID_ANNOTATION]: this.opts.runId,
      [EXPIRES_ANNOTATION]: expires,
    };
    body.metadata = meta;
    return body;
  }

  private planLine(key: ObjectKey, before: Obj | null, after: Obj, doc: PolicyDoc): void {
    const changes = specChanges(before, after);
    const head =
      before === null
        ? `would create ${keyText(key)}`
        : changes.length === 0
          ? `would leave ${keyText(key)} unchanged (labels aside)`
          : `would change ${keyText(key)}`;
    const body = [...changes, ...effectiveLines(effectivePolicy(doc, after, key.namespace))];
    const line = `dry run (server accepted, nothing stored): ${head}${body.length ? `\n    ${body.join('\n    ')}` : ''}`;
    this.plan.push(line);
    this.log(line);
  }

  private clusterId(): JournalEntry['cluster'] {
    return { server: this.opts.conn.server, context: this.opts.conn.context };
  }
}

/**
 * A schema rejection (errors.ts typedPatchErrors) names the policy file at the first rejected
 * field's line and column instead of the document's start: `.spec.trafficPolicy.foo` → its node.
 */
function atField(err: unknown, doc: PolicyDoc): unknown {
  const found = (err as { schemaErrors?: { path: string }[] }).schemaErrors;
  if (!found?.length || !(err instanceof Error)) return err;
  // field.Path's text: `.name` a field, `[2]` a list index, `[app.kubernetes.io/name]` a map key (dots and all)
  const keys = [...found[0].path.matchAll(/\[([^\]]*)\]|([^.[\]]+)/g)].map(([, bracket, plain]) =>
    bracket === undefined ? plain : /^\d+$/.test(bracket) ? Number(bracket) : bracket,
  );
  const pos = doc.positionOf(keys);
  err.message = err.message.replace(
    `${doc.file}:${doc.line}:${doc.column}: `,
    `${pos.file}:${pos.line}:${pos.column}: `,
  );
  return err;
}
function rvOf(o: Obj): string {
  return (o.metadata as Obj).resourceVersion as string;
}
function labelsOf(o: Obj): Record<string, string> {
  return ((o.metadata as Obj | undefined)?.labels as Record<string, string> | undefined) ?? {};
}
