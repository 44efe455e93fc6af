/**
 * Where the CPU went during a measurement (Linux /proc; elsewhere every reading is undefined
 * and the figures say so): a process's or thread's CPU time (utime + stime of
 * /proc/<pid>/stat, proc(5)), this process's from process.cpuUsage() (all its threads, worker
 * threads included), and the machine's busy time from the first line of /proc/stat.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** USER_HZ: the unit of /proc times; 100 on every Linux ABI Node runs on (`getconf CLK_TCK`). */
const TICK_MS = 10;

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** utime + stime (fields 14 and 15 of proc(5)'s stat; the command in field 2 may hold spaces) in ms. */
export function statCpuMs(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/** A process's CPU time in ms; `tid`: one of its threads only. */
export function procCpuMs(pid: number, tid?: number): number | undefined {
  const stat = read(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`);
  return stat === undefined ? undefined : statCpuMs(stat);
}

/** The machine's busy CPU time in ms over all cores: /proc/stat's (`procStat`) cpu line less idle and iowait. */
export function machineBusyMs(procStat: string | undefined): number | undefined {
  const line = procStat?.split('\n')[0];
  if (!line?.startsWith('cpu ')) return undefined;
  // user nice system idle iowait irq softirq steal (guest and guest_nice are inside user and nice)
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  void idle, void iowait;
  return (user + nice + system + irq + softirq + (steal ?? 0)) * TICK_MS;
}

/** One reading of everything `CpuSplit` compares. */
export interface CpuSample {
  atMs: number;
  /** this process, all threads */
  engineMs: number;
  /** this process's main thread only (undefined without /proc) */
  mainMs?: number;
  targetMs?: number;
  machineMs?: number;
}

export function sampleCpu(targetPid: number): CpuSample {
  const own = process.cpuUsage();
  return {
    atMs: performance.now(),
    engineMs: (own.user + own.system) / 1000,
    mainMs: procCpuMs(process.pid, process.pid),
    targetMs: procCpuMs(targetPid),
    machineMs: machineBusyMs(read('/proc/stat')),
  };
}

/** CPU used between two samples, in cores (CPU ms per wall ms), and the engine's per request. */
export interface CpuSplit {
  engine: number;
  main?: number;
  target?: number;
  machine?: number;
  cores: number;
  /** engine CPU per completed request, µs */
  engineUsPerRequest: number;
  /** target CPU per completed request, µs */
  targetUsPerRequest?: number;
}

export function cpuSplit(from: CpuSample, to: CpuSample, requests: number): CpuSplit {
  const wall = to.atMs - from.atMs;
  const cores = (a?: number, b?: number) => (a === undefined || b === undefined ? undefined : (b - a) / wall);
  const perRequest = (a?: number, b?: number) =>
    a === undefined || b === undefined ? undefined : ((b - a) * 1000) / requests;
  return {
    engine: (to.engineMs - from.engineMs) / wall,
    main: cores(from.mainMs, to.mainMs),
    target: cores(from.targetMs, to.targetMs),
    machine: cores(from.machineMs, to.machineMs),
    cores: availableParallelism(),
    engineUsPerRequest: ((to.engineMs - from.engineMs) * 1000) / requests,
    targetUsPerRequest: perRequest(from.targetMs, to.targetMs),
  };
}

/**
 * The most requests per second the cores allow at this split's per-request CPU, if the engine
 * and the target had every core to themselves: cores / (engine + target CPU per request).
 * Optimistic — kernel time charged to neither process (softirqs in ksoftirqd) and other
 * processes are left out — so a ratio near this bound is the machine's, not the engine's.
 */
export function boundRps(s: CpuSplit): number | undefined {
  if (s.targetUsPerRequest === undefined) return undefined;
  return (s.cores * 1e6) / (s.engineUsPerRequest + s.targetUsPerRequest);
}

/** "engine 0.97 cores (main thread 0.96), target 0.31, machine 1.98 of 2; 41 µs/req engine, 14 target" */
export function formatSplit(s: CpuSplit): string {
  const n = (x?: number) => (x === undefined ? '?' : x.toFixed(2));
  const us = (x?: number) => (x === undefined ? '?' : x.toFixed(0));
  return (
    `engine ${n(s.engine)} cores (main thread ${n(s.main)}), target ${n(s.target)}, machine busy ${n(s.machine)} of ${s.cores}; ` +
    `${us(s.engineUsPerRequest)} µs/req engine, ${us(s.targetUsPerRequest)} target`
  );
}
