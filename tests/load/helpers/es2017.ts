/**
 * Does this ES module use syntax newer than ES2017 — what k6 0.4x's internal Babel rejects
 * (ecosystem.md)? There is no JS parser API here (acorn is absent; TypeScript 7 is a native
 * binary), so esbuild, which knows every syntax feature by ES version, decides: it rewrites
 * exactly the constructs a target lacks (`?.`, `??`, object spread and rest, class fields,
 * regex flags, …) and fails on those it cannot rewrite. Code it leaves byte-identical under
 * target es2017 and esnext contains none of them.
 */
import { transformSync } from 'esbuild';

export function newerThanEs2017(code: string): string[] {
  const esnext = transformSync(code, { format: 'esm', target: 'esnext', loader: 'js' }).code;
  let es2017: string;
  try {
    es2017 = transformSync(code, { format: 'esm', target: 'es2017', loader: 'js' }).code;
  } catch (err) {
    return [`cannot be expressed in ES2017: ${(err as Error).message.split('\n')[1] ?? (err as Error).message}`];
  }
  if (es2017 === esnext) return [];
  const a = esnext.split('\n'),
    b = es2017.split('\n');
  const i = a.findIndex((line, k) => line !== b[k]);
  return [`rewritten for ES2017 near: ${a[i]?.trim()}`];
}
