/**
 * `meshproof demo`: every scenario in the package's `scenarios/` folder, run
 * on the local mesh one after another, each verdict and report path printed as it lands.
 * The five demo scenarios together stay under 60 s.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.js';

/** The order the demo tells its story in: shedding, ejecting, timing out, faults, retries. */
export const DEMO_SCENARIOS = [
  'connection-pool-overflow',
  'outlier-detection',
  'route-timeout',
  'fault-injection',
  'retries',
] as const;

/**
 * The package's `scenarios/` folder, found upward from this module — `dist/cli.js` in an
 * install, `src/cli/demo-scenarios.ts` under tsx — so `npx meshproof demo` works from any folder.
 */
export function packageScenariosDir(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'scenarios'))) return join(dir, 'scenarios');
    if (dirname(dir) === dir) throw new UsageError(`cannot find meshproof's scenarios/ folder above ${from}`);
  }
}

/** Scenario files for the names given (none = the five demos, in story order). */
export function demoScenarioFiles(names: string[], dir = packageScenariosDir()): string[] {
  const available = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length));
  const wanted = names.length ? names : [...DEMO_SCENARIOS];
  const unknown = wanted.filter((n) => !available.includes(n));
  if (unknown.length)
    throw new UsageError(
      `unknown demo scenario ${unknown.map((n) => JSON.stringify(n)).join(', ')}; expected one of ${available.sort().join(', ')}`,
    );
  return wanted.map((n) => resolve(dir, `${n}.yaml`));
}
