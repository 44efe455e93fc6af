/**
 * src/util/re2.ts: RE2 (Go regexp/syntax, Perl flags) → JavaScript, matched as Envoy matches
 * (`RE2::FullMatch`). The expected results were derived from RE2's documented semantics
 * (github.com/google/re2/wiki/Syntax) and Go's regexp/syntax/parse.go (rows marked [parse.go]
 * follow the branch they quote), then checked against a real RE2: Debian's libre2 20220601
 * (`RE2(p, RE2::Quiet)` + `RE2::FullMatch`, as Envoy's regex.h), built by
 * `tools/re2-differential.ts` on a machine that has libre2-dev and g++. Every row agreed except
 * the ones marked [not RE2 2022]: `(?<name>…)` came to RE2 in 2023 (Go 1.22); RE2 accepts `\C`
 * (any byte) where Go — Istio's webhook — refuses it; the lone-surrogate row cannot reach RE2
 * as UTF-8 at all. No Go toolchain was run: Go's error words are read from parse.go.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { re2FullMatch, re2Problem, translateRe2 } from '../../src/util/re2.js';
import { MATCHES, REFUSED } from './fixtures/re2-table.js';

test('RE2 patterns match as RE2::FullMatch does (table; derived from RE2 semantics, not run against RE2)', () => {
  const wrong: string[] = [];
  for (const [pattern, input, want, why] of MATCHES) {
    const got = re2FullMatch(pattern).test(input);
    if (got !== want) wrong.push(`${pattern} on ${JSON.stringify(input)}: ${got}, RE2 ${want} (${why})`);
  }
  assert.equal(wrong, []);
  assert.is(MATCHES.length, 70);
});

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
