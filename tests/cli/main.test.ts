import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { runCli } from '../helpers/cli-capture.js';
import { ExitCode, exitCodeForVerdict, ConfigError, InfraError, UsageError } from '../../src/errors.js';
import { VERSION } from '../../src/version.js';

// design.md "Exit codes": 0 pass · 1 gate failed · 2 usage/config · 3 infrastructure · 4 inconclusive
test('exit codes are the ones design.md fixes', () => {
  assert.equal({ ...ExitCode }, { ok: 0, gateFailed: 1, usage: 2, infra: 3, inconclusive: 4 });
  const table: [Parameters<typeof exitCodeForVerdict>[0], number][] = [
    ['pass', 0],
    ['fail', 1],
    ['inconclusive', 4],
  ];
  for (const [verdict, code] of table) assert.is(exitCodeForVerdict(verdict), code, verdict);
  assert.is(new UsageError('x').exitCode, 2);
  assert.is(new ConfigError('x').exitCode, 2);
  assert.is(new InfraError('x').exitCode, 3);
});

test('an unknown verb or flag is a usage error: exit 2 with one line on stderr', async () => {
  for (const args of [['frobnicate'], [], ['validate', '--no-such-flag', 'x']]) {
    const r = await runCli(args);
    assert.is(r.code, 2, args.join(' '));
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^meshproof: /);
  }
});

test('a usage error names what was wrong as typed and the verb whose --help to read', async () => {
  const cases: [string[], string][] = [
    [['frob'], 'unknown verb "frob"; did you mean run? (see meshproof --help)'],
    [['xyzzyq'], 'unknown verb "xyzzyq" (see meshproof --help)'],
    [['run'], 'missing an argument: meshproof run <scenario> (see meshproof run --help)'],
    [['diff', 'a.json'], 'missing an argument: meshproof diff <old> <new> (see meshproof diff --help)'],
    // one flag once, as typed: yargs lists it twice (bogus-flag, bogusFlag) and without its dashes
    [['demo', '--bogus-flag'], 'unknown argument: --bogus-flag (see meshproof demo --help)'],
    [['lint', 'p/', '--replica', '3'], 'unknown argument: --replica (see meshproof lint --help)'],
    [
      ['validate', 'a.yaml', '--no-such=1', '--other'],
      'unknown arguments: --no-such, --other (see meshproof validate --help)',
    ],
  ];
  for (const [args, line] of cases) {
    const r = await runCli(args);
    assert.is(r.code, 2, args.join(' '));
    assert.is(r.stderr, `meshproof: ${line}\n`);
  }
});

test('a number flag given text or nothing is refused as typed (it read "got NaN", or took the default silently)', async () => {
  const cases: [string[], string][] = [
    [['lint', 'p/', '--replicas', 'abc'], '--replicas: expected a number, got "abc" (see meshproof lint --help)'],
    [
      ['diff', 'a', 'b', '--tolerance-ms=fast'],
      '--tolerance-ms: expected a number, got "fast" (see meshproof diff --help)',
    ],
    [['load', 'http://127.0.0.1:9/', '--vus'], '--vus: expected a number, got nothing (see meshproof load --help)'],
    // `--flag=`: yargs reads nothing as 0 ('--vus: expected a positive integer, got 0'; --seed= ran seed 0)
    [['load', 'http://127.0.0.1:9/', '--vus='], '--vus: expected a number, got nothing (see meshproof load --help)'],
    [['lint', 'p/', '--replicas', ''], '--replicas: expected a number, got nothing (see meshproof lint --help)'],
    [
      ['load', 'http://127.0.0.1:9/', '--vus', '--duration', '1s'],
      '--vus: expected a number, got nothing (see meshproof load --help)',
    ],
  ];
  for (const [args, line] of cases) {
    const r = await runCli(args);
    assert.is(r.code, 2, args.join(' '));
    assert.is(r.stderr, `meshproof: ${line}\n`);
  }
});

test('--help lists every verb and exits 0', async () => {
  const r = await runCli(['--help']);
  assert.is(r.code, 0);
  for (const verb of ['run', 'demo', 'diff', 'validate', 'lint', 'load', 'mesh', 'restore']) {
    assert.match(r.stdout, new RegExp(`meshproof ${verb}\\b`), verb);
  }
});

test('--version prints the package version', async () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  assert.is(VERSION, pkg.version);
  const r = await runCli(['--version']);
  assert.is(r.code, 0);
  assert.is(r.stdout.trim(), pkg.version);
});

test.run();
