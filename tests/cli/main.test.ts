import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { main } from '../../src/cli/main.js';
import { ExitCode, exitCodeForVerdict, ConfigError, InfraError, UsageError } from '../../src/cli/exit.js';
import { VERSION } from '../../src/version.js';

/** Silences stderr/stdout while `fn` runs and returns what was written. */
async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  const wo = process.stdout.write, we = process.stderr.write;
  process.stdout.write = ((c: string) => (out.push(String(c)), true)) as typeof wo;
  process.stderr.write = ((c: string) => (err.push(String(c)), true)) as typeof we;
  try {
    return { code: await fn(), out: out.join(''), err: err.join('') };
  } finally {
    process.stdout.write = wo;
    process.stderr.write = we;
  }
}

// design.md "Exit codes": 0 pass · 1 gate failed · 2 usage/config · 3 infrastructure · 4 inconclusive
test('exit codes are the ones design.md fixes', () => {
  assert.equal({ ...ExitCode }, { ok: 0, gateFailed: 1, usage: 2, infra: 3, inconclusive: 4 });
  const table: [Parameters<typeof exitCodeForVerdict>[0], number][] = [['pass', 0], ['fail', 1], ['inconclusive', 4]];
  for (const [verdict, code] of table) assert.is(exitCodeForVerdict(verdict), code, verdict);
  assert.is(new UsageError('x').exitCode, 2);
  assert.is(new ConfigError('x').exitCode, 2);
  assert.is(new InfraError('x').exitCode, 3);
});

test('an unknown verb or flag is a usage error: exit 2 with one line on stderr', async () => {
  for (const args of [['frobnicate'], [], ['validate', '--no-such-flag', 'x']]) {
    const r = await capture(() => main(args));
    assert.is(r.code, 2, args.join(' '));
    assert.is(r.err.trim().split('\n').length, 1, r.err);
    assert.match(r.err, /^meshproof: /);
  }
});

test('--help lists every verb and exits 0', async () => {
  const r = await capture(() => main(['--help']));
  assert.is(r.code, 0);
  for (const verb of ['run', 'demo', 'diff', 'validate', 'lint', 'load', 'mesh', 'restore']) {
    assert.match(r.out, new RegExp(`meshproof ${verb}\\b`), verb);
  }
});

test('--version prints the package version', async () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  assert.is(VERSION, pkg.version);
  const r = await capture(() => main(['--version']));
  assert.is(r.code, 0);
  assert.is(r.out.trim(), pkg.version);
});

test.run();
