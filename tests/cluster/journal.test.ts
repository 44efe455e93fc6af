/**
 * The journal on its own: durable writes leave no temp files, replay is idempotent and keeps
 * failed runs open, intents without a snapshot are refused, a damaged file is named.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Journal } from '../../src/cluster/journal.js';
import { ExitCode } from '../../src/errors.js';
import type { ObjectKey } from '../../src/ports.js';

const KEY: ObjectKey = { kind: 'DestinationRule', namespace: 'default', name: 'productpage' };
const CLUSTER = { server: 'https://127.0.0.1:6443', context: 'kind-dev' };
let dir: string;
test.before.each(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshproof-journal-'));
});
test.after.each(() => fs.rmSync(dir, { recursive: true, force: true }));

function openRun(j: Journal, runId: string): void {
  j.recordSnapshot(runId, CLUSTER, { takenAt: '2026-11-21T22:00:00Z', entries: [{ key: KEY, object: null }] });
  j.recordIntent(runId, 'apply', KEY);
}

test('writes are whole files (temp + fsync + rename): no temp file remains, the JSON parses', () => {
  const j = new Journal(dir);
  openRun(j, 'r1');
  assert.equal(fs.readdirSync(dir), ['r1.json']);
  const e = JSON.parse(fs.readFileSync(path.join(dir, 'r1.json'), 'utf8'));
  assert.equal([e.schemaVersion, e.state, e.intents.length, e.cluster], [1, 'open', 1, CLUSTER]);
});

test('replay restores each unfinished run once; a failure keeps that run open; a second replay does nothing', async () => {
  const j = new Journal(dir);
  openRun(j, 'ok-run');
  openRun(j, 'bad-run');
  const calls: string[] = [];
  const first = await j.replay(async (e) => {
    calls.push(e.runId);
    if (e.runId === 'bad-run') throw new Error('API down');
  });
  assert.equal(first.restored, ['ok-run']);
  assert.equal(
    first.failed.map((f) => f.runId),
    ['bad-run'],
  );
  assert.equal(
    j.listUnfinished().map((e) => e.runId),
    ['bad-run'],
  );
  const second = await j.replay(async (e) => void calls.push(e.runId));
  assert.equal(second.restored, ['bad-run']);
  assert.equal(calls, ['bad-run', 'ok-run', 'bad-run']);
  const third = await j.replay(async (e) => void calls.push(e.runId), 'ok-run');
  assert.equal([third.alreadyDone, calls.length], [['ok-run'], 3]);
});

test('an intent for an object without a snapshot is refused before anything is written', () => {
  const j = new Journal(dir);
  j.recordSnapshot('r2', CLUSTER, { takenAt: 'x', entries: [] });
  assert.throws(
    () => j.recordIntent('r2', 'apply', KEY),
    /refusing to apply DestinationRule default\/productpage without a snapshot/,
  );
});

test('a torn, an incomplete and an unreadable journal are each named and skipped; the good journal is still replayed and unrelated keys are not blocked (issue 13 item 8)', async () => {
  const j = new Journal(dir);
  openRun(j, 'good-run');
  fs.writeFileSync(path.join(dir, 'torn.json'), '{"schemaVersion": 1, "runId": ');
  fs.writeFileSync(
    path.join(dir, 'incomplete.json'),
    JSON.stringify({ schemaVersion: 1, runId: 'half', state: 'open', cluster: CLUSTER }),
  );
  fs.mkdirSync(path.join(dir, 'folder.json'));
  const { entries, unreadable } = j.scan();
  assert.equal(
    entries.map((e) => e.runId),
    ['good-run'],
  );
  assert.equal(
    unreadable.map((u) => [path.basename(u.file), u.reason.replace(`journal ${u.file} cannot be read: `, '')]),
    [
      ['folder.json', 'not a regular file'],
      ['incomplete.json', 'incomplete: snapshot.entries'],
      ['torn.json', 'Unexpected end of JSON input'],
    ],
  );
  const replay = await j.replay(async () => {});
  assert.equal([replay.restored, replay.unreadable.length], [['good-run'], 3]);
  const other: ObjectKey = { kind: 'VirtualService', namespace: 'default', name: 'reviews' };
  assert.equal(j.assertNoConflict([other], 'new-run').length, 3, 'returned for the caller to name, not thrown');
});

test('--journal-dir pointing at a file is exit 2 with a sentence; a run id longer than 200 characters is refused before any file is named', () => {
  const file = path.join(dir, 'passwd');
  fs.writeFileSync(file, 'root:x:0:0::/root:/bin/bash\n');
  for (const j of [new Journal(file), new Journal(path.join(file, 'sub'))]) {
    const err = (() => {
      try {
        j.listUnfinished();
      } catch (e) {
        return e as { exitCode: number; message: string };
      }
    })();
    assert.is(err?.exitCode, ExitCode.usage);
    assert.match(err!.message, `journal folder ${j.dir}: `);
  }
  assert.throws(() => new Journal(dir).pathOf('r'.repeat(201)), /201 characters, at most 200/);
  assert.is(new Journal(dir).pathOf('r'.repeat(200)), path.join(dir, `${'r'.repeat(200)}.json`));
});

test.run();
