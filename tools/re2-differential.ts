/**
 * src/util/re2.ts against a real RE2: builds a small C++ checker on libre2 (the engine Envoy
 * links; `RE2(pattern, RE2::Quiet)` and `RE2::FullMatch` as source/common/common/regex.h
 * calls them), then compares (1) the table of tests/util/fixtures/re2-table.ts and (2) random
 * patterns made of RE2 syntax atoms against a set of inputs, seeded.
 *
 *   npx tsx tools/re2-differential.ts [seed] [patterns]     (defaults 7, 3000)
 *
 * Needs g++ and libre2's headers (Debian: `apt-get install libre2-dev`); CI machines have
 * neither, so this is a developer's check, not a test: without them it says what is missing
 * and exits 2. Exit 1 when RE2 and the translation disagree anywhere it should not.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { re2FullMatch, Re2SyntaxError } from '../src/util/re2.js';
import { MATCHES, REFUSED } from '../tests/util/fixtures/re2-table.js';

const CHECKER = `#include <re2/re2.h>
#include <iostream>
#include <string>
static std::string unhex(const std::string& h) {
  std::string o;
  for (size_t i = 0; i + 1 < h.size(); i += 2) o.push_back((char)std::stoi(h.substr(i, 2), nullptr, 16));
  return o;
}
int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    size_t tab = line.find('\\t');
    RE2 re(unhex(line.substr(0, tab)), RE2::Quiet);
    if (!re.ok()) { std::cout << "ERR\\n"; continue; }
    std::cout << (RE2::FullMatch(unhex(line.substr(tab + 1)), re) ? "1" : "0") << "\\n";
  }
}
`;

const ATOMS = [
  ...['a', 'B', 'k', 'K', 's', '\u017f', '\u212a', 'é', 'É', '😀', 'σ', 'Σ', 'ς', ' ', '/', ',', '0', '-'],
  ...['\n', '\r', '\t', '\u000b', '\u00a0', '.', '^', '$', '|', '(', ')', '[', ']', '[^', '{', '}'],
  ...['(?:', '(?i)', '(?-i)', '(?i:', '(?s:', '(?s)', '(?m)', '(?U)', '(?P<n>'],
  ...['\\d', '\\W', '\\w', '\\s', '\\S', '\\b', '\\B', '\\A', '\\z', '\\Q', '\\E', '\\n', '\\v', '\\0', '\\12'],
  ...['\\pL', '\\pN', '\\PN', '\\p{Greek}', '\\p{Lu}', '\\p{Ll}', '\\p{Latin}', '\\p{Any}', '\\P{Any}'],
  ...['[:alpha:]', '[:^upper:]', '[:space:]', '[:word:]', '[a-z]', '[A-Z]', '[^a-z]', '[k]', '[^k]', '[é-ë]'],
  ...['\\x41', '\\x{1F600}', '\\x{212a}', '*', '+', '?', '*?', '{2}', '{1,3}', '{2,}', '{0}'],
];
const INPUTS = [
  ...['', 'a', 'A', 'aB', 'ab', 'AB', 'kK', '\u212a', 's', 'S', '\u017f', 'é', 'É', '😀', '😀😀'],
  ...['a\n', '\na', 'a\nb', '\r', ' ', '\t', '\u000b', '\u00a0', 'σ', 'ς', 'Σ', 'a b', '0', '12', '/'],
  ...['aaa', 'abab', 'BaB', 'x', 'Kk\u212a', 'a-z', ']', '-'],
];

function missing(): string[] {
  const out: string[] = [];
  try {
    execFileSync('g++', ['--version'], { stdio: 'ignore' });
  } catch {
    out.push('g++');
  }
  if (!existsSync('/usr/include/re2/re2.h')) out.push('libre2 headers (/usr/include/re2/re2.h: libre2-dev)');
  return out;
}

function mine(pattern: string, input: string): string {
  try {
    return re2FullMatch(pattern).test(input) ? '1' : '0';
  } catch (e) {
    if (e instanceof Re2SyntaxError) return 'ERR';
    throw e;
  }
}

const absent = missing();
if (absent.length > 0) {
  console.error(`re2-differential: cannot run, missing ${absent.join(' and ')}`);
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 're2-differential-'));
try {
  writeFileSync(join(dir, 'check.cc'), CHECKER);
  execFileSync('g++', ['-O1', '-std=c++17', join(dir, 'check.cc'), '-o', join(dir, 'check'), '-lre2']);
  const re2 = (rows: [string, string][]) =>
    execFileSync(join(dir, 'check'), {
      input: `${rows.map(([p, i]) => `${Buffer.from(p).toString('hex')}\t${Buffer.from(i).toString('hex')}`).join('\n')}\n`,
      maxBuffer: 1 << 28,
    })
      .toString()
      .trim()
      .split('\n');

  let bad = 0;
  const tableRows: [string, string, string, boolean][] = [
    ...MATCHES.map(([p, i, want, why]): [string, string, string, boolean] => [
      p,
      i,
      want ? '1' : '0',
      why.includes('[not RE2 2022]'),
    ]),
    ...REFUSED.map(([p]): [string, string, string, boolean] => [p, '', 'ERR', /\\C|\ud800/.test(p)]),
  ];
  const tableRe2 = re2(tableRows.map(([p, i]) => [p, i]));
  tableRows.forEach(([p, i, want, known], k) => {
    if (tableRe2[k] === want) return;
    console.log(
      `${known ? 'known' : 'DIFFERS'}: ${JSON.stringify(p)} on ${JSON.stringify(i)}: RE2 ${tableRe2[k]}, table ${want}`,
    );
    if (!known) bad++;
  });

  let seed = Number(process.argv[2] ?? 7);
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const rows: [string, string][] = [];
  for (let n = Number(process.argv[3] ?? 3000); n > 0; n--) {
    let p = '';
    for (let len = 1 + Math.floor(random() * 7); len > 0; len--) p += ATOMS[Math.floor(random() * ATOMS.length)];
    for (const i of INPUTS) rows.push([p, i]);
  }
  const got = re2(rows);
  let same = 0;
  rows.forEach(([p, i], k) => {
    const m = mine(p, i);
    if (m === got[k]) same++;
    else if (bad++ < 20)
      console.log(`DIFFERS: ${JSON.stringify(p)} on ${JSON.stringify(i)}: RE2 ${got[k]}, translation ${m}`);
  });
  console.log(`table: ${tableRows.length} rows; random: ${same}/${rows.length} pattern×input pairs agree`);
  process.exitCode = bad > 0 ? 1 : 0;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
