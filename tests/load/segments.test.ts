// k6's execution-segment arithmetic (src/load/segments.ts) against the values k6's own
// lib/execution_segment.go documents (the ExecutionTuple comment's tables) and against the fake
// k6's independent transcription (tests/fixtures/fake-k6/segments.mjs).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  evenSegments,
  parseSegment,
  parseSequence,
  segmentFlags,
  segmentString,
  sequenceString,
  Tuple,
} from '../../src/load/segments.js';
import * as fake from '../fixtures/fake-k6/segments.mjs';
import { liveVUs } from '../fixtures/fake-k6/live.mjs';
import { arrivalVus } from '../../src/load/builtin/schedule.js';
import type { ConstantArrivalRate } from '../../src/load/model.js';

const take = (it: Generator<number>, n: number) => Array.from({ length: n }, () => it.next().value as number);

test('the 50 % / 25 % / 25 % example of execution_segment.go: striped iterators and ScaleInt64 per instance', () => {
  const seq = parseSequence('0,1/2,3/4,1');
  const tuples = seq.map((s) => Tuple.of(s, seq));
  assert.equal(take(tuples[0].stripe(), 6), [0, 2, 4, 6, 8, 10]);
  assert.equal(take(tuples[1].stripe(), 3), [1, 5, 9]);
  assert.equal(take(tuples[2].stripe(), 3), [3, 7, 11]);
  const scaled = (t: Tuple) => Array.from({ length: 12 }, (_, i) => t.scaleInt64(i + 1));
  assert.equal(scaled(tuples[0]), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]);
  assert.equal(scaled(tuples[1]), [0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3]);
  assert.equal(scaled(tuples[2]), [0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3]);
});

test('N even segments: the shares of every value add up to it, and the stripes partition the indexes', () => {
  for (const n of [1, 2, 3, 4, 7]) {
    const seq = evenSegments(n);
    const tuples = seq.map((s) => Tuple.of(s, seq));
    for (let v = 0; v <= 50; v++)
      assert.is(
        tuples.reduce((a, t) => a + t.scaleInt64(v), 0),
        v,
        `n=${n} v=${v}`,
      );
    const seen = tuples.flatMap((t) => take(t.stripe(), 20).filter((i) => i < 20 * n - n)).sort((a, b) => a - b);
    assert.equal(
      seen,
      Array.from({ length: 20 * n - n }, (_, i) => i),
      `n=${n}`,
    );
  }
  // 10 VUs on 2 instances: 5 each (the issue's "2 processes of 5 VUs")
  const two = evenSegments(2);
  assert.equal(
    two.map((s) => Tuple.of(s, two).scaleInt64(10)),
    [5, 5],
  );
});

test('the flags k6 gets, and parsing back every form k6 accepts', () => {
  assert.equal(segmentFlags(1, 3), ['--execution-segment', '1/3:2/3', '--execution-segment-sequence', '0,1/3,2/3,1']);
  assert.is(segmentString(parseSegment('50%:0.75')), '1/2:3/4');
  assert.is(segmentString(parseSegment('1/5')), '0:1/5');
  assert.is(segmentString(parseSegment('')), '0:1');
  assert.is(sequenceString(parseSequence('0,25%,0.5,1')), '0,1/4,1/2,1');
  assert.throws(() => parseSegment('1/2:1/4'), /segment start\(0\.50\) should be less than its end\(0\.25\)/);
  // big.Rat FloatString(2) rounds the exact value: 201/200 is 1.01 (Number(1.005).toFixed(2) is "1.00")
  assert.throws(() => parseSegment('0:1.005'), /segment end value shouldn't be more than 1 but was 1\.01$/);
  assert.throws(() => fake.parseSegment('0:1.005'), /segment end value shouldn't be more than 1 but was 1\.01$/);
  assert.throws(() => parseSegment('-1/8:1/2'), /segment start value should be at least 0 but was -0\.13$/);
  assert.throws(() => fake.parseSegment('-1/8:1/2'), /segment start value should be at least 0 but was -0\.13$/);
  assert.throws(() => fake.parseSegment('-5%:1/2'), /segment start value should be at least 0 but was -0\.05$/);
  assert.throws(() => parseSequence('1/2'), /at least 2 points are needed for an execution segment sequence, 1 given/);
  assert.throws(
    () => Tuple.of(parseSegment('0:1/3'), parseSequence('0,1/2,1')),
    /couldn't find segment 0:1\/3 in sequence 0,1\/2,1/,
  );
});

test("re-cutting by a value (the arrival-rate executors' Init by maxVUs) keeps the shares", () => {
  const seq = evenSegments(3);
  const tuples = seq.map((s) => Tuple.of(s, seq));
  // maxVUs 4 over 1/3s: shares 2, 1, 1 → sequence 0,1/2,3/4,1
  assert.equal(
    tuples.map((t) => t.scaleInt64(4)),
    [2, 1, 1],
  );
  assert.equal(
    tuples.map((t) => segmentString(t.fromValue(4).segment)),
    ['0:1/2', '1/2:3/4', '3/4:1'],
  );
  assert.throws(() => tuples[2].fromValue(2), /isn't present in the new sequence/);
});

test("the fake k6 transcription agrees with meshproof's: ScaleInt64, stripes and re-cuts", () => {
  for (const text of ['0,1/2,1', '0,1/3,2/3,1', '0,1/2,3/4,1', '0,3/5,14/15,1', '0,1/4,1/2,3/4,1']) {
    const seq = parseSequence(text);
    const fseq = fake.parseSequence(text);
    seq.forEach((s, i) => {
      const ours = Tuple.of(s, seq);
      const theirs = fake.tuple(fseq[i], fseq);
      for (let v = 0; v <= 40; v++) assert.is(theirs.scale(v), ours.scaleInt64(v), `${text}[${i}] scale(${v})`);
      assert.equal(take(theirs.stripe(), 30), take(ours.stripe(), 30), `${text}[${i}] stripe`);
      for (const v of [7, 10]) {
        let a: number[] | string, b: number[] | string;
        try {
          a = take(ours.fromValue(v).stripe(), 12);
        } catch (e) {
          a = (e as Error).message;
        }
        try {
          b = take(theirs.recut(v).stripe(), 12);
        } catch (e) {
          b = (e as Error).message;
        }
        assert.equal(b, a, `${text}[${i}] recut(${v})`);
      }
    });
  }
});

/*
 * Awkward splits, values worked out by hand from k6's algorithm (NewExecutionSegmentSequenceWrapper's
 * striping: equal segments 1/N each take every N-th index, segment k starting at k):
 *  - constant-vus 10 on 3 instances: ScaleInt64(10) → 10/3 = 3 per cycle, remainder 1 → index 0 → 4, 3, 3
 *  - 1 VU on 7 instances: only segment 0 owns index 0 → 1, 0, 0, 0, 0, 0, 0 (k6 disables the
 *    scenario on the others: scheduler.go "Executor '%s' is disabled for segment %s due to lack of work!")
 *  - constant-arrival-rate 10/s, maxVUs 10, 3 instances: the rate is InPlaceScaleRat'ed by each
 *    segment's length (10/3 per s), and the iterations are striped by the tuple re-cut by maxVUs
 *    (shares 4, 3, 3 → sequence 0,2/5,7/10,1 → stripes {0,3,5,8}, {1,4,7}, {2,6,9} per 10)
 *  - preAllocatedVUs 9 of maxVUs 10 on 3 instances: Run scales them with the instance's own tuple
 *    (GetPreAllocatedVUs(executionState.ExecutionTuple)) → 3, 3, 3; the re-cut tuple would give 4, 3, 2
 */
test('awkward splits as k6 computes them: meshproof, the built-in engine and the fake k6 agree', () => {
  const share = (n: number, v: number) => evenSegments(n).map((s, _, all) => Tuple.of(s, all).scaleInt64(v));
  const fakeShare = (n: number, v: number) => {
    const seq = fake.parseSequence(sequenceString(evenSegments(n)));
    return seq.map((s) => fake.tuple(s, seq).scale(v));
  };
  assert.equal(share(3, 10), [4, 3, 3]);
  assert.equal(fakeShare(3, 10), [4, 3, 3]);
  assert.equal(share(7, 1), [1, 0, 0, 0, 0, 0, 0]);
  assert.equal(fakeShare(7, 1), [1, 0, 0, 0, 0, 0, 0]);
  // arrival rate 10/s over 3 instances: which of the first 10 global iterations each starts
  const seq3 = evenSegments(3);
  const recut = seq3.map((s) => Tuple.of(s, seq3).fromValue(10));
  assert.equal(
    recut.map((t) => take(t.stripe(), 4).filter((i) => i < 10)),
    [
      [0, 3, 5, 8],
      [1, 4, 7],
      [2, 6, 9],
    ],
  );
  const fseq3 = fake.parseSequence('0,1/3,2/3,1');
  assert.equal(
    fseq3.map((s) => take(fake.tuple(s, fseq3).recut(10).stripe(), 4).filter((i) => i < 10)),
    [
      [0, 3, 5, 8],
      [1, 4, 7],
      [2, 6, 9],
    ],
  );
  // the VUs of each arrival-rate instance
  const profile: ConstantArrivalRate = {
    executor: 'constant-arrival-rate',
    rate: 10,
    duration: '10s',
    preAllocatedVUs: 9,
    maxVUs: 10,
  };
  const tuples = seq3.map((s) => Tuple.of(s, seq3));
  assert.equal(
    tuples.map((t) => arrivalVus(profile, t)),
    [
      { preAllocated: 3, max: 4 },
      { preAllocated: 3, max: 3 },
      { preAllocated: 3, max: 3 },
    ],
  );
  assert.equal(
    fseq3.map((s) => liveVUs({ ...profile }, fake.tuple(s, fseq3))),
    [3, 3, 3],
  );
  assert.equal(
    fseq3.map((s) => liveVUs({ executor: 'constant-vus', vus: 10, duration: '1s' }, fake.tuple(s, fseq3))),
    [4, 3, 3],
  );
});

test.run();
