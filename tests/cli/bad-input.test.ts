/**
 * Issue 13, the CLI side of items 1, 2, 3, 4, 7, 11 and 17: each bad input is exit 2 with a
 * message naming the flag or file — before any load is sent or anything is read at length.
 * Load-sending cases target 127.0.0.1:9 (discard; nothing listens): reaching the network would
 * make the run end differently (exit 0 with network errors), so exit 2 proves the early refusal.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from '../helpers/cli-capture.js';
import { ExitCode } from '../../src/errors.js';
import { ok, startServer } from '../load/helpers/server.js';

const URL9 = 'http://127.0.0.1:9/';

async function usage(args: string[], pattern: RegExp): Promise<void> {
  const r = await runCli(args);
  assert.is(r.code, ExitCode.usage, `${args.join(' ')} → ${r.code}: ${r.stderr}`);
  assert.match(r.stderr, pattern);
  assert.not.match(r.stderr, /internal error|\n\s+at /, 'no stack trace');
}

test('item 1: load --header with a space in the name, CR/LF in a value, --method "GE T", --host with CR/LF: exit 2 naming the flag', async () => {
  await usage(
    ['load', URL9, '--header', 'bad header: v'],
    /--header: expected a header name \(letters, digits .*got "bad header"/,
  );
  await usage(
    ['load', URL9, '--header', 'x-a: 1\r\nx-b: 2'],
    /--header: expected a header value without control characters .*got CR at character 2 \(value withheld\)/,
  );
  await usage(
    ['load', URL9, '--method', 'GE T'],
    /--method: expected an HTTP method \(letters, no spaces\) like "GET", got "GE T"/,
  );
  await usage(
    ['load', URL9, '--host', 'a.example.com\r\nX: 1'],
    /--host: expected a host name like "bookinfo\.example\.com"/,
  );
});

test('item 1: C1 control characters (U+0080–U+009F, e.g. NEL U+0085) in --host or a header value are control characters too: exit 2', async () => {
  await usage(
    ['load', URL9, '--host', 'a\u0085b.example.com'],
    /--host: expected a host name like "bookinfo\.example\.com".*got "a\\x85b\.example\.com"/,
  );
  await usage(
    ['load', URL9, '--header', 'x-a: 1\u009b2J'],
    /--header: expected a header value without control characters .*got U\+009B at character 2 \(value withheld\)/,
  );
});

test('item 2: load --vus 1e9, --rate 1e9 and --time-unit 1ns: exit 2 naming the ceiling and the flag that raises it', async () => {
  await usage(
    ['load', URL9, '--vus', '1000000000'],
    /^meshproof: load: the flags ask for up to 1000000000 VUs, above the local ceiling \(this machine's memory and sockets\) of 5000; lower it, or raise the cap with --cap-vus 1000000000$/m,
  );
  await usage(
    ['load', URL9, '--rate', '1000000000'],
    /the flags ask for up to 1000000000 requests\/s, above the local ceiling .* of 100000\/s; lower it, or raise the cap with --cap-rate 1000000000/,
  );
  await usage(
    ['load', URL9, '--rate', '1', '--time-unit', '1ns'],
    /up to 1000000000 requests\/s, above the local ceiling/,
  );
  await usage(['load', URL9, '--stages', '1s:1000000000'], /up to 1000000000 VUs, above the local ceiling/);
  await usage(['load', URL9, '--vus', '10', '--cap-vus', '0'], /--cap-vus: expected a positive number, got 0/);
});

test('item 2: load --rate 20000 derives its VUs within the ceiling (pre-allocated 2000, max 5000) instead of refusing its own defaults', async () => {
  const { profileFromFlags } = await import('../../src/load/flags.js');
  const { profile } = profileFromFlags({ rate: 20_000, vuCeiling: 5000 });
  assert.equal(profile, {
    executor: 'constant-arrival-rate',
    rate: 20_000,
    duration: '10s',
    preAllocatedVUs: 2000,
    maxVUs: 5000,
  });
});

test("item 3: load --duration 876000h and --timeout 876000h: exit 2 stating Node's timer maximum", async () => {
  await usage(
    ['load', URL9, '--duration', '876000h'],
    /--duration: expected a positive duration like "30s" up to 596h31m23\.647s \(Node's timer limit\), got "876000h"/,
  );
  await usage(
    ['load', URL9, '--timeout', '876000h'],
    /--timeout: expected a positive duration like "10s" up to 596h31m23\.647s/,
  );
});

test('item 17: load user:pw@, port 0, --timeout abc, --timeout 0s, --seed -1: each exit 2 naming the field; the password is never echoed', async () => {
  const r = await runCli(['load', 'http://user:pw@127.0.0.1:9/']);
  assert.is(r.code, ExitCode.usage);
  assert.match(r.stderr, /<url>: expected a URL without "user:password@"/);
  assert.not.match(r.stderr, /pw/);
  await usage(['load', 'http://127.0.0.1:0/'], /<url>: expected a port from 1 to 65535, got 0/);
  await usage(['load', URL9, '--timeout', 'abc'], /--timeout: expected a positive duration like "10s", got "abc"/);
  await usage(['load', URL9, '--timeout', '0s'], /--timeout: expected a positive duration like "10s", got "0s"/);
  await usage(['load', URL9, '--seed', '-1'], /--seed: expected an integer from 0 to 4294967295, got -1/);
});

test('item 11: load --json withholds Authorization and Cookie values, as run does; the request still carries them', async () => {
  const seen: (string | undefined)[] = [];
  const s = await startServer((req, res) => {
    seen.push(req.headers.authorization);
    ok(req, res, 0);
  });
  try {
    const r = await runCli([
      'load',
      s.url,
      '--vus',
      '1',
      '--duration',
      '200ms',
      '--engine',
      'builtin',
      '--quiet',
      '--json',
      '--header',
      'Authorization: Bearer S3CRET',
      '--header',
      'Cookie: s=S3CRET',
      '--header',
      'x-trace: visible',
    ]);
    assert.is(r.code, ExitCode.ok, r.stderr);
    assert.not.match(r.stdout + r.stderr, /S3CRET/);
    assert.equal(JSON.parse(r.stdout).plan.headers, {
      authorization: '[redacted]',
      cookie: '[redacted]',
      'x-trace': 'visible',
    });
    assert.ok(
      seen.length > 0 && seen.every((h) => h === 'Bearer S3CRET'),
      `${seen.length} requests with the real header`,
    );
  } finally {
    await s.close();
  }
});

test('item 4: validate, lint, diff, run and a policy file naming /dev/zero: exit 2 "character device", nothing read', async () => {
  await usage(
    ['validate', '/dev/zero'],
    /^meshproof: \/dev\/zero: expected a YAML file or a directory, got a character device$/m,
  );
  await usage(['lint', '/dev/zero'], /\/dev\/zero: expected a YAML file or a directory, got a character device/);
  await usage(
    ['diff', '/dev/zero', '/dev/zero'],
    /\/dev\/zero: cannot read the report \(expected a regular file, got a character device\)/,
  );
  await usage(
    ['run', '/dev/zero'],
    /^meshproof: \/dev\/zero: cannot read scenario: expected a regular file, got a character device$/m,
  );
  const dir = mkdtempSync(join(tmpdir(), 'meshproof-13a-'));
  try {
    const file = join(dir, 's.yaml');
    writeFileSync(
      file,
      `name: s\nload: { executor: constant-vus, vus: 1, duration: 1s }\npolicy: { files: [/dev/zero] }\nexpect: { policy: { cause_overflow: ["rate>=0.3"] } }\n`,
    );
    await usage(
      ['run', file, '--out', join(dir, 'out')],
      /\/dev\/zero: expected a YAML file or a directory, got a character device/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('items 7 and 4: run --out /etc/passwd (a file) and --out /proc/x (mkdir never returns there): exit 2 before the mesh starts, nothing created', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshproof-13a-'));
  try {
    const file = join(dir, 's.yaml');
    writeFileSync(
      file,
      `name: s\nload: { executor: constant-vus, vus: 1, duration: 1s }\npolicy: { files: [${JSON.stringify(resolve('policies/connection-pool.yaml'))}] }\nexpect: { policy: { cause_overflow: ["rate>=0.3"] } }\n`,
    );
    const blocker = join(dir, 'plain-file');
    writeFileSync(blocker, 'x');
    await usage(
      ['run', file, '--quiet', '--out', join(blocker, 'reports')],
      /reports folder .*plain-file\/reports \(--out or MESHPROOF_OUT\): .*plain-file is a regular file, not a directory/,
    );
    await usage(
      ['run', file, '--quiet', '--out', '/proc/x/reports'],
      /reports folder \/proc\/x\/reports \(--out or MESHPROOF_OUT\): cannot create or write to it \(ENOENT\)/,
    );
    assert.equal(readdirSync(dir).sort(), ['plain-file', 's.yaml'], 'nothing created');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('items 2 and 17 on the local mesh: vus 1e9 above the local ceiling (--max-vus raises it), policy.namespace the mesh does not have', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshproof-13a-'));
  try {
    const policy = JSON.stringify(resolve('policies/connection-pool.yaml'));
    const big = join(dir, 'big.yaml');
    writeFileSync(
      big,
      `name: big\nload: { executor: constant-vus, vus: 1000000000, duration: 1s }\npolicy: { files: [${policy}] }\nexpect: { policy: { cause_overflow: ["rate>=0.3"] } }\n`,
    );
    await usage(
      ['run', big, '--quiet', '--out', dir],
      /big\.yaml: load: the scenario asks for up to 1000000000 VUs, above the local ceiling \(this machine's memory and sockets\) of 5000; lower it, or raise the cap with --max-vus 1000000000/,
    );
    const ns = join(dir, 'ns.yaml');
    writeFileSync(
      ns,
      `name: ns\nload: { executor: constant-vus, vus: 1, duration: 1s }\npolicy: { files: [${policy}], namespace: nowhere }\nexpect: { policy: { cause_overflow: ["rate>=0.3"] } }\n`,
    );
    await usage(
      ['run', ns, '--quiet', '--out', dir],
      /ns\.yaml:3:\d+: policy\.namespace: the local mesh has only the namespace of its app, "default" \(local\.service\.namespace\); got "nowhere"/,
    );
    await usage(
      ['run', ns.replace('ns.yaml', 'big.yaml'), '--quiet', '--out', dir, '--max-vus', '1', '--namespace', 'nowhere'],
      /--namespace: the local mesh has only the namespace of its app/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
