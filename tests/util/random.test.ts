import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRng } from '../../src/util/random.js';

test('the same seed replays the same sequence; another seed does not', () => {
  const a = createRng(7),
    b = createRng(7),
    c = createRng(8);
  const sa = Array.from({ length: 5 }, () => a.next());
  assert.equal(
    sa,
    Array.from({ length: 5 }, () => b.next()),
  );
  assert.not.equal(
    sa,
    Array.from({ length: 5 }, () => c.next()),
  );
});

test('uniform draws have mean 0.5 ± 3σ over 100 000 draws', () => {
  const r = createRng(1);
  let sum = 0;
  const n = 100_000;
  for (let i = 0; i < n; i++) sum += r.next();
  const sigma = Math.sqrt(1 / 12 / n);
  assert.ok(Math.abs(sum / n - 0.5) < 3 * sigma, String(sum / n));
});

test('normal draws have mean 0 and variance 1 within 3σ', () => {
  const r = createRng(3);
  const n = 50_000;
  let s = 0,
    s2 = 0;
  for (let i = 0; i < n; i++) {
    const x = r.normal();
    s += x;
    s2 += x * x;
  }
  assert.ok(Math.abs(s / n) < 3 / Math.sqrt(n));
  assert.ok(Math.abs(s2 / n - 1) < 3 * Math.sqrt(2 / n));
});

test.run();
