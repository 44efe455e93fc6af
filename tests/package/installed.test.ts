/**
 * The package as a CI user gets it: `npm pack` of this checkout, installed into an empty
 * folder with npm (the registry serves the dependencies; npm's cache first), then
 * `meshproof validate`, `lint`, `demo <one scenario>` and `diff` run from that folder —
 * nothing from the checkout on the path. Every lint and validate finding cites
 * "docs/istio-envoy-semantics.md §N", a path inside the package, so the package must carry
 * that file with those sections.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NPM_QUIET, packTarball, tempDir } from '../helpers/packed.js';

const exec = promisify(execFile);
const folder = tempDir('meshproof-installed-');
const pkg = join(folder, 'node_modules/meshproof');
const bin = join(folder, 'node_modules/.bin/meshproof');
let installed: Promise<void> | undefined;

/** Installs the tarball into the empty folder once (the first test that needs it waits). */
function install(): Promise<void> {
  installed ??= (async () => {
    const { tarball } = await packTarball();
    assert.equal(readdirSync(folder), [], 'the folder starts empty');
    // a project of its own, as a CI user's repository is: without a package.json npm installs
    // into the closest parent folder that has one or a node_modules (npm docs "npm prefix"),
    // which could be outside this temporary folder
    writeFileSync(join(folder, 'package.json'), '{ "private": true }\n');
    await exec('npm', ['install', ...NPM_QUIET, tarball], { cwd: folder, timeout: 240_000, maxBuffer: 16 << 20 });
  })();
  return installed;
}

/** Runs the installed bin from the install folder; resolves with the exit code instead of throwing. */
async function meshproof(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  await install();
  // a clean environment: no MESHPROOF_* from the developer's shell, CI=true as in a pipeline
  const clean = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? folder, CI: 'true', ...env };
  try {
    const { stdout, stderr } = await exec(bin, args, {
      cwd: folder,
      env: clean,
      timeout: 120_000,
      maxBuffer: 16 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    if (typeof err.code !== 'number') throw e;
    return { code: err.code, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

test('npm pack ships the CLI, the demo scenarios and policies, and the semantics doc the messages cite — not the sources or tests', async () => {
  const { files } = await packTarball();
  for (const f of [
    'dist/cli.js',
    'dist/pod-worker.js', // the local mesh's pods run from it (src/mesh/pod-host.ts)
    'docs/istio-envoy-semantics.md',
    'scenarios/connection-pool-overflow.yaml',
    'policies/connection-pool.yaml',
    'README.md',
    'package.json',
  ])
    assert.ok(files.includes(f), `${f} not in ${files.join(', ')}`);
  assert.equal(
    files.filter((f) => f.startsWith('src/') || f.startsWith('tests/') || f.startsWith('bench/')),
    [],
  );
});

test('installed: validate and lint the shipped policies from an empty folder; every section a finding cites is a heading of the shipped doc', async () => {
  const validate = await meshproof(['validate', 'node_modules/meshproof/policies']);
  assert.is(validate.code, 0, validate.stderr);
  const files = readdirSync(join(pkg, 'policies')).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 5, `${files.length} policies shipped`);
  // a file may hold several documents (traffic-shift: DestinationRule + VirtualService)
  const docs = files.reduce((n, f) => n + readFileSync(join(pkg, 'policies', f), 'utf8').match(/^kind:/gm)!.length, 0);
  assert.match(validate.stderr, new RegExp(`^${docs} documents checked: 0 errors`, 'm'));
  const lint = await meshproof(['lint', 'node_modules/meshproof/policies']);
  assert.is(lint.code, 0, lint.stderr);
  // a broken policy: validate names file:line:col and cites its section too
  writeFileSync(
    join(folder, 'bad.yaml'),
    'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: { name: x, namespace: default }\nspec:\n  host: productpage\n  trafficPolicy:\n    outlierDetection:\n      interval: 10\n',
  );
  const bad = await meshproof(['validate', 'bad.yaml']);
  assert.is(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /^bad\.yaml:8:\d+: error: spec\.trafficPolicy\.outlierDetection\.interval: /m);
  // every finding cites the doc by a path that resolves inside the installed package
  const citations = [...`${lint.stderr}${bad.stderr}`.matchAll(/\(see (\S+) ((?:§[\d.]+(?:, )?)+)\)$/gm)];
  assert.equal([...new Set(citations.map((m) => m[1]))], ['docs/istio-envoy-semantics.md']);
  const doc = join(pkg, citations[0][1]);
  assert.ok(existsSync(doc), `${doc} is installed`);
  const headings = readFileSync(doc, 'utf8')
    .split('\n')
    .filter((l) => /^#{2,3} \d/.test(l));
  const cited = new Set(citations.flatMap((m) => m[2].split(', ').map((s) => s.slice(1))));
  assert.ok(cited.size >= 3, `lint cites ${[...cited].join(', ')}`);
  for (const section of cited)
    assert.ok(
      headings.some((h) => new RegExp(`^#{2,3} ${section.replace('.', '\\.')}[. ]`).test(h)),
      `§${section} is not a heading of the shipped doc`,
    );
});

test('installed: demo connection-pool-overflow proves the pool sheds on the local mesh and writes its reports; diff of the report with itself is clean', async () => {
  const demo = await meshproof(['demo', 'connection-pool-overflow', '--out', 'reports', '--quiet']);
  const [run] = readdirSync(join(folder, 'reports'));
  const report = join(folder, 'reports', run, 'report.json');
  for (const f of ['report.json', 'report.md', 'report.html', 'junit.xml'])
    assert.ok(existsSync(join(folder, 'reports', run, f)), f);
  const r = JSON.parse(readFileSync(report, 'utf8')) as {
    verdict: string;
    gates: { scope: string; metric: string; expression: string; verdict: string }[];
  };
  // the policy's own gate passes; the baseline's "rate<0.01" needs ≥ 380 error-free requests
  // to be decided (Wilson upper bound of 0/n), which a starved machine may not serve in 3 s:
  // then the run is inconclusive (exit 4), never failed
  assert.is(r.gates.find((g) => g.scope === 'policy' && g.metric === 'cause_overflow')?.verdict, 'pass');
  assert.equal(
    r.gates.filter((g) => g.verdict === 'fail'),
    [],
  );
  assert.is(demo.code, r.verdict === 'pass' ? 0 : 4, demo.stderr);
  assert.match(demo.stderr, new RegExp(`connection-pool-overflow\\s+${r.verdict.toUpperCase()}`));
  const diff = await meshproof(['diff', report, report, '--junit', 'diff.xml']);
  assert.is(diff.code, 0, diff.stderr);
  assert.match(diff.stderr, /no changes beyond tolerance \(\d+ comparisons\)\nno regression\n$/);
  assert.match(
    readFileSync(join(folder, 'diff.xml'), 'utf8'),
    /<testsuites name="meshproof diff" tests="\d+" failures="0"/,
  );
});

test.run();
