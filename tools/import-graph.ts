/**
 * The import graph of src/, at folder level, checked against the layers (docs/layout.md):
 * a folder imports only folders below it, and no file imports itself through others.
 *
 *   npx tsx tools/import-graph.ts          prints folder arrows, upward arrows and cycles; exit 1 on any
 *
 * tests/architecture.test.ts runs the same check, so the layering holds from now on.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';

/** Bottom to top; a folder may import only folders earlier in this list ('.' = src/*.ts: errors, ports, config, version). */
export const LAYERS = [
  '.',
  'util',
  'policy',
  'load',
  'analysis',
  'report',
  'translate',
  'kube-api',
  'mesh',
  'cluster',
  'scenario',
  'targets',
  'experiment',
  'cli',
] as const;

/**
 * Type-only imports allowed against the layers, each with its reason. `ports.ts` names the
 * policy document the Applier applies (policy/model.ts), a type the ports cannot own without
 * taking the YAML positions with it.
 */
export const TYPE_ONLY_EXCEPTIONS: readonly string[] = ['src/ports.ts -> src/policy/model.ts'];

export interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...tsFiles(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Every relative import and re-export of every .ts file under `root` (the path as given, e.g. "src"). */
export function importEdges(root: string): Edge[] {
  const edges: Edge[] = [];
  for (const file of tsFiles(root)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?from\s+'(\.[^']+)'/gms)) {
      let to = normalize(join(dirname(file), m[2])).replace(/\.js$/, '.ts');
      if (!to.endsWith('.ts')) to += '.ts';
      edges.push({ from: file, to, typeOnly: Boolean(m[1]) });
    }
  }
  return edges;
}

/** `import … from 'x'`, `export … from 'x'` and `import 'x'`: [whole match, `type ` if type-only, specifier]. */
const STATIC_IMPORT = /^(?:import|export)\s+(type\s+)?(?:[^;]*?from\s+)?'([^']+)'/gms;

/**
 * The npm packages loaded when `entry` is: every package a module in its static closure imports
 * for a value, following relative value imports (`import type` and `export type` load nothing;
 * an `import { type A }` list is counted as a value import, so a package kept off start-up has
 * to be named with `import type`). A dynamic `import()` is not followed: it loads when called.
 * Sorted, each once (`yargs/helpers` as written).
 */
export function startupPackages(entry: string): string[] {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
      if (m[1]) continue;
      if (!m[2].startsWith('.')) {
        if (!m[2].startsWith('node:')) packages.add(m[2]);
        continue;
      }
      let to = normalize(join(dirname(file), m[2])).replace(/\.js$/, '.ts');
      if (!to.endsWith('.ts')) to += '.ts';
      visit(to);
    }
  };
  visit(entry);
  return [...packages].sort();
}

/** The top folder of a file under `root`; '.' for files directly in it, '..' for files outside it. */
export function folderOf(root: string, file: string): string {
  const rel = relative(root, file);
  if (rel.startsWith('..')) return '..';
  const parts = rel.split(sep);
  return parts.length === 1 ? '.' : parts[0];
}

/** Arrows that point up the layers (or out of `root`), minus the named type-only exceptions. */
export function upwardEdges(root: string, edges: Edge[]): Edge[] {
  const rank = (f: string) => LAYERS.indexOf(folderOf(root, f) as (typeof LAYERS)[number]);
  return edges.filter((e) => {
    const a = folderOf(root, e.from);
    const b = folderOf(root, e.to);
    if (a === b) return false;
    if (e.typeOnly && TYPE_ONLY_EXCEPTIONS.includes(`${e.from} -> ${e.to}`)) return false;
    return rank(e.to) < 0 || rank(e.from) < 0 || rank(e.to) >= rank(e.from);
  });
}

/** File-level cycles (strongly connected components of more than one file, or a self-import), type imports included. */
export function cycles(edges: Edge[]): string[][] {
  const adj = new Map<string, string[]>();
  for (const e of edges) adj.set(e.from, [...(adj.get(e.from) ?? []), e.to]);
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of adj.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop() as string;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || (adj.get(v) ?? []).includes(v)) out.push(scc.sort());
  };
  for (const v of adj.keys()) if (!index.has(v)) visit(v);
  return out;
}

/** "a -> b (n)" per pair of distinct folders. */
export function folderArrows(root: string, edges: Edge[]): string[] {
  const counts = new Map<string, number>();
  for (const e of edges) {
    const a = folderOf(root, e.from);
    const b = folderOf(root, e.to);
    if (a !== b) counts.set(`${a} -> ${b}`, (counts.get(`${a} -> ${b}`) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${k} (${n})`).sort();
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) {
  const root = process.argv[2] ?? 'src';
  const edges = importEdges(root);
  console.log(folderArrows(root, edges).join('\n'));
  const up = upwardEdges(root, edges);
  const cyc = cycles(edges);
  console.log(`\nupward arrows: ${up.length}`);
  for (const e of up) console.log(`  ${e.from} -> ${e.to}${e.typeOnly ? ' (type)' : ''}`);
  console.log(`cycles: ${cyc.length}`);
  for (const c of cyc) console.log(`  ${c.join(' <-> ')}`);
  console.log(`type-only exceptions: ${TYPE_ONLY_EXCEPTIONS.join('; ')}`);
  process.exitCode = up.length > 0 || cyc.length > 0 ? 1 : 0;
}
