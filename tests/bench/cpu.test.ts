/**
 * bench/lib/cpu.ts: the CPU split the scaling benchmark prints beside its ratio (issue 17
 * item 3), read from /proc as proc(5) lays it out, and the static nginx target's config.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import {
  boundRps,
  cpuSplit,
  formatSplit,
  machineBusyMs,
  procCpuMs,
  sampleCpu,
  statCpuMs,
  type CpuSample,
} from '../../bench/lib/cpu.js';
import { staticNginxConfig } from '../../bench/lib/nginx.js';

test('statCpuMs: utime + stime are fields 14 and 15, counted after the last ")" (a command may hold spaces and parens)', () => {
  // pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime cutime …
  const stat = '4242 (node (worker) x) R 1 2 3 4 5 6 7 8 9 10 250 75 99 98 20 0';
  assert.is(statCpuMs(stat), (250 + 75) * 10, 'ticks of 10 ms (USER_HZ 100); cutime/cstime not counted');
});

test('machineBusyMs: the cpu line less idle and iowait, in ms', () => {
  const procStat = 'cpu  100 5 40 1000 30 2 8 1 0 0\ncpu0 50 2 20 500 15 1 4 0 0 0\n';
  assert.is(machineBusyMs(procStat), (100 + 5 + 40 + 2 + 8 + 1) * 10);
  assert.is(machineBusyMs('intr 1 2 3'), undefined);
  assert.is(machineBusyMs(undefined), undefined);
});

test('cpuSplit: cores = CPU ms per wall ms over the window; µs per request from the engine and the target', () => {
  const from: CpuSample = { atMs: 1000, engineMs: 500, mainMs: 400, targetMs: 100, machineMs: 2000 };
  const to: CpuSample = { atMs: 3000, engineMs: 2500, mainMs: 420, targetMs: 700, machineMs: 5900 };
  const s = cpuSplit(from, to, 40_000);
  assert.is(s.engine, 1); // 2000 ms CPU over 2000 ms
  assert.is(s.main, 0.01);
  assert.is(s.target, 0.3);
  assert.is(s.machine, 1.95);
  assert.is(s.engineUsPerRequest, 50); // 2000 ms / 40,000 requests
  assert.is(s.targetUsPerRequest, 15);
  // 2 cores at 50 + 15 µs per request: 2e6 / 65 ≈ 30,769 req/s
  assert.is(Math.round(boundRps({ ...s, cores: 2 })!), 30_769);
  assert.match(
    formatSplit({ ...s, cores: 2 }),
    'engine 1.00 cores (main thread 0.01), target 0.30, machine busy 1.95 of 2; 50 µs/req engine, 15 target',
  );
});

test('cpuSplit without /proc readings: target and machine unknown, no bound', () => {
  const s = cpuSplit({ atMs: 0, engineMs: 0 }, { atMs: 1000, engineMs: 800 }, 1000);
  assert.is(s.target, undefined);
  assert.is(boundRps(s), undefined);
  assert.match(formatSplit(s), 'target ?');
});

test('procCpuMs / sampleCpu read this process and its main thread on Linux', () => {
  if (!existsSync('/proc/self/stat')) return;
  const end = Date.now() + 60;
  while (Date.now() < end); // burn a little CPU: at least one 10 ms tick
  const whole = procCpuMs(process.pid)!;
  const main = procCpuMs(process.pid, process.pid)!;
  assert.ok(whole >= 10 && main >= 10 && main <= whole, `${main} ≤ ${whole}`);
  assert.is(procCpuMs(2 ** 22 + 1), undefined, 'no such pid');
  const s = sampleCpu(process.pid);
  assert.ok(s.targetMs! >= whole && s.machineMs! > 0);
});

test('staticNginxConfig: one process (master_process off) answering return 200 on loopback, no access log', () => {
  const c = staticNginxConfig('/tmp/x', 8081);
  assert.match(c, /^master_process off;$/m);
  assert.match(c, /listen 127\.0\.0\.1:8081;/);
  assert.match(c, /location \/ \{ return 200; \}/);
  assert.match(c, /access_log off;/);
  assert.not.match(c, /proxy_pass/);
});

test.run();
