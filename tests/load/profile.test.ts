import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { profileDurationMs, profileMaxDurationMs, validateProfile } from '../../src/load/profile.js';
import { formatProgress } from '../../src/load/progress.js';

test('validateProfile accepts each of k6 executors with its own fields', () => {
  assert.equal(validateProfile({ executor: 'constant-vus', vus: 10, duration: '30s' }), []);
  assert.equal(
    validateProfile({ executor: 'ramping-vus', stages: [{ duration: '10s', target: 5 }], gracefulRampDown: '5s' }),
    [],
  );
  assert.equal(
    validateProfile({
      executor: 'constant-arrival-rate',
      rate: 50,
      timeUnit: '1s',
      duration: '1m',
      preAllocatedVUs: 5,
      maxVUs: 10,
    }),
    [],
  );
  assert.equal(
    validateProfile({
      executor: 'ramping-arrival-rate',
      startRate: 0,
      stages: [{ duration: '1m', target: 100 }],
      preAllocatedVUs: 10,
    }),
    [],
  );
});

test('validateProfile names the field, what was expected and what it got', () => {
  assert.equal(validateProfile({ executor: 'constant-vus', vus: 1.5, duration: 30 }, 'load.'), [
    'load.vus: expected a positive integer, got 1.5',
    'load.duration: expected a positive duration like "30s", got 30',
  ]);
  assert.equal(validateProfile({ executor: 'per-vu-iterations' }), [
    'executor: expected one of constant-vus, ramping-vus, constant-arrival-rate, ramping-arrival-rate, got "per-vu-iterations"',
  ]);
  assert.equal(validateProfile({ executor: 'constant-arrival-rate', duration: '10s', preAllocatedVUs: 1 }), [
    'rate: required for executor constant-arrival-rate',
  ]);
  assert.equal(validateProfile({ executor: 'ramping-vus', stages: [{ duration: '1x', target: -1 }] }), [
    'stages[0].duration: expected a duration like "30s", got "1x"',
    'stages[0].target: expected a non-negative integer, got -1',
  ]);
  assert.equal(validateProfile({ executor: 'constant-vus', vus: 1, duration: '1s', gracefulStop: 'soon' }), [
    'gracefulStop: expected a duration like "30s", got "soon"',
  ]);
});

test('profileDurationMs is the scheduled length; profileMaxDurationMs adds gracefulStop (k6 default 30 s)', () => {
  assert.is(profileDurationMs({ executor: 'constant-vus', vus: 1, duration: '1m30s' }), 90_000);
  assert.is(
    profileDurationMs({
      executor: 'ramping-arrival-rate',
      stages: [
        { duration: '10s', target: 5 },
        { duration: '500ms', target: 0 },
      ],
      preAllocatedVUs: 1,
    }),
    10_500,
  );
  assert.is(profileMaxDurationMs({ executor: 'constant-vus', vus: 1, duration: '10s' }), 40_000);
  assert.is(profileMaxDurationMs({ executor: 'constant-vus', vus: 1, duration: '10s', gracefulStop: '0s' }), 10_000);
});

test('progress text: elapsed/total, req/s, status counts', () => {
  assert.is(
    formatProgress({ elapsedMs: 3200, totalMs: 10000, requests: 1210, statuses: { 503: 87, 200: 1123 } }, 412.4),
    '3.2s/10.0s  412 req/s  1210 reqs  200:1123 503:87',
  );
});

test.run();
