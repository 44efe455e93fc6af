// The fake k6's answers to bad --execution-segment / --execution-segment-sequence, as k6 gives
// them: a value that does not parse fails in cmd/options.go getOptions with an error that
// carries no exit code (internal/cmd/root.go execute(): exitCode stays -1 → process status 255),
// logged as a logrus error line; a segment that is not in the sequence is lib/options.go
// Options.Validate's "provided segment %s can't be found in sequence %s", reported by
// cmd/config.go validateConfig with the other configuration problems: exit 104 (InvalidConfig).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFakeK6 } from './helpers/fake-k6-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'meshproof-fake-k6-segments-'));
const responses = join(dir, 'responses.json');
writeFileSync(responses, JSON.stringify([{ status: 200, body: 'ok', duration: 1 }]));

function k6(...flags: string[]) {
  return runFakeK6({
    profile: '{"executor":"constant-vus","vus":3,"duration":"1s"}',
    summary: join(dir, 'summary.json'),
    flags,
    env: { FAKE_K6_RESPONSES: responses },
  });
}

test('a segment that does not parse: the error of NewExecutionSegment, exit 255', () => {
  const r = k6('--execution-segment', '1/2:1/4');
  assert.is(r.status, 255);
  assert.match(r.stderr, /level=error msg="segment start\(0\.50\) should be less than its end\(0\.25\)"/);
  const bad = k6('--execution-segment=1/2:abc');
  assert.is(bad.status, 255);
  assert.match(bad.stderr, /msg="'abc' is not a valid percentage, decimal, fraction or interval value"/);
  const seq = k6('--execution-segment-sequence', '1/2');
  assert.is(seq.status, 255);
  assert.match(seq.stderr, /msg="at least 2 points are needed for an execution segment sequence, 1 given"/);
});

test("a segment not in the sequence (or a sequence without a segment): Options.Validate's error, exit 104", () => {
  const r = k6('--execution-segment', '1/3:1/2', '--execution-segment-sequence', '0,1/2,1');
  assert.is(r.status, 104);
  assert.match(
    r.stderr,
    /msg="There were problems with the specified script configuration:\\n\\t- provided segment 1\/3:1\/2 can't be found in sequence 0,1\/2,1"/,
  );
  const alone = k6('--execution-segment-sequence', '0,1/2,1');
  assert.is(alone.status, 104);
  assert.match(alone.stderr, /provided segment 0:1 can't be found in sequence 0,1\/2,1/);
  // the forms k6 accepts: 50% / 0.5 / 1/2, with the sequence written differently from the segment
  assert.is(k6('--execution-segment', '50%:1', '--execution-segment-sequence', '0,0.5,1').status, 0);
});

test("an unknown flag, with or without a value: pflag's error logged by root.go execute(), exit 255 (-1), as real k6", () => {
  const long = k6('--no-such-flag');
  assert.is(long.status, 255);
  assert.match(long.stderr, /level=error msg="unknown flag: --no-such-flag"/);
  const withValue = k6('--no-such-flag=3');
  assert.is(withValue.status, 255);
  assert.match(withValue.stderr, /msg="unknown flag: --no-such-flag"/);
  const short = k6('-Z');
  assert.is(short.status, 255);
  assert.match(short.stderr, /msg="unknown shorthand flag: 'Z' in -Z"/);
  // a known one still runs
  assert.is(k6('--quiet').status, 0);
});

test('a run of shorthands is walked as pflag walks it: known bool ones pass, the error names the run that is left; -e takes =v, the rest or the next word', () => {
  // parseSingleShortArg: -q (quiet, a bool) is consumed, then 'Z' fails with shorthands = "Z"
  const run = k6('-qZ');
  assert.is(run.status, 255);
  assert.match(run.stderr, /msg="unknown shorthand flag: 'Z' in -Z"/);
  const first = k6('-Zq');
  assert.is(first.status, 255);
  assert.match(first.stderr, /msg="unknown shorthand flag: 'Z' in -Zq"/);
  // -e=K=V, -eK=V and --env K=V are k6's -e/--env (cmd/runtime_options.go), not unknown flags
  assert.is(k6('-qv', '-e=A=1', '-eB=2', '--env', 'C=3', '--env=D=4').status, 0);
});

test.run();
