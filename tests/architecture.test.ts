/**
 * The layering of src/ (docs/layout.md, issue 15): every import points down the layers, and
 * no file imports itself through others — type imports included, except the exceptions
 * tools/import-graph.ts names with their reason.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cycles, importEdges, upwardEdges, type Edge } from '../tools/import-graph.js';

const show = (edges: Edge[]) => edges.map((e) => `${e.from} -> ${e.to}${e.typeOnly ? ' (type)' : ''}`);

test('no import points up the layers', () => {
  assert.equal(show(upwardEdges('src', importEdges('src'))), []);
});

test('no import cycle between files, type imports included', () => {
  assert.equal(cycles(importEdges('src')), []);
});

test('the local Kubernetes API and the mesh never import each other (the composition layer wires them, issue 19)', () => {
  const between = importEdges('src').filter(
    (e) =>
      (e.from.startsWith('src/mesh/') && e.to.startsWith('src/kube-api/')) ||
      (e.from.startsWith('src/kube-api/') && e.to.startsWith('src/mesh/')),
  );
  assert.equal(show(between), []);
});

test('the check can fail: an upward arrow and a cycle are reported', () => {
  const edges: Edge[] = [
    { from: 'src/util/a.ts', to: 'src/cli/b.ts', typeOnly: false },
    { from: 'src/cli/b.ts', to: 'src/util/a.ts', typeOnly: false },
    { from: 'src/mesh/c.ts', to: 'src/mesh/c.ts', typeOnly: true },
  ];
  assert.equal(show(upwardEdges('src', edges)), ['src/util/a.ts -> src/cli/b.ts']);
  assert.equal(cycles(edges), [['src/cli/b.ts', 'src/util/a.ts'], ['src/mesh/c.ts']]);
});

test.run();
