import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readBack } from '../../src/experiment/read-back.js';
import type { Applier, ObjectKey, Snapshot } from '../../src/ports.js';

const VS: ObjectKey = { kind: 'VirtualService', namespace: 'default', name: 'productpage' };
const DR: ObjectKey = { kind: 'DestinationRule', namespace: 'default', name: 'productpage' };
const before = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: {
    name: 'productpage',
    namespace: 'default',
    labels: { app: 'productpage' },
    resourceVersion: '7',
    generation: 1,
    uid: 'a',
  },
  spec: { hosts: ['bookinfo.example.com'] },
  status: { observedGeneration: '1' },
};
const snapshot: Snapshot = {
  takenAt: '2026-01-01T00:00:00.000Z',
  entries: [
    { key: VS, object: before },
    { key: DR, object: null },
  ],
};

/** An applier whose snapshot() answers what the cluster now holds, and counts the read. */
function readerOf(now: Map<string, Record<string, unknown> | null>): Applier & { reads: number } {
  return {
    description: 'read-back fake',
    reads: 0,
    async snapshot(keys) {
      this.reads++;
      return {
        takenAt: '2026-01-01T00:01:00.000Z',
        entries: keys.map((key) => ({ key, object: now.get(key.kind) ?? null })),
      };
    },
    apply: async () => {
      throw new Error('read-back must not apply');
    },
    restore: async () => {
      throw new Error('read-back must not restore');
    },
    verify: async () => {
      throw new Error('read-back must not verify');
    },
  };
}

test('read-back ignores what the server and istiod rewrite on a restore (resourceVersion, generation, uid, status, apiVersion)', async () => {
  const restored = {
    ...before,
    apiVersion: 'networking.istio.io/v1beta1',
    metadata: { ...before.metadata, resourceVersion: '9', generation: 2, uid: 'b' },
    status: { observedGeneration: '2' },
  };
  const applier = readerOf(new Map([['VirtualService', restored]]));
  assert.equal(await readBack(applier, snapshot), ['restore read-back: 2 object(s) exactly as before the run']);
  assert.is(applier.reads, 1);
});

test('read-back names each object whose labels or spec differ, and one that should be absent but exists', async () => {
  const relabelled = {
    ...before,
    metadata: { ...before.metadata, labels: { app: 'productpage', 'meshproof.io/run-id': 'r1' } },
  };
  const leftover = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: 'productpage', namespace: 'default' },
    spec: { host: 'productpage' },
  };
  const applier = readerOf(
    new Map<string, Record<string, unknown>>([
      ['VirtualService', relabelled],
      ['DestinationRule', leftover],
    ]),
  );
  assert.equal(await readBack(applier, snapshot), [
    'restore read-back: VirtualService default/productpage differs from its snapshot (expected as before)',
    'restore read-back: DestinationRule default/productpage differs from its snapshot (expected absent)',
  ]);
});

test('read-back of an empty snapshot reads nothing', async () => {
  const applier = readerOf(new Map());
  assert.equal(await readBack(applier, { takenAt: '2026-01-01T00:00:00.000Z', entries: [] }), []);
  assert.is(applier.reads, 0);
});

test.run();
