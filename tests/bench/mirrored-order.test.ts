/**
 * mesh-throughput's mirrored rounds (bench/mesh-overhead.ts mirroredOrder): with an even count of
 * rounds every path's runs sit at the same mean position, so a steady drift of the machine weighs
 * on direct, mesh and nginx alike; with an odd count the last path's runs sit later than the first's.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FULL, QUICK, mirroredOrder } from '../../bench/mesh-overhead.js';

const meanPositions = (rounds: number) => {
  const order = mirroredOrder(['direct', 'mesh', 'nginx'], rounds);
  const mean = (name: string) => {
    const at = order.flatMap((n, i) => (n === name ? [i] : []));
    return at.reduce((a, b) => a + b, 0) / at.length;
  };
  return { direct: mean('direct'), mesh: mean('mesh'), nginx: mean('nginx') };
};

test('mirroredOrder: in order, reversed, in order …; one run per path per round', () => {
  assert.equal(mirroredOrder(['a', 'b', 'c'], 3), ['a', 'b', 'c', 'c', 'b', 'a', 'a', 'b', 'c']);
});

test('even rounds: every path at the same mean position (2 rounds: 2.5; 4 rounds: 5.5); 3 rounds: not', () => {
  assert.equal(meanPositions(2), { direct: 2.5, mesh: 2.5, nginx: 2.5 });
  assert.equal(meanPositions(4), { direct: 5.5, mesh: 5.5, nginx: 5.5 });
  const odd = meanPositions(3);
  assert.ok(odd.nginx - odd.direct > 0.6, JSON.stringify(odd));
});

test('the full and --quick parameters use an even count of rounds', () => {
  assert.is((FULL.rounds ?? 1) % 2, 0, `FULL.rounds ${FULL.rounds}`);
  assert.is((QUICK.rounds ?? 1) % 2, 0, `QUICK.rounds ${QUICK.rounds}`);
});

test.run();
