/**
 * A file that is either its old or its new version after `kill -9` or a power cut, never torn:
 * the journals (cluster/journal.ts, load/k6-operator/created.ts) are written this way before
 * the change they announce (design.md "Safety rules"). Synchronous on purpose: it runs in
 * signal handlers and must finish before exit.
 */
import fs from 'node:fs';
import path from 'node:path';

/**
 * temp file → fsync → rename → fsync directory: the file is old or new, never torn. `sync:
 * false` keeps the temp file and the rename (never torn after `kill -9`) but skips the fsyncs,
 * for a journal of objects that die with the process (cluster/journal.ts `durable`).
 */
export function writeDurably(file: string, text: string, sync = true): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, text);
    if (sync) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  if (!sync) return;
  const dfd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(dfd);
  } finally {
    fs.closeSync(dfd);
  }
}
