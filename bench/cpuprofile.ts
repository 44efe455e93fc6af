/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`) as self time per function and per
 * file — how the "what limits it" notes in docs were found:
 *
 *   node --cpu-prof --cpu-prof-dir=.tmp/prof --import tsx a-load-script.ts
 *   npx tsx bench/cpuprofile.ts .tmp/prof/CPU.*.cpuprofile [rows]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** [label, share of all sampled time] sorted by share, per function and per file. */
export function summarizeProfile(p: CpuProfile): { byFunction: [string, number][]; byFile: [string, number][] } {
  const self = new Map<number, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + p.timeDeltas[i]);
    total += p.timeDeltas[i];
  });
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const n of p.nodes) {
    const t = self.get(n.id);
    if (!t) continue;
    const f = n.callFrame;
    const file = f.url
      .replace(/.*node_modules\//, 'node_modules/')
      .replace(/^file:\/\/.*?\/(src|bench|tests)\//, '$1/');
    const fn = `${f.functionName || '(anonymous)'}${file ? ` ${file}:${f.lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + t);
    const dir = file ? file.split('/').slice(0, 3).join('/') : f.functionName;
    byFile.set(dir, (byFile.get(dir) ?? 0) + t);
  }
  const sorted = (m: Map<string, number>): [string, number][] =>
    [...m].map(([k, v]): [string, number] => [k, v / total]).sort((a, b) => b[1] - a[1]);
  return { byFunction: sorted(byFunction), byFile: sorted(byFile) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = Number(process.argv[3] ?? 30);
  const s = summarizeProfile(JSON.parse(readFileSync(process.argv[2], 'utf8')) as CpuProfile);
  const show = (title: string, list: [string, number][]) => {
    process.stdout.write(`${title}\n`);
    for (const [k, share] of list.slice(0, rows))
      process.stdout.write(`${(100 * share).toFixed(1).padStart(5)} %  ${k}\n`);
  };
  show('self time by function', s.byFunction);
  show('self time by file', s.byFile);
}
