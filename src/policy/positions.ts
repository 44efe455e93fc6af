/**
 * Source positions for field paths, for the positioned YAML reader (policy documents,
 * scenario files: yaml-reader.ts). The `yaml` package keeps a range on every node; with a
 * LineCounter we turn offsets into 1-based line:column. A path points at the **key** of a
 * mapping entry (where an editor should put the cursor: `retryOn:`) — or, with `at: 'value'`,
 * at the value written after it —, at the item itself in a sequence, and at the nearest existing
 * ancestor when the field is absent.
 */
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { FieldPath, SourcePos } from './model.js';

export type PositionOf = (path: FieldPath) => SourcePos;

export function positionFinder(
  doc: Document,
  lineCounter: LineCounter,
  file: string,
  anchor: 'key' | 'value' = 'key',
): PositionOf {
  const at = (offset: number): SourcePos => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  const start = (doc.contents as Node | null)?.range?.[0] ?? 0;
  return (path) => {
    let node: unknown = doc.contents;
    let offset = start;
    for (const segment of path) {
      const step = stepInto(node, segment);
      if (!step) break;
      node = step.node;
      const valueAt = anchor === 'value' ? (node as Node | null)?.range?.[0] : undefined;
      if (valueAt !== undefined) offset = valueAt;
      else if (step.offset !== undefined) offset = step.offset;
    }
    return at(offset);
  };
}

function stepInto(node: unknown, segment: string | number): { node: unknown; offset?: number } | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = pair.key;
      const name = isScalar(key) ? key.value : key;
      if (String(name) !== String(segment)) continue;
      return { node: pair.value, offset: (key as Node | null)?.range?.[0] };
    }
    return undefined;
  }
  if (isSeq(node) && typeof segment === 'number') {
    const item = node.items[segment] as Node | undefined;
    if (item === undefined) return undefined;
    return { node: item, offset: item?.range?.[0] };
  }
  return undefined;
}

/** The source text of the scalar at `path` (`1e400`, `.nan`), or undefined when the path is not a scalar. */
export function sourceFinder(doc: Document): (path: FieldPath) => string | undefined {
  return (path) => {
    let node: unknown = doc.contents;
    for (const segment of path) {
      node = stepInto(node, segment)?.node;
      if (node === undefined) return undefined;
    }
    return isScalar(node) && typeof node.source === 'string' ? node.source : undefined;
  };
}
