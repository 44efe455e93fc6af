/**
 * Watch, as kube-apiserver's watch cache serves it (staging/src/k8s.io/apiserver
 * pkg/storage/cacher/cacher.go Watch, watch_cache.go getAllEventsSinceLocked;
 * pkg/endpoints/handlers/watch.go serveWatch):
 *
 *  - `GET …/destinationrules?watch=1` answers 200 and streams one JSON `WatchEvent` per line
 *    (`{"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":{…}}`);
 *  - `resourceVersion` unset or "0": synthetic ADDED events for every object that exists, then
 *    the changes ("Get State and Start at Most Recent / Any", the #13969 compatibility);
 *    `resourceVersion=N`: every change after N, from the event history;
 *  - N older than the history: the watch is "successful but broken" — 200 with one ERROR
 *    event carrying Status 410 Expired "too old resource version: N (oldest-1)"
 *    (errors.NewResourceExpired in getAllEventsSinceLocked; cacher.Watch returns
 *    newErrWatcher(err)); client-go's reflector then lists again;
 *  - `allowWatchBookmarks=true`: BOOKMARK events whose object carries only the kind and
 *    metadata.resourceVersion; with `sendInitialEvents=true` the bookmark after the initial
 *    ADDED events carries the annotation `k8s.io/initial-events-end: "true"` (WatchList);
 *  - `timeoutSeconds` ends the stream; `fieldSelector=metadata.name=…` filters.
 *
 * Simplified: the history is the last HISTORY_CAPACITY events (the watch cache's lower-bound
 * capacity, defaultLowerBoundCapacity = 100; the real one grows with load and keeps events for
 * eventFreshDuration); periodic bookmarks go every BOOKMARK_EVERY_MS (the cacher's bookmark
 * timer is about a minute, not captured exactly).
 *
 * `labelSelector` (label-selector.ts; 400 when it does not parse) filters as the cacher's
 * cacheWatcher.convertToWatchEvent does with each event's object and PrevObject: a change that
 * makes an object start matching is ADDED, stop matching DELETED (the previous object with the
 * event's resourceVersion), match before and after MODIFIED, neither nothing.
 */
import type http from 'node:http';
import { clone, type Obj } from './fields.js';
import type { ObjectStore, StoreChange } from './store.js';
import { RESOURCES, withVersion } from './resources.js';
import { ISTIO_GROUP, send, status } from './status.js';
import { selectorOrBadRequest } from './label-selector.js';
import { asTable } from './table.js';

export const HISTORY_CAPACITY = 100;
const BOOKMARK_EVERY_MS = 60_000;
/** the apiserver's default when a watch names no timeout: minRequestTimeout (1800 s), jittered up to 2× */
const DEFAULT_TIMEOUT_S = 1800;

interface Recorded {
  rv: number;
  change: StoreChange;
}
interface Watcher {
  matches(c: StoreChange): boolean;
  send(c: StoreChange): void;
  end(): void;
}

/** The event history and the open watches over one store. */
export class WatchHub {
  private readonly history: Recorded[] = [];
  private readonly watchers = new Set<Watcher>();
  /** the resourceVersion the history starts after (etcd's state when the cache was filled) */
  private floor: number;

  constructor(
    readonly store: ObjectStore,
    private readonly capacity = HISTORY_CAPACITY,
  ) {
    this.floor = Number(store.resourceVersion());
    store.onChange((c) => this.record(c));
  }

  /** the oldest resourceVersion a watch may resume from */
  oldest(): number {
    return this.history.length > 0 ? this.history[0].rv - 1 : this.floor;
  }

  /** changes after `rv`, or undefined when the history no longer reaches back that far */
  since(rv: number): StoreChange[] | undefined {
    if (rv < this.oldest()) return undefined;
    return this.history.filter((r) => r.rv > rv).map((r) => r.change);
  }

  add(w: Watcher): () => void {
    this.watchers.add(w);
    return () => this.watchers.delete(w);
  }

  /** ends every open watch (server stop) */
  closeAll(): void {
    for (const w of this.watchers) w.end();
    this.watchers.clear();
  }

  private record(c: StoreChange): void {
    const rv = Number(c.object.metadata.resourceVersion);
    this.history.push({ rv, change: c });
    if (this.history.length > this.capacity) this.floor = this.history.shift()!.rv;
    for (const w of this.watchers) if (w.matches(c)) w.send(c);
  }
}

export interface WatchScope {
  plural: string;
  version: string;
  /** undefined = all namespaces */
  namespace?: string;
  /** the meta.k8s.io Table version the client asked for (table.ts): each event's object is a one-row Table */
  table?: string;
}

export function serveWatch(hub: WatchHub, res: http.ServerResponse, url: URL, scope: WatchScope): void {
  const q = url.searchParams;
  const rvParam = q.get('resourceVersion') ?? '';
  if (rvParam !== '' && !/^\d+$/.test(rvParam))
    // apimachinery storage.ParseResourceVersion → errors.NewBadRequest (wording not captured)
    return send(res, status(400, 'BadRequest', `invalid resource version: ${rvParam}`));
  const nameSel = /^metadata\.name=(.*)$/.exec(q.get('fieldSelector') ?? '')?.[1];
  const labels = selectorOrBadRequest(res, url);
  if (!labels) return;
  const inScope = (o: Obj) =>
    (scope.namespace === undefined || o.metadata.namespace === scope.namespace) &&
    (nameSel === undefined || o.metadata.name === nameSel) &&
    labels((o.metadata.labels as Record<string, string> | undefined) ?? {});
  /** cacher.go convertToWatchEvent: the event this watcher sees of a change, or null */
  const seen = (c: StoreChange): StoreChange | null => {
    if (c.plural !== scope.plural) return null;
    const cur = c.type !== 'DELETED' && inScope(c.object);
    const old = c.type === 'DELETED' ? inScope(c.object) : c.prev !== undefined && inScope(c.prev);
    if (cur && !old) return { ...c, type: 'ADDED' };
    if (cur) return c;
    if (!old) return null;
    if (c.type === 'DELETED') return c;
    // stopped matching: a DELETED of the previous object, at the event's resourceVersion
    const gone = clone(c.prev as Obj);
    gone.metadata.resourceVersion = c.object.metadata.resourceVersion;
    return { type: 'DELETED', plural: c.plural, object: gone };
  };
  const bookmarks = q.get('allowWatchBookmarks') === 'true';
  const timeoutS = Number(q.get('timeoutSeconds') ?? DEFAULT_TIMEOUT_S) || DEFAULT_TIMEOUT_S;
  // handlers/watch.go ServeHTTP writes the 200 and flushes before the first event
  res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
  res.flushHeaders();
  const write = (type: string, object: Obj) => res.write(`${JSON.stringify({ type, object })}\n`);
  // handlers/watch.go with a transform: each event's object goes through asTable as a get's would
  const emit = (c: StoreChange) =>
    write(
      c.type,
      scope.table
        ? asTable(scope.plural, scope.table, [c.object], c.object.metadata.resourceVersion)
        : withVersion(clone(c.object), scope.version),
    );
  const bookmark = (initialEnd = false) =>
    write('BOOKMARK', {
      kind: RESOURCES[scope.plural].kind,
      apiVersion: `${ISTIO_GROUP}/${scope.version}`,
      metadata: {
        resourceVersion: hub.store.resourceVersion(),
        ...(initialEnd ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {}),
      },
    });

  const start = rvParam === '' || rvParam === '0';
  if (start) {
    for (const o of hub.store.list(scope.plural, scope.namespace).filter(inScope))
      emit({ type: 'ADDED', plural: scope.plural, object: o });
    if (bookmarks && q.get('sendInitialEvents') === 'true') bookmark(true);
  } else {
    const missed = hub.since(Number(rvParam));
    if (!missed) {
      write('ERROR', {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `too old resource version: ${rvParam} (${hub.oldest()})`,
        reason: 'Expired',
        code: 410,
      });
      return void res.end();
    }
    for (const c of missed) {
      const e = seen(c);
      if (e) emit(e);
    }
  }

  let done = false;
  const timers: NodeJS.Timeout[] = [];
  const end = () => {
    if (done) return;
    done = true;
    for (const t of timers) clearTimeout(t);
    remove();
    res.end();
  };
  const remove = hub.add({
    matches: (c) => seen(c) !== null,
    send: (c) => emit(seen(c) as StoreChange),
    end,
  });
  timers.push(setTimeout(end, timeoutS * 1000));
  if (bookmarks) timers.push(setInterval(() => bookmark(), BOOKMARK_EVERY_MS));
  // the client going away closes the response (a request's own 'close' fires once its body is read)
  res.on('close', end);
}
