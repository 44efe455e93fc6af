/**
 * `fake-k6 run` as meshproof calls it (the bundled script, --no-usage-report, the three -e
 * variables), with extra flags and environment: for the tests of the fake's own answers.
 */
import { spawnSync } from 'node:child_process';
import { ensureBundle, FAKE_K6 } from './bundle.js';

export const PLAN_JSON = '{"method":"GET","baseUrl":"http://127.0.0.1:9","path":"/"}';

export interface FakeK6Call {
  profile: string;
  /** MESHPROOF_SUMMARY */
  summary: string;
  flags?: string[];
  env?: NodeJS.ProcessEnv;
  /** default: the bundled dist/k6/resilience.js */
  script?: string;
}

export function runFakeK6(call: FakeK6Call): { status: number | null; stderr: string } {
  const r = spawnSync(
    FAKE_K6,
    [
      'run',
      '--no-usage-report',
      ...(call.flags ?? []),
      '-e',
      `MESHPROOF_PLAN=${PLAN_JSON}`,
      '-e',
      `MESHPROOF_PROFILE=${call.profile}`,
      '-e',
      `MESHPROOF_SUMMARY=${call.summary}`,
      call.script ?? ensureBundle(),
    ],
    { encoding: 'utf8', env: { ...process.env, ...call.env } },
  );
  return { status: r.status, stderr: r.stderr };
}
