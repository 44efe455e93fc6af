/**
 * The CEL rule forms the local Kubernetes API evaluates (src/kube-api/cel-rules.ts): every rule
 * of Istio's networking CRDs (all three kinds, both releases) is recognised, each form
 * evaluates as cel-go would, anything else is not recognised; Go's %v for floats (go-print.ts).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import YAML from 'yaml';
import { compileRule } from '../../src/kube-api/cel-rules.js';
import { goFloat, goValue } from '../../src/kube-api/go-print.js';
import { istioCrdFile } from '../cluster/fake-crd-schema.js';

function rulesOf(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => rulesOf(n, out));
  else if (node && typeof node === 'object')
    for (const [k, v] of Object.entries(node)) {
      if (k === 'x-kubernetes-validations') for (const r of v as { rule: string }[]) out.push(r.rule);
      else rulesOf(v, out);
    }
  return out;
}

test("every x-kubernetes-validations rule of Istio 1.29.6's networking CRDs (DestinationRule, VirtualService, Gateway) is a recognised form; 1.22.8 has none", () => {
  const file = istioCrdFile('1.29.6');
  const old = istioCrdFile('1.22.8');
  if (!file || !old) return void console.log('  skipped: ../shared/data/istio-crds is absent');
  const rules = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).flatMap((d) => rulesOf(d.toJS()));
  assert.is(rules.length, 144); // 126 duration, 9 tls counting, 9 label rules
  assert.equal(
    rules.filter((r) => compileRule(r) === undefined),
    [],
  );
  const none = YAML.parseAllDocuments(fs.readFileSync(old, 'utf8')).flatMap((d) => rulesOf(d.toJS()));
  assert.is(none.length, 0);
});

test("duration(self) >= duration('1ms'): Go time.ParseDuration forms compare in nanoseconds; a string that is no duration is the conversion error", () => {
  const rule = compileRule("duration(self) >= duration('1ms')")!;
  for (const ok of ['1ms', '1000us', '1000µs', '1000μs', '.001s', '1h', '1m0.5s', '+2ms'])
    assert.is(rule(ok), true, ok);
  for (const low of ['0.5ms', '999us', '0', '-1s', '999999ns']) assert.is(rule(low), false, low);
  for (const bad of ['abc', '1', '1d', '', '.s', '10000000000h'])
    assert.equal(rule(bad), { error: "type conversion error from 'string' to 'google.protobuf.Duration'" }, bad);
  // int64's edge, decided exactly as Go's uint64 sum: 2^63 − 1 ns is a duration, 2^63 ns is not
  // (the float 9223372036854775807 is 2^63, so a float bound let 2^63 through); −2^63 ns is
  for (const max of ['9223372036854775807ns', '2562047h47m16.854775807s']) assert.is(rule(max), true, max);
  assert.is(rule('-9223372036854775808ns'), false);
  for (const over of [
    '9223372036854775808ns',
    '9223372036854775809ns',
    '2562047h47m16.854775808s',
    '-9223372036854775809ns',
  ])
    assert.equal(rule(over), { error: "type conversion error from 'string' to 'google.protobuf.Duration'" }, over);
});

test("Gateway's tls exclusivity: (has(self.a) ? 1 : 0) + (has(self.b) ? 1 : 0) <= 1 counts the fields present", () => {
  const rule = compileRule('(has(self.credentialName) ? 1 : 0) + (has(self.credentialNames)\n  ? 1 : 0) <= 1')!;
  assert.is(rule({ credentialName: 'a' }), true);
  assert.is(rule({}), true);
  assert.is(rule({ credentialName: 'a', credentialNames: ['b'] }), false);
  assert.is(rule({ credentialName: 'a', tlsCertificates: [{}] }), true);
});

test('label rules: !self.contains("*"), self.all(key, !key.contains("*")), self.all(key, key.size() != 0) (size in code points)', () => {
  assert.is(compileRule('!self.contains("*")')!('v*'), false);
  assert.is(compileRule('!self.contains("*")')!('v'), true);
  const noWildcard = compileRule('self.all(key, !key.contains("*"))')!;
  assert.is(noWildcard({ a: '*', b: 'x' }), true);
  assert.is(noWildcard({ 'a*': 'x' }), false);
  const nonEmpty = compileRule('self.all(key, key.size() != 0)')!;
  assert.is(nonEmpty({ a: '' }), true);
  assert.is(nonEmpty({ '': 'a' }), false);
  assert.is(compileRule('self.all(k, k.size() <= 1)')!({ é: 'x' }), true);
});

test('forms outside the list are not recognised (the validator warns, never evaluates them)', () => {
  for (const r of [
    "self.matches('^a$')",
    'self.size() <= 3',
    'oldSelf == self',
    "duration(self) >= duration('x')",
    'has(self.a)',
  ])
    assert.is(compileRule(r), undefined, r);
});

test("Go's %v of float64 (strconv 'g', shortest, exponent from 1e+06 and below 1e-04) and of the JSON values the messages print", () => {
  assert.equal([100, 100.5, 4294967295, 1e6, 123456.5, 0.0001, 0.00001, -2.5e-7].map(goFloat), [
    '100',
    '100.5',
    '4.294967295e+09',
    '1e+06',
    '123456.5',
    '0.0001',
    '1e-05',
    '-2.5e-07',
  ]);
  assert.equal(
    [goValue(4294967296), goValue('a"b'), goValue(true), goValue(1.5)],
    ['4294967296', '"a\\"b"', 'true', '1.5'],
  );
});

test.run();
