/**
 * The bundled k6 script under test is the real build output, dist/k6/resilience.js. If it is
 * missing or older than its sources, `node build.mjs` rebuilds it first (npm ci does that in CI).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BUNDLE = join(ROOT, 'dist/k6/resilience.js');
export const FAKE_K6 = join(ROOT, 'tests/fixtures/fake-k6/k6');

function sources(): string[] {
  const lib = join(ROOT, 'scripts/lib');
  const metrics = join(ROOT, 'src/load/k6/metrics');
  return [
    join(ROOT, 'scripts/resilience.ts'),
    join(ROOT, 'src/load/classify.ts'),
    join(ROOT, 'src/load/model.ts'),
    join(ROOT, 'src/load/profile.ts'),
    join(ROOT, 'src/util/duration.ts'),
    ...readdirSync(lib).map((f) => join(lib, f)),
    ...readdirSync(metrics).map((f) => join(metrics, f)),
  ];
}

export function ensureBundle(): string {
  const built = existsSync(BUNDLE) ? statSync(BUNDLE).mtimeMs : 0;
  if (sources().some((f) => statSync(f).mtimeMs > built)) {
    execFileSync(process.execPath, ['build.mjs'], { cwd: ROOT, stdio: 'pipe' });
  }
  return BUNDLE;
}
