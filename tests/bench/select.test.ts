// `npm run bench -- --only …`: a full name, or the one benchmark a prefix starts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBenches } from '../../bench/index.js';

test('--only takes a full name or an unambiguous start of one; anything else is refused naming the choices', () => {
  assert.equal(selectBenches(['instances-scaling']), ['instances-scaling']);
  assert.equal(selectBenches(['instances', 'policy']), ['instances-scaling', 'policy-scale']);
  assert.throws(
    () => selectBenches(['engine']),
    /--only engine: ambiguous, matches engine-throughput, engine-accuracy/,
  );
  assert.throws(() => selectBenches(['nope']), /--only: unknown benchmark nope; expected one of engine-throughput/);
});

test.run();
