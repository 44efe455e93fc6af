/**
 * Reading a file the user named, safely: only a regular file, and at most `maxBytes` of it.
 * A character device (/dev/zero, /dev/urandom) never ends, a FIFO blocks the open, a socket
 * cannot be read; each is refused from its `stat` before anything is opened (issue 13 item 4).
 * Errors carry a one-line reason and no location: callers prefix their own.
 */
import { mkdir, mkdtemp, open, rmdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Stats } from 'node:fs';

export class FileRefused extends Error {
  /** the errno code when the system refused (ENOENT, EACCES, …); undefined when we did */
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** "a character device", "a FIFO", …: what a non-regular, non-directory file is. */
export function fileKind(s: Stats): string {
  if (s.isFile()) return 'a regular file';
  if (s.isDirectory()) return 'a directory';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** stat, with ENOENT and friends as a FileRefused saying so. */
export async function statPath(path: string): Promise<Stats> {
  try {
    return await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new FileRefused(
      code === 'ENOENT' ? 'no such file or directory' : `cannot read (${code ?? String(err)})`,
      code,
    );
  }
}

/** Why `s` cannot be read as a file, or undefined for a regular file. */
export function notRegularProblem(s: Stats): string | undefined {
  return s.isFile() ? undefined : `expected a regular file, got ${fileKind(s)}`;
}

/**
 * The bytes of a regular file of at most `maxBytes`; callers decode them (strictly, for files
 * whose text is echoed in errors: src/policy/load.ts readUtf8). Reads at most its stat size + 1
 * bytes, so a file that grows while it is read cannot make it read more.
 */
export async function readRegularFile(path: string, maxBytes: number): Promise<Buffer> {
  const s = await statPath(path);
  const problem = notRegularProblem(s);
  if (problem) throw new FileRefused(problem);
  if (s.size > maxBytes) throw new FileRefused(`the file is ${mib(s.size)}; at most ${mib(maxBytes)} is read`);
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new FileRefused(`cannot read (${code ?? String(err)})`, code);
  }
  try {
    const buf = Buffer.alloc(s.size + 1);
    let n = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n === buf.length) throw new FileRefused('the file grew while it was read');
    }
    return buf.subarray(0, n);
  } finally {
    await handle.close();
  }
}

function mib(n: number): string {
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}

/**
 * `mkdir -p` one level at a time. Node's own `mkdir(…, { recursive: true })` never returns
 * for a path under /proc: procfs answers ENOENT (not EPERM) for a child that cannot exist, and
 * Node's recursive walk reads ENOENT as "create the parent first", forever (measured here on
 * Node 20: `fs.promises.mkdir('/proc/x/y', { recursive: true })` never settles). Here that
 * ENOENT is final. Returns the directories it created, outermost first.
 */
export async function makeDirs(path: string): Promise<string[]> {
  const missing: string[] = [];
  for (let p = resolve(path); ; p = dirname(p)) {
    let s: Stats | undefined;
    try {
      s = await stat(p);
    } catch (err) {
      // ENOTDIR: an ancestor is a file; walk up to name it
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
    }
    if (s) {
      if (!s.isDirectory())
        throw Object.assign(new Error(`${p} is ${fileKind(s)}, not a directory`), { code: 'ENOTDIR' });
      break;
    }
    missing.unshift(p);
    if (dirname(p) === p) break;
  }
  const created: string[] = [];
  try {
    for (const dir of missing) {
      await mkdir(dir);
      created.push(dir);
    }
  } catch (err) {
    await removeDirs(created);
    throw err;
  }
  return created;
}

/** Removes directories makeDirs created (innermost first), if still empty. */
export async function removeDirs(created: string[]): Promise<void> {
  for (const dir of [...created].reverse()) await rmdir(dir).catch(() => undefined);
}

/**
 * Why nothing can be written under `dir` (created if missing), or undefined when it can: the
 * folder is made, a probe folder is created and removed inside it, and whatever this check
 * created is removed again — nothing is left changed either way.
 */
export async function writableDirProblem(dir: string): Promise<string | undefined> {
  let created: string[] = [];
  try {
    created = await makeDirs(dir);
    const probe = await mkdtemp(join(resolve(dir), '.meshproof-probe-'));
    await rmdir(probe);
    return undefined;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return e.code === 'ENOTDIR' && /not a directory$/.test(e.message)
      ? e.message
      : `cannot create or write to it (${e.code ?? e.message})`;
  } finally {
    await removeDirs(created);
  }
}
