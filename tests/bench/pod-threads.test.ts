/**
 * bench/pod-threads.ts keeps working (CI does not run benchmarks): one round of 1 s prints a
 * header and one line per pod topology with finite numbers. It needs wrk and hey; where they
 * are missing (CI), the script says so and exits 1 — checked instead of the figures.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { podThreads } from '../../bench/pod-threads.js';
import { hasCommand } from '../../bench/lib/proc.js';

const installed = hasCommand('wrk') && hasCommand('hey');

test(`pod-threads: ${installed ? 'one round of 1 s measures none / one / per-pod' : 'without wrk and hey it says what is missing and exits 1'}`, async () => {
  if (!installed) {
    const script = fileURLToPath(new URL('../../bench/pod-threads.ts', import.meta.url));
    const r = await promisify(execFile)(process.execPath, ['--import', 'tsx', script]).catch((e) => e);
    assert.is(r.code, 1);
    assert.match(r.stderr, /not installed \(apt-get install -y wrk hey\)/);
    return;
  }
  const lines: string[] = [];
  await podThreads(1, 1, (l) => lines.push(l));
  assert.is(lines.length, 4, lines.join('\n'));
  for (const [i, mode] of ['none', 'one', 'per-pod'].entries()) {
    const nums =
      lines[i + 1]
        .slice(8)
        .match(/[\d.]+/g)
        ?.map(Number) ?? [];
    assert.ok(lines[i + 1].startsWith(mode), lines[i + 1]);
    assert.is(nums.length, 7, lines[i + 1]);
    assert.ok(
      nums.every((n) => Number.isFinite(n) && n >= 0),
      lines[i + 1],
    );
    assert.ok(nums[0] > 0 && nums[1] > 0, `${mode}: no request completed`);
  }
});

test.run();
