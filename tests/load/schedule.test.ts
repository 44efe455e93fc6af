import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { arrivalTimes, vuSteps } from '../../src/load/builtin/schedule.js';
import { rampingStarts } from '../fixtures/fake-k6/schedule.mjs';
import type { RampingArrivalRate } from '../../src/load/model.js';
import { parseDurationMs } from '../../src/util/duration.js';

test('ramping-vus steps one VU at each integer crossing, up and down (k6 execution steps)', () => {
  const steps = vuSteps({
    executor: 'ramping-vus',
    startVUs: 0,
    stages: [
      { duration: '1s', target: 4 },
      { duration: '1s', target: 0 },
    ],
  });
  assert.equal(steps, [
    { atMs: 0, vus: 0 },
    { atMs: 250, vus: 1 },
    { atMs: 500, vus: 2 },
    { atMs: 750, vus: 3 },
    { atMs: 1000, vus: 4 },
    { atMs: 1250, vus: 3 },
    { atMs: 1500, vus: 2 },
    { atMs: 1750, vus: 1 },
    { atMs: 2000, vus: 0 },
  ]);
});

test('ramping-vus: a zero-length stage jumps, startVUs defaults to 1 like k6', () => {
  assert.equal(
    vuSteps({
      executor: 'ramping-vus',
      stages: [
        { duration: '0s', target: 5 },
        { duration: '10s', target: 5 },
      ],
    }),
    [
      { atMs: 0, vus: 1 },
      { atMs: 0, vus: 5 },
    ],
  );
});

test('constant-arrival-rate 50/s for 4 s schedules exactly 200 starts, 20 ms apart from 0', () => {
  const times = [...arrivalTimes({ executor: 'constant-arrival-rate', rate: 50, duration: '4s', preAllocatedVUs: 1 })];
  assert.is(times.length, 200);
  assert.is(times[0], 0);
  assert.ok(Math.abs(times[199] - 3980) < 1e-6);
});

test('timeUnit scales the rate: 30 per 1m for 10 s is one start every 2 s', () => {
  const times = [
    ...arrivalTimes({
      executor: 'constant-arrival-rate',
      rate: 30,
      timeUnit: '1m',
      duration: '10s',
      preAllocatedVUs: 1,
    }),
  ];
  assert.equal(times.map(Math.round), [0, 2000, 4000, 6000, 8000]);
});

// k6 lib/executor/ramping_arrival_rate.go cal(): the n-th iteration (n from 1) starts when the
// rate's integral reaches n, and Run returns once the regular duration is over, so one that
// would start exactly at the end does not
test('ramping-arrival-rate 0→100/s over 2 s starts 99 iterations, the n-th when ∫ rate = n: 25 by 1 s (∫ of a linear ramp)', () => {
  const times = [
    ...arrivalTimes({
      executor: 'ramping-arrival-rate',
      startRate: 0,
      stages: [{ duration: '2s', target: 100 }],
      preAllocatedVUs: 1,
    }),
  ];
  assert.is(times.length, 99);
  // rate 50·t per s, ∫₀ᵗ = 25t² = 1 → the first at t = 0.2 s (not at 0, where the rate is 0);
  // iteration 25 falls exactly on t = 1 s
  assert.ok(Math.abs(times[0] - 200) < 1e-6, String(times[0]));
  assert.is(times.filter((t) => t <= 1000 + 1e-6).length, 25);
  for (let i = 1; i < times.length; i++) assert.ok(times[i] > times[i - 1]);
});

test('ramping-arrival-rate ramps down too: 100→0/s over 2 s starts 99, 75 by 1 s', () => {
  const times = [
    ...arrivalTimes({
      executor: 'ramping-arrival-rate',
      startRate: 100,
      stages: [{ duration: '2s', target: 0 }],
      preAllocatedVUs: 1,
    }),
  ];
  assert.is(times.length, 99);
  // iteration 75 falls exactly on t = 1 s (up to float error)
  assert.is(times.filter((t) => t <= 1000 + 1e-6).length, 75);
});

test('a one-stage ramping-arrival-rate holding 50/s starts one period later than constant-arrival-rate 50/s (k6 cal() vs constant_arrival_rate.go Run)', () => {
  const ramping = [
    ...arrivalTimes({
      executor: 'ramping-arrival-rate',
      startRate: 50,
      stages: [{ duration: '1s', target: 50 }],
      preAllocatedVUs: 1,
    }),
  ];
  const constant = [
    ...arrivalTimes({ executor: 'constant-arrival-rate', rate: 50, duration: '1s', preAllocatedVUs: 1 }),
  ];
  assert.is(constant.length, 50);
  assert.is(constant[0], 0, 'constant: tickerPeriod × gi, gi from 0');
  assert.is(ramping.length, 49, 'ramping: 20, 40, …, 980 ms; the 50th would start at 1000 ms, the end');
  assert.ok(Math.abs(ramping[0] - 20) < 1e-9 && Math.abs(ramping[48] - 980) < 1e-6, `${ramping[0]} … ${ramping[48]}`);
});

test("the built-in engine's ramping-arrival-rate starts match k6's cal() as the fake k6 transcribes it, start for start", () => {
  const profiles: RampingArrivalRate[] = [
    { executor: 'ramping-arrival-rate', startRate: 0, stages: [{ duration: '2s', target: 100 }], preAllocatedVUs: 1 },
    { executor: 'ramping-arrival-rate', startRate: 100, stages: [{ duration: '2s', target: 0 }], preAllocatedVUs: 1 },
    {
      executor: 'ramping-arrival-rate',
      startRate: 50,
      stages: [{ duration: '500ms', target: 50 }],
      preAllocatedVUs: 1,
    },
    {
      executor: 'ramping-arrival-rate',
      startRate: 10,
      stages: [
        { duration: '1s', target: 10 },
        { duration: '2s', target: 40 },
        { duration: '1s', target: 0 },
      ],
      preAllocatedVUs: 1,
    },
    {
      executor: 'ramping-arrival-rate',
      startRate: 60,
      timeUnit: '1m',
      stages: [{ duration: '10s', target: 600 }],
      preAllocatedVUs: 1,
    },
  ];
  for (const p of profiles) {
    const ours = [...arrivalTimes(p)];
    // RampingArrivalRate.Run takes no start once the regular duration (the stages' sum) is over;
    // cal() may put the last one a float error before the end (3999.99998 ms of 4 s), but Run's
    // clock starts after getDurationContexts' (VUs are activated in between), so k6 never reaches it
    const end = p.stages.reduce((ms, st) => ms + parseDurationMs(st.duration)!, 0);
    const k6 = [...rampingStarts(p)].filter((t) => t < end - 1e-3);
    assert.is(ours.length, k6.length, JSON.stringify(p.stages));
    ours.forEach((t, i) =>
      assert.ok(Math.abs(t - k6[i]) < 1e-6, `${JSON.stringify(p.stages)} start ${i}: ${t} vs k6 ${k6[i]}`),
    );
  }
});

test.run();
