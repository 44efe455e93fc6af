/**
 * Issue G items 1–2: every k6 validation rule a meshproof profile can break is refused by
 * meshproof (src/load/k6/rules.ts) and by the fake k6 (tests/fixtures/fake-k6/validate.mjs,
 * transcribed separately from the same Go source) in the same words; a scenario breaking one
 * is refused with file:line:col and exit 2 before anything runs, where the fake k6 — like
 * k6 — exits 104.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { goDuration, k6RefusalText, k6Rules } from '../../src/load/k6/rules.js';
import type { LoadProfile } from '../../src/load/model.js';
import { optionsFor } from '../../scripts/lib/options.js';
import { configErrors, goString } from '../fixtures/fake-k6/validate.mjs';
import { evaluateThresholds } from '../fixtures/fake-k6/thresholds.mjs';
import { K6Engine } from '../../src/load/k6/engine.js';
import { parseScenario } from '../../src/scenario/scenario.js';
import { runCli } from '../helpers/cli-capture.js';
import { ensureBundle, FAKE_K6, ROOT } from './helpers/bundle.js';

const script = ensureBundle();

/** [profile, k6's messages] — one case per rule, in the order k6 appends them. */
const CASES: [string, LoadProfile, string[]][] = [
  [
    'constant-vus under 1 s',
    { executor: 'constant-vus', vus: 10, duration: '500ms' },
    ['the duration must be at least 1s, but is 500ms'],
  ],
  [
    'constant-vus 999 ms',
    { executor: 'constant-vus', vus: 1, duration: '0.999s' },
    ['the duration must be at least 1s, but is 999ms'],
  ],
  [
    'constant-vus 0 VUs',
    { executor: 'constant-vus', vus: 0, duration: '2s' },
    ['the number of VUs must be more than 0'],
  ],
  [
    'constant-vus without duration',
    { executor: 'constant-vus', vus: 1 } as unknown as LoadProfile,
    ['the duration is unspecified'],
  ],
  [
    'negative gracefulStop',
    { executor: 'constant-vus', vus: 1, duration: '2s', gracefulStop: '-1s' },
    ["the gracefulStop timeout can't be negative"],
  ],
  [
    'constant-arrival-rate under 1 s, rate 0, timeUnit 0',
    { executor: 'constant-arrival-rate', rate: 0, timeUnit: '0s', duration: '200ms', preAllocatedVUs: 2 },
    [
      'the iteration rate must be more than 0',
      'the timeUnit must be more than 0',
      'the duration must be at least 1s, but is 200ms',
    ],
  ],
  [
    'constant-arrival-rate maxVUs < preAllocatedVUs',
    { executor: 'constant-arrival-rate', rate: 5, duration: '1m30s', preAllocatedVUs: 4, maxVUs: 2 },
    ["maxVUs can't be less than preAllocatedVUs"],
  ],
  [
    'constant-arrival-rate negative preAllocatedVUs',
    { executor: 'constant-arrival-rate', rate: 5, duration: '2s', preAllocatedVUs: -1, maxVUs: 1 },
    ["the number of preAllocatedVUs can't be negative"],
  ],
  [
    'ramping-vus all zero',
    { executor: 'ramping-vus', startVUs: 0, stages: [{ duration: '1s', target: 0 }] },
    ["either startVUs or one of the stages' target values must be greater than 0"],
  ],
  [
    'ramping-vus negative start and stage',
    { executor: 'ramping-vus', startVUs: -1, stages: [{ duration: '-1s', target: -2 }] },
    [
      "the number of start VUs can't be negative",
      "either startVUs or one of the stages' target values must be greater than 0",
      "the duration for stage 1 can't be negative",
      "the target for stage 1 can't be negative",
    ],
  ],
  [
    'ramping-vus no stages',
    { executor: 'ramping-vus', startVUs: 1, stages: [] },
    ['at least one stage has to be specified'],
  ],
  [
    'ramping-vus over the VU limit',
    { executor: 'ramping-vus', startVUs: 100_000_001, stages: [{ duration: '1s', target: 100_000_002 }] },
    ['the startVUs exceed max limit of 100000000', 'target for stage 1 exceeds max limit of 100000000'],
  ],
  [
    'ramping-arrival-rate negative startRate and timeUnit',
    {
      executor: 'ramping-arrival-rate',
      startRate: -1,
      timeUnit: '-1s',
      stages: [{ duration: '1s', target: 1 }],
      preAllocatedVUs: 1,
    },
    ["the startRate value can't be negative", 'the timeUnit must be more than 0'],
  ],
  [
    'ramping stages under 1 s are fine (no minDuration)',
    { executor: 'ramping-vus', startVUs: 3, stages: [{ duration: '200ms', target: 3 }] },
    [],
  ],
  [
    'ramping-arrival-rate under 1 s is fine',
    { executor: 'ramping-arrival-rate', startRate: 5, stages: [{ duration: '0.5s', target: 5 }], preAllocatedVUs: 1 },
    [],
  ],
  ['constant-vus of exactly 1 s is fine', { executor: 'constant-vus', vus: 1, duration: '1s' }, []],
];

for (const [name, profile, messages] of CASES) {
  test(`${name}: meshproof and the fake k6 say what k6 says`, async () => {
    assert.equal(
      k6Rules(profile).map((r) => r.message),
      messages,
    );
    const options = optionsFor(profile);
    const fake = configErrors(options, { default: () => {} });
    if (messages.length === 0) return assert.is(fake, undefined);
    assert.is(fake, k6RefusalText('meshproof', k6Rules(profile)));
    assert.is(
      fake,
      `There were problems with the specified script configuration:\n\t- scenario meshproof has configuration errors: ${messages.join(', ')}`,
    );
  });
}

test('Go duration strings as k6 prints them (time.Duration.String)', () => {
  const cases: [number, string][] = [
    [500, '500ms'],
    [1000, '1s'],
    [1500, '1.5s'],
    [90_000, '1m30s'],
    [3_600_000, '1h0m0s'],
    [0.25, '250µs'],
    [0, '0s'],
    [-1000, '-1s'],
    [999.5, '999.5ms'],
  ];
  for (const [ms, text] of cases) {
    assert.is(goDuration(ms), text, `${ms} ms`);
    assert.is(goString(ms * 1e6), text, `fake: ${ms} ms`);
  }
});

test("the fake k6 refuses a scenario k6 refuses: exit 104, k6's logrus line on stderr, nothing run", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshproof-k6-rules-'));
  try {
    const responses = join(dir, 'responses.json');
    writeFileSync(responses, '[]');
    const engine = new K6Engine({ k6: FAKE_K6, script, env: { ...process.env, FAKE_K6_RESPONSES: responses } });
    const err = await engine
      .run(
        { executor: 'constant-vus', vus: 10, duration: '500ms' },
        { method: 'GET', baseUrl: 'http://127.0.0.1:9', path: '/' },
      )
      .catch((e: Error) => e);
    assert.instance(err, Error);
    assert.match(
      (err as Error).message,
      /^k6 exited with code 104 \(invalid configuration\):\ntime="[^"]+" level=error msg="There were problems with the specified script configuration:\\n\\t- scenario meshproof has configuration errors: the duration must be at least 1s, but is 500ms"$/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const SCENARIO = (load: string, warmup = '200ms') => `name: short
load:
${load}
warmup: ${warmup}
policy:
  files: [${join(ROOT, 'policies/retries.yaml')}]
expect:
  policy:
    http_req_failed: ["rate<0.5"]
`;

test("a scenario k6 would refuse carries the refusal with file:line:col, field and k6's words", () => {
  const s = parseScenario('short.yaml', SCENARIO('  executor: constant-vus\n  vus: 10\n  duration: 500ms'));
  assert.equal(s.k6Refusals, [
    'short.yaml:5:13: load.duration: k6 refuses this (exit 104): "the duration must be at least 1s, but is 500ms" (k6 lib/executor/constant_vus.go ConstantVUsConfig.Validate); change it, or run with --engine builtin',
  ]);
  const ramp = parseScenario(
    'ramp.yaml',
    SCENARIO('  executor: ramping-vus\n  startVUs: 0\n  stages:\n    - { duration: 2s, target: 0 }'),
  );
  assert.equal(ramp.k6Refusals, [
    `ramp.yaml:6:5: load.stages: k6 refuses this (exit 104): "either startVUs or one of the stages' target values must be greater than 0" (k6 lib/executor/ramping_vus.go RampingVUsConfig.Validate); change it, or run with --engine builtin`,
  ]);
  assert.equal(
    parseScenario('ok.yaml', SCENARIO('  executor: constant-vus\n  vus: 10\n  duration: 1s')).k6Refusals,
    [],
  );
});

test('meshproof run --engine k6 refuses warmup 200ms / duration 500ms before anything runs (exit 2); k6 is never called', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshproof-k6-rules-'));
  try {
    const file = join(dir, 'short.yaml');
    writeFileSync(file, SCENARIO('  executor: constant-vus\n  vus: 10\n  duration: 500ms'));
    const log = join(dir, 'calls.log');
    process.env.FAKE_K6_LOG = log;
    const { code, stderr } = await runCli([
      'run',
      file,
      '--engine',
      'k6',
      '--k6',
      FAKE_K6,
      '--out',
      join(dir, 'out'),
      '--quiet',
    ]);
    delete process.env.FAKE_K6_LOG;
    assert.is(code, 2, stderr);
    assert.match(
      stderr,
      `${file}:5:13: load.duration: k6 refuses this (exit 104): "the duration must be at least 1s, but is 500ms"`,
    );
    assert.not.ok(existsSync(log), existsSync(log) ? readFileSync(log, 'utf8') : '');
    assert.not.ok(existsSync(join(dir, 'out')));
  } finally {
    delete process.env.FAKE_K6_LOG;
    rmSync(dir, { recursive: true, force: true });
  }
});

test("meshproof load --engine k6 --duration 500ms names the flag and k6's rule (exit 2)", async () => {
  const { code, stderr } = await runCli([
    'load',
    'http://127.0.0.1:9/',
    '--engine',
    'k6',
    '--k6',
    FAKE_K6,
    '--duration',
    '500ms',
  ]);
  assert.is(code, 2, stderr);
  assert.match(
    stderr,
    '--duration: k6 refuses this (exit 104): "the duration must be at least 1s, but is 500ms" (k6 lib/executor/constant_vus.go ConstantVUsConfig.Validate)',
  );
});

test('the fake k6 marks thresholds in handleSummary data as k6 does ({ ok }) and reports a crossed one (→ exit 99)', () => {
  const data = {
    metrics: {
      http_reqs: { values: { count: 10, rate: 5 } },
      'http_req_duration{scenario:meshproof}': { values: { 'p(95)': 120, avg: 50 } },
    },
  };
  assert.is(
    evaluateThresholds(data, {
      http_reqs: ['count>=10'],
      'http_req_duration{scenario:meshproof}': ['p(95)<100', 'avg<100'],
      absent: ['count>0'],
    }),
    true,
  );
  assert.equal(data.metrics.http_reqs, { values: { count: 10, rate: 5 }, thresholds: { 'count>=10': { ok: true } } });
  assert.equal(
    (data.metrics as Record<string, { thresholds?: unknown }>)['http_req_duration{scenario:meshproof}'].thresholds,
    { 'p(95)<100': { ok: false }, 'avg<100': { ok: true } },
  );
  assert.is(
    evaluateThresholds({ metrics: { http_reqs: { values: { count: 1 } } } }, { http_reqs: ['count>0'] }),
    false,
  );
});

test.run();
