/**
 * src/util/re2.ts: RE2 (Go regexp/syntax, Perl flags) → JavaScript, matched as Envoy matches
 * (`RE2::FullMatch`). Expected results come from RE2's documented semantics
 * (github.com/google/re2/wiki/Syntax) and Go's regexp/syntax/parse.go, read by hand: no real
 * RE2 or Go runs on this machine, so none of these rows was checked against a real RE2. Rows
 * marked [parse.go] follow a branch of parse.go quoted in the comment; the others follow the
 * Syntax page.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { re2FullMatch, re2Problem, translateRe2 } from '../../src/util/re2.js';

/** [RE2 pattern, input, RE2::FullMatch result, why] */
const MATCHES: [string, string, boolean, string][] = [
  // flags
  ['(?i)/API/.*', '/api/v1', true, '(?i) at the start folds the whole pattern'],
  ['(?i)/API/.*', '/Api/', true, 'fold: A~a, P~p, I~i'],
  ['a(?i)bc', 'aBC', true, 'mid-pattern (?i) folds what follows'],
  ['a(?i)bc', 'ABC', false, '… and not what precedes'],
  ['(a(?i)b)c', 'aBc', true, 'a flag group lasts to the end of its enclosing group'],
  ['(a(?i)b)c', 'aBC', false, '[parse.go parseRightParen: p.flags = re2.Flags] c is outside it'],
  ['(?i:A)B', 'aB', true, '(?i:…) scopes to the group'],
  ['(?i:A)B', 'ab', false, 'B stays case-sensitive'],
  ['(?i)a(?-i)b', 'Ab', true, '(?-i) turns folding off'],
  ['(?i)a(?-i)b', 'AB', false, '… for what follows'],
  ['(?i)k', '\u212a', true, 'Kelvin sign folds with k (CaseFolding.txt; RE2 simple folding)'],
  ['x(?i)k', 'x\u212a', true, 'same under a scoped (?i)'],
  ['x(?i)s', 'x\u017f', true, 'ſ folds with s'],
  ['x(?i)[a-c]+', 'xAbC', true, 'a class range under a scoped (?i) gains the other case'],
  ['x(?i)[^a]', 'xA', false, '[parse.go parseClass: fold, then negate] [^a] under (?i) excludes A'],
  ['x(?i)σ', 'xς', true, 'Greek sigma orbit Σ σ ς'],
  ['x(?i)[[:upper:]]', 'xq', true, '[parse.go appendGroup] a POSIX class folds under (?i)'],
  ['x(?i)\\W', 'x\u017f', false, '[parse.go appendGroup] \\W under (?i) is the negation of folded \\w'],
  ['(?s)a.b', 'a\nb', true, '(?s): . matches \\n'],
  ['a.b', 'a\nb', false, 'without s, . does not match \\n'],
  ['a.b', 'a\rb', true, "RE2's . only stops at \\n (JavaScript's . stops at \\r too)"],
  ['a.b', 'a\u2028b', true, '… and at U+2028'],
  ['(?m)a$\\n^b', 'a\nb', true, '(?m): ^ and $ at line ends'],
  ['a$\\n^b', 'a\nb', false, 'without m, ^ and $ are text begin/end only'],
  ['a$\\n', 'a\n', false, 'RE2 $ without m is end of text only, not before a final \\n'],
  ['(?U)a+', 'aaa', true, 'ungreedy changes captures, not whether FullMatch succeeds'],
  ['(?U)a+?b', 'aab', true, 'under U, +? is greedy again'],
  // groups
  ['(?P<v>v[0-9]+)', 'v12', true, 'Python-style named group'],
  ['(?<v>v[0-9]+)/x', 'v1/x', true, '(?<name>…), accepted since Go 1.22 / RE2 2023'],
  ['(?P<1a>x)', 'x', true, '[parse.go isValidCaptureName] names are [A-Za-z0-9_]+, a leading digit included'],
  // escapes and assertions
  ['\\Aab\\z', 'ab', true, '\\A and \\z: text begin and end'],
  ['\\Qa.b\\E', 'a.b', true, '\\Q…\\E is literal'],
  ['\\Qa.b\\E', 'axb', false, '… so . is a dot'],
  ['\\Qa*', 'a*', true, '[parse.go: strings.Cut(t, `\\E`)] \\Q without \\E runs to the end'],
  ['\\x{1F600}', '\u{1F600}', true, '\\x{…}: any code point'],
  ['\\x41\\101\\0', 'AA\u0000', true, 'hex, octal \\101 and \\0'],
  ['\\12', '\n', true, '[parse.go parseEscape] \\1 followed by an octal digit is octal (\\12 = LF)'],
  ['a\\b', 'a', true, '\\b at the end after a word character'],
  ['a{,5}', 'a{,5}', true, '[parse.go parseRepeat] {,5} is no repeat, so literal'],
  ['a{2}', 'aa', true, 'exact count'],
  ['^*a', 'a', true, '[parse.go repeat] an empty-width op may be repeated (JavaScript refuses `^*`)'],
  ['a*\\Q\\E*', 'aa', true, '[parse.go] \\Q\\E resets lastRepeat: the second * repeats a*'],
  // classes
  ['[[:alpha:]]+', 'abcXYZ', true, 'POSIX class'],
  ['[[:alpha:]]+', 'ab1', false, 'POSIX class excludes digits'],
  ['[[:^alpha:]]+', '1-2', true, 'negated POSIX class'],
  ['[[:^alpha:]]', 'a', false, 'negated POSIX class excludes letters'],
  ['[]a]+', ']a', true, '] first in a class is literal'],
  ['[a-b-c]+', 'a-c', true, '[parse.go parseClass] Perl syntax: - is literal after a range'],
  ['\\d+', '\u0663', false, '\\d is ASCII: Arabic-Indic three is no digit'],
  ['\\s', '\u00a0', false, "\\s is [\\t\\n\\f\\r ] (JavaScript's \\s takes NBSP)"],
  ['\\s', '\u000b', false, '… and not \\v (perl_groups.go)'],
  ['[[:space:]]', '\u000b', true, 'POSIX space has \\v'],
  ['\\w+', 'é', false, '\\w is ASCII'],
  ['\\pN+', '\u0663\u2167', true, '\\pN: Unicode numbers (Nd, Nl)'],
  ['\\p{Greek}+', 'αβγ', true, '\\p{Script}'],
  ['\\PN', '5', false, '\\PN negates'],
  ['\\p{^Greek}', 'a', true, '\\p{^…} negates'],
  ['[\\p{Lu}\\d]+', 'Ä1', true, '\\p inside a class'],
  ['\\p{Any}', '\n', true, '\\p{Any} is every code point'],
  // Unicode: code points, not UTF-16 units
  ['.', '\u{1F600}', true, 'RE2 reads UTF-8: one . is one code point, even outside the BMP'],
  ['..', '\u{1F600}', false, '… so two dots do not match one emoji'],
  ['[^a]', '\u{1F600}', true, 'a negated class takes a whole code point'],
  ['\\x{10FFFF}', '\u{10FFFF}', true, 'the last code point'],
  // full match
  ['a|ab', 'ab', true, 'FullMatch: some alternative must span the whole input'],
  ['abc', 'xabc', false, 'FullMatch anchors the start'],
  ['b', 'ab', false, 'FullMatch anchors both ends'],
];

test('RE2 patterns match as RE2::FullMatch does (table; derived from RE2 semantics, not run against RE2)', () => {
  const wrong: string[] = [];
  for (const [pattern, input, want, why] of MATCHES) {
    const got = re2FullMatch(pattern).test(input);
    if (got !== want) wrong.push(`${pattern} on ${JSON.stringify(input)}: ${got}, RE2 ${want} (${why})`);
  }
  assert.equal(wrong, []);
  assert.is(MATCHES.length, 66);
});

/** [pattern, Go's regexp.Compile error] */
const REFUSED: [string, string][] = [
  ['(?=x)', 'invalid or unsupported Perl syntax: `(?=`'],
  ['a(?!b)', 'invalid or unsupported Perl syntax: `(?!`'],
  // Go ≥ 1.22 reads `(?<` as a named group: look-behind fails as a name
  ['(?<=a)b', 'invalid named capture: `(?<=a)b`'],
  ['(?<!a)b', 'invalid named capture: `(?<!a)b`'],
  ['(?>a)', 'invalid or unsupported Perl syntax: `(?>`'],
  ['(?P=n)', 'invalid or unsupported Perl syntax: `(?P`'],
  ["(?'n'a)", "invalid or unsupported Perl syntax: `(?'`"],
  ['(?#c)', 'invalid or unsupported Perl syntax: `(?#`'],
  ['(?z)', 'invalid or unsupported Perl syntax: `(?z`'],
  ['(?i-)a', 'invalid or unsupported Perl syntax: `(?i-)`'],
  ['(?', 'invalid or unsupported Perl syntax: `(?`'],
  ['(a)\\1', 'invalid escape sequence: `\\1`'],
  ['\\k<n>', 'invalid escape sequence: `\\k`'],
  ['\\C', 'invalid escape sequence: `\\C`'],
  ['\\8', 'invalid escape sequence: `\\8`'],
  ['\\Z', 'invalid escape sequence: `\\Z`'],
  ['\\é', 'invalid escape sequence: `\\é`'],
  ['[\\b]', 'invalid escape sequence: `\\b`'],
  ['\\xZ1', 'invalid escape sequence: `\\xZ1`'],
  ['\\x{110000}', 'invalid escape sequence: `\\x{110000`'],
  ['\\x{}', 'invalid escape sequence: `\\x{}`'],
  ['a\\', 'trailing backslash at end of expression: ``'],
  ['a*+', 'invalid nested repetition operator: `*+`'],
  ['a++', 'invalid nested repetition operator: `++`'],
  ['a**', 'invalid nested repetition operator: `**`'],
  ['a{2}{3}', 'invalid nested repetition operator: `{2}{3}`'],
  ['a{1001}', 'invalid repeat count: `{1001}`'],
  ['a{2,1}', 'invalid repeat count: `{2,1}`'],
  ['(a{500}){3}', 'invalid repeat count: `{3}`'],
  ['((a{10}){10}){11}', 'invalid repeat count: `{11}`'],
  ['*a', 'missing argument to repetition operator: `*`'],
  ['a|*', 'missing argument to repetition operator: `*`'],
  ['({2})', 'missing argument to repetition operator: `{2}`'],
  ['(a', 'missing closing ): `(a`'],
  ['a)', 'unexpected ): `a)`'],
  ['x[ab', 'missing closing ]: `[ab`'],
  ['[]', 'missing closing ]: `[]`'],
  ['[z-a]', 'invalid character class range: `z-a`'],
  ['[[:foo:]]', 'invalid character class range: `[:foo:]`'],
  ['\\p{Foo}', 'invalid character class range: `\\p{Foo}`'],
  ['\\p{Greek', 'invalid character class range: `\\p{Greek`'],
  ['(?P<>a)', 'invalid named capture: `(?P<>`'],
  ['(?P<a-b>x)', 'invalid named capture: `(?P<a-b>`'],
  ['(?P<n', 'invalid named capture: `(?P<n`'],
  ['a\ud800', 'invalid UTF-8: `\ud800`'],
];

test('what RE2 refuses is refused with Go regexp/syntax error text', () => {
  const wrong: string[] = [];
  for (const [pattern, want] of REFUSED) {
    const got = re2Problem(pattern);
    if (got !== `error parsing regexp: ${want}`) wrong.push(`${pattern}: ${got}`);
  }
  assert.equal(wrong, []);
  assert.is(re2Problem('(a{100}){10}'), undefined, 'a product of exactly 1000 is allowed');
  assert.is(re2Problem('(a{1000}){0}'), undefined, '[parse.go repeatIsValid] {0} ends the product');
});

test('a flag that covers the whole pattern is a JavaScript flag; a scoped one is written out', () => {
  assert.equal(translateRe2('(?i)/API/.*'), { source: '\\/API\\/[^\\n]*', flags: 'iu', groupNames: [] });
  assert.equal(translateRe2('/a(?i)pi'), { source: '\\/a[Pp][Ii]', flags: 'u', groupNames: [] });
  assert.is(translateRe2('(?s).').source, '[^]');
  assert.is(translateRe2('(?m)^a$').source, '(?<![^\\n])a(?![^\\n])');
  assert.is(translateRe2('(?U)a*b*?').source, 'a*?b*');
  assert.equal(translateRe2('(?P<v>x)(y)(?<w>z)').groupNames, ['v', undefined, 'w']);
  assert.is(translateRe2('\\s').source, '[\\u{9}-\\u{a}\\u{c}-\\u{d} ]');
});
test.run();
