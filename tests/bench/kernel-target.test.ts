/**
 * The accuracy benchmarks' truth (bench/lib/kernel-target.ts): timed by the kernel from the
 * request reaching the server's socket, so the time a request waits for the server to read it
 * is in the truth, not charged to the client. Needs python3 on Linux: without it these tests
 * are counted as skipped, as the benchmarks report their figures skipped.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'undici';
import { hasKernelTarget, INSTALL_PYTHON, startKernelTarget } from '../../bench/lib/kernel-target.js';
import { testIfInstalled } from '../helpers/needs.js';

const withPython = testIfInstalled(hasKernelTarget(), 'python3 (Linux)', INSTALL_PYTHON);

withPython('the truth counts the time a request waited for the server to read it', async () => {
  const target = await startKernelTarget(0);
  try {
    // the server process is stopped while the request arrives: the request sits in its socket
    process.kill(target.pid, 'SIGSTOP');
    const sent = performance.now();
    const pending = request(target.url, { headersTimeout: 5_000 });
    await new Promise((r) => setTimeout(r, 150));
    process.kill(target.pid, 'SIGCONT');
    const res = await pending;
    await res.body.text();
    const clientMs = performance.now() - sent;
    const truth = await target.truth();
    assert.is(truth.count, 1);
    // a server timing from its own read would say ~0 ms here (its delay is 0)
    assert.ok(truth.p50 >= 140, `truth ${truth.p50} ms includes the 150 ms the server was stopped`);
    assert.ok(truth.p50 <= clientMs, `truth ${truth.p50} ms ≤ what the client saw, ${clientMs} ms`);
  } finally {
    process.kill(target.pid, 'SIGCONT');
    await target.stop();
  }
});

withPython('each request answered after the delay, timed once; reset starts a new record', async () => {
  const target = await startKernelTarget(20);
  try {
    for (let i = 0; i < 3; i++) await (await request(target.url)).body.text();
    const truth = await target.truth();
    assert.is(truth.count, 3);
    assert.ok(truth.min >= 20, `every response after the 20 ms delay: min ${truth.min} ms`);
    await target.reset();
    await (await request(target.url)).body.text();
    assert.is((await target.truth()).count, 1);
  } finally {
    await target.stop();
  }
});

test.run();
