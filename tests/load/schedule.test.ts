import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { arrivalTimes, vuSteps } from '../../src/load/builtin/schedule.js';

test('ramping-vus steps one VU at each integer crossing, up and down (k6 execution steps)', () => {
  const steps = vuSteps({ executor: 'ramping-vus', startVUs: 0, stages: [{ duration: '1s', target: 4 }, { duration: '1s', target: 0 }] });
  assert.equal(steps, [
    { atMs: 0, vus: 0 }, { atMs: 250, vus: 1 }, { atMs: 500, vus: 2 }, { atMs: 750, vus: 3 }, { atMs: 1000, vus: 4 },
    { atMs: 1250, vus: 3 }, { atMs: 1500, vus: 2 }, { atMs: 1750, vus: 1 }, { atMs: 2000, vus: 0 },
  ]);
});

test('ramping-vus: a zero-length stage jumps, startVUs defaults to 1 like k6', () => {
  assert.equal(vuSteps({ executor: 'ramping-vus', stages: [{ duration: '0s', target: 5 }, { duration: '10s', target: 5 }] }), [
    { atMs: 0, vus: 1 }, { atMs: 0, vus: 5 },
  ]);
});

test('constant-arrival-rate 50/s for 4 s schedules exactly 200 starts, 20 ms apart from 0', () => {
  const times = [...arrivalTimes({ executor: 'constant-arrival-rate', rate: 50, duration: '4s', preAllocatedVUs: 1 })];
  assert.is(times.length, 200);
  assert.is(times[0], 0);
  assert.ok(Math.abs(times[199] - 3980) < 1e-6);
});

test('timeUnit scales the rate: 30 per 1m for 10 s is one start every 2 s', () => {
  const times = [...arrivalTimes({ executor: 'constant-arrival-rate', rate: 30, timeUnit: '1m', duration: '10s', preAllocatedVUs: 1 })];
  assert.equal(times.map(Math.round), [0, 2000, 4000, 6000, 8000]);
});

test('ramping-arrival-rate 0→100/s over 2 s starts 100 iterations, 25 of them in the first second (∫ of a linear ramp)', () => {
  const times = [...arrivalTimes({ executor: 'ramping-arrival-rate', startRate: 0, stages: [{ duration: '2s', target: 100 }], preAllocatedVUs: 1 })];
  assert.is(times.length, 100);
  assert.is(times.filter((t) => t < 1000).length, 25);
  for (let i = 1; i < times.length; i++) assert.ok(times[i] > times[i - 1]);
});

test('ramping-arrival-rate ramps down too: 100→0/s over 2 s starts 100, 75 in the first second', () => {
  const times = [...arrivalTimes({ executor: 'ramping-arrival-rate', startRate: 100, stages: [{ duration: '2s', target: 0 }], preAllocatedVUs: 1 })];
  assert.is(times.length, 100);
  // iteration 75 falls exactly on t = 1 s (up to float error)
  assert.is(times.filter((t) => t < 1000 - 1e-6).length, 75);
});

test.run();
