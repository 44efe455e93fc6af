/**
 * The journal of objects `--engine k6-operator` creates, written durably before they exist
 * (design.md "Safety rules": never mutate without a journal entry first) and removed once they
 * are deleted again. A file left behind names exactly what an interrupted run left in the
 * cluster: `kubectl delete -f` of its `objects` cleans up. One file per TestRun:
 * `<journal dir>/<name>.k6-operator.json`.
 */
import fs from 'node:fs';
import path from 'node:path';

type Obj = Record<string, unknown>;

export class CreatedJournal {
  readonly file: string;

  constructor(
    dir: string,
    name: string,
    private readonly server: string,
  ) {
    this.file = path.join(dir, `${name}.k6-operator.json`);
  }

  /** Writes the list (temp file, fsync, rename), before any of them is created. */
  record(objects: Obj[]): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const refs = objects.map((o) => ({
      apiVersion: o.apiVersion,
      kind: o.kind,
      metadata: { name: (o.metadata as Obj).name, namespace: (o.metadata as Obj).namespace },
    }));
    const text = JSON.stringify(
      { kind: 'List', apiVersion: 'v1', server: this.server, createdAt: new Date().toISOString(), items: refs },
      null,
      2,
    );
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
  }

  /** Everything was deleted: the journal has nothing left to say. */
  done(): void {
    fs.rmSync(this.file, { force: true });
  }
}
