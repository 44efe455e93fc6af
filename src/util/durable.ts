/**
 * A file that is either its old or its new version after `kill -9` or a power cut, never torn:
 * the journals (cluster/journal.ts, load/k6-operator/created.ts) are written this way before
 * the change they announce (design.md "Safety rules"). Synchronous on purpose: it runs in
 * signal handlers and must finish before exit.
 */
import fs from 'node:fs';
import path from 'node:path';

/** temp file → fsync → rename → fsync directory: the file is old or new, never torn. */
export function writeDurably(file: string, text: string): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  const dfd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(dfd);
  } finally {
    fs.closeSync(dfd);
  }
}
