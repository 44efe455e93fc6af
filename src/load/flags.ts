/**
 * `meshproof load` flags → LoadProfile and RequestPlan (k6's own CLI shortcuts, extended to
 * every executor). Returns messages naming the flag instead of throwing, so the CLI decides
 * how to report them.
 */
import type { Executor, LoadProfile, RequestPlan, Stage } from './model.js';
import { EXECUTORS } from './model.js';
import { timeUnitMs, validateProfile } from './profile.js';
import { k6Rules } from './k6/rules.js';
import {
  headerNameProblem,
  headerValueProblem,
  hostProblem,
  methodProblem,
  targetUrlProblem,
  timeoutProblem,
} from './request-check.js';

/** Default --duration for a quick run. */
export const DEFAULT_DURATION = '10s';
/** Default --vus for constant-vus (k6's default). */
export const DEFAULT_VUS = 1;
/** Without --pre-allocated-vus: enough VUs for 100 ms responses at the requested rate (VUs = rate × latency). */
export const PREALLOCATE_FOR_LATENCY_S = 0.1;
/** Without --max-vus: room to grow to 1 s responses before iterations are dropped. */
export const MAX_VUS_FOR_LATENCY_S = 1;

export interface LoadFlags {
  executor?: string;
  vus?: number;
  duration?: string;
  rate?: number;
  timeUnit?: string;
  preAllocatedVus?: number;
  maxVus?: number;
  stages?: string;
  gracefulStop?: string;
  /** the VU ceiling in force (--cap-vus): the derived pre-allocated and max VUs never exceed it */
  vuCeiling?: number;
}

export interface PlanFlags {
  method?: string;
  host?: string;
  header?: string[];
  body?: string;
  timeout?: string;
}

/** "10s:20,20s:0" → stages; a problem → message. */
export function parseStages(text: string): Stage[] | string {
  const stages: Stage[] = [];
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([^:]+):(\d+)$/.exec(part);
    if (!m) return `--stages: expected duration:target pairs like "10s:20,20s:0", got ${JSON.stringify(part)}`;
    stages.push({ duration: m[1], target: Number(m[2]) });
  }
  return stages.length ? stages : `--stages: expected at least one duration:target pair, got ${JSON.stringify(text)}`;
}

function inferExecutor(f: LoadFlags): Executor {
  if (f.stages !== undefined) return f.rate !== undefined ? 'ramping-arrival-rate' : 'ramping-vus';
  return f.rate !== undefined ? 'constant-arrival-rate' : 'constant-vus';
}

/** Flags → a validated profile, or the messages saying which flag is wrong. */
export function profileFromFlags(f: LoadFlags): { profile?: LoadProfile; errors: string[] } {
  const executor = (f.executor ?? inferExecutor(f)) as Executor;
  if (!(EXECUTORS as readonly string[]).includes(executor))
    return { errors: [`--executor: expected one of ${EXECUTORS.join(', ')}, got ${JSON.stringify(f.executor)}`] };
  let stages: Stage[] | undefined;
  if (executor.startsWith('ramping-')) {
    const parsed = parseStages(f.stages ?? '');
    if (typeof parsed === 'string') return { errors: [parsed] };
    stages = parsed;
  }
  const duration = f.duration ?? DEFAULT_DURATION;
  const arrival = () => {
    const perSecond = ((f.rate ?? 0) * 1000) / timeUnitMs({ timeUnit: f.timeUnit });
    const ceiling = f.vuCeiling ?? Infinity;
    const pre = f.preAllocatedVus ?? Math.max(1, Math.min(ceiling, Math.ceil(perSecond * PREALLOCATE_FOR_LATENCY_S)));
    return {
      timeUnit: f.timeUnit,
      preAllocatedVUs: pre,
      maxVUs: f.maxVus ?? Math.max(pre, Math.min(ceiling, Math.ceil(perSecond * MAX_VUS_FOR_LATENCY_S))),
    };
  };
  const profile: LoadProfile =
    executor === 'constant-vus'
      ? { executor, vus: f.vus ?? DEFAULT_VUS, duration }
      : executor === 'ramping-vus'
        ? { executor, startVUs: f.vus, stages: stages! }
        : executor === 'constant-arrival-rate'
          ? { executor, rate: f.rate as number, duration, ...arrival() }
          : { executor, startRate: f.rate, stages: stages!, ...arrival() };
  if (f.gracefulStop !== undefined) profile.gracefulStop = f.gracefulStop;
  const clean = JSON.parse(JSON.stringify(profile)) as LoadProfile; // drop undefined fields
  const errors = validateProfile(clean).map((e) => `--${flagName(e)}`);
  return errors.length ? { errors } : { profile: clean, errors: [] };
}

/**
 * k6's own rules (src/load/k6/rules.ts) the flags break, one message per rule naming the flag,
 * for `meshproof load --engine k6`: k6 would exit 104 on them.
 */
export function k6FlagRefusals(profile: LoadProfile): string[] {
  return k6Rules(profile).map(
    (r) =>
      `--${flagName(`${r.field}: k6 refuses this (exit 104): "${r.message}" (k6 ${r.source}); change it, or use --engine builtin`)}`,
  );
}

/** Field names in validateProfile's messages → the flag a user typed. */
function flagName(message: string): string {
  const renames: Record<string, string> = {
    preAllocatedVUs: 'pre-allocated-vus',
    maxVUs: 'max-vus',
    timeUnit: 'time-unit',
    gracefulStop: 'graceful-stop',
    startVUs: 'vus',
    startRate: 'rate',
  };
  const field = message.split(':')[0].replace(/\[.*$/, '');
  return (renames[field] ?? field) + message.slice(field.length);
}

/** The target URL and request flags → a RequestPlan, or messages. */
export function planFromFlags(url: string, f: PlanFlags): { plan?: RequestPlan; errors: string[] } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return {
      errors: [
        `<url>: expected an absolute http(s) URL like http://127.0.0.1:8080/productpage, got ${JSON.stringify(url)}`,
      ],
    };
  }
  const urlProblem = targetUrlProblem(parsed);
  if (urlProblem) return { errors: [`<url>: ${urlProblem}`] };
  const errors: string[] = [];
  const headers: Record<string, string> = {};
  for (const h of f.header ?? []) {
    const i = h.indexOf(':');
    if (i <= 0) {
      errors.push(`--header: expected "name: value", got ${JSON.stringify(h)}`);
      continue;
    }
    const name = h.slice(0, i).trim().toLowerCase();
    const value = h.slice(i + 1).trim();
    const problem = headerNameProblem(name) ?? headerValueProblem(value);
    if (problem) errors.push(`--header: ${problem}`);
    else headers[name] = value;
  }
  const method = (f.method ?? 'GET').toUpperCase();
  const problems: [string, string | undefined][] = [
    ['--method', methodProblem(method)],
    ['--host', f.host === undefined ? undefined : hostProblem(f.host)],
    ['--timeout', f.timeout === undefined ? undefined : timeoutProblem(f.timeout)],
  ];
  for (const [flag, problem] of problems) if (problem) errors.push(`${flag}: ${problem}`);
  const plan: RequestPlan = { method, baseUrl: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
  if (f.host) plan.host = f.host;
  if (Object.keys(headers).length) plan.headers = headers;
  if (f.body !== undefined) plan.body = f.body;
  if (f.timeout !== undefined) plan.timeout = f.timeout;
  return errors.length ? { errors } : { plan, errors };
}
