/**
 * The executable's last line of defence: a crash outside main() exits 3 (infrastructure /
 * internal error, design.md "Exit codes") with the error on stderr — not Node's exit 1,
 * which CI would read as "a gate failed".
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ExitCode } from '../../src/errors.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/cli/crash-after-main.ts', import.meta.url));

test('an unhandled rejection after main() exits 3 naming the error, and points at meshproof restore', async () => {
  const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', FIXTURE, '--version'],
      { cwd: ROOT, timeout: 30_000 },
      (err, _stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stderr }),
    );
  });
  assert.is(r.code, ExitCode.infra, r.stderr);
  assert.match(r.stderr, 'meshproof: internal error: Error: boom: nobody awaited this');
  assert.match(r.stderr, '`meshproof restore` puts back what it applied');
});

test.run();
